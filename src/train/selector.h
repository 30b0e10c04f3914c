#pragma once
// Selection: every usable model's best epoch scored on the validation channel (the training
// channel without one), the best by the selection criterion, its decision threshold calibrated on
// the same records. The selected model's scores come back with it, so its final metrics on that
// channel need no second scoring.
#include <optional>
#include <string>
#include <vector>

#include "linlearn/class_weights.h"
#include "linlearn/communicator.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/loss.h"
#include "linlearn/normalizer.h"
#include "linlearn/out_of_core.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"
#include "linlearn/trainer.h"
#include "model_set.h"

namespace linlearn {

// Where the models are selected: a channel in memory (this rank's share), or the streamed cache.
struct SelectionChannel {
  std::string name;                         // validation | train
  const Dataset* data = nullptr;            // null when streamed
  const StreamedTrain* streamed = nullptr;  // training data larger than memory
};

class Selector {
 public:
  // Sparse data: `features` gives the features of the parameters' rows (see FeatureIndex).
  Selector(const TrainConfig& config, const Normalization& norm, const Loss& loss, const ClassWeights& weights,
           ThreadPool& pool, Communicator& comm, const FeatureIndex* features = nullptr);

  // Scores the candidates of `models` (neither diverged nor pruned, with a best epoch) and fills
  // outcome.selected, .model, .selection_criterion, .calibration_records and .selected_scores; a
  // candidate whose loss is not finite is marked diverged. Without a validation channel the best
  // epoch's train_loss in outcome.epochs is set to the loss computed here, as evaluate computes it
  // from the saved model.
  void select(ModelSet& models, const SelectionChannel& channel, TrainOutcome& outcome);

  // The margins of `params` (raw units, stacked) on `data`, gathered over ranks.
  ScoredChannel score(const Dataset& data, const ModelRefs& params);
  // Every model of `params` evaluated at `threshold` on columns [i * outputs, ...) of `scored`.
  Evaluation evaluate(const ScoredChannel& scored, int model, double threshold) const;

 private:
  std::vector<Evaluation> streamed_evaluations(const StreamedTrain& streamed, const ModelRefs& params,
                                               ScoredChannel& sample);
  double selection_value(const Evaluation& e, const ScoredChannel& s, const std::vector<std::uint32_t>& sample,
                         double& threshold) const;

  const TrainConfig& config_;
  const Normalization& norm_;
  const Loss& loss_;
  const ClassWeights& class_weights_;
  ThreadPool& pool_;
  Communicator& comm_;
  const FeatureIndex* features_;
  const int outputs_;
};

}  // namespace linlearn
