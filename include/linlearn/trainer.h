#pragma once
// The training loop: epochs over a shuffled in-memory store, num_models models side by side, early
// stopping per model, selection of the best and threshold calibration.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "linlearn/communicator.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/linear_model.h"
#include "linlearn/metrics.h"
#include "linlearn/out_of_core.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

struct Channels {
  const Dataset* train = nullptr;                 // null when streamed_train is set
  const Dataset* validation = nullptr;            // optional
  const Dataset* test = nullptr;                  // optional
  const StreamedTrain* streamed_train = nullptr;  // training data larger than memory (one process only)
};

// kPruned: dropped by successive halving (TrainConfig::prune_models); never selected.
enum class ModelStatus { kTraining, kEarlyStopped, kConverged, kMaxEpochs, kDiverged, kPruned };
std::string model_status_name(ModelStatus status);
ModelStatus parse_model_status(const std::string& name);

struct ModelEpoch {
  // The exact training loss of the weights the model ended the epoch with (measured during the
  // next epoch's pass, or after the last; NaN when never measured: a model stopped after it).
  double train_loss = 0;
  // The mean loss of the epoch's records, each taken before the update it contributed to.
  double progressive_loss = 0;
  MetricMap validation;  // objective_loss and the type's metrics; empty without a validation channel
  ModelStatus status = ModelStatus::kTraining;
};

struct EpochRecord {
  int epoch = 0;
  double seconds = 0;
  double records_per_second = 0;
  std::vector<ModelEpoch> models;
};

struct ModelOutcome {
  ModelStatus status = ModelStatus::kTraining;
  int best_epoch = -1;
  int stopped_at_epoch = -1;
  double best_criterion = 0;  // the early-stopping criterion (objective loss) at best_epoch
  // The last epoch's relative improvement of the criterion over the best before it: above
  // early_stopping_tolerance, a model stopped by the epoch limit is kMaxEpochs, else kConverged.
  double last_improvement = 0;
  double selection_score = 0;  // higher is better
  double threshold = 0.5;
};

struct TrainOutcome {
  std::vector<EpochRecord> epochs;
  std::vector<ModelOutcome> models;
  int selected = -1;                     // -1 when every model diverged
  LinearModel model;                     // the selected model, raw units, calibrated threshold
  std::string early_stopping_criterion;  // e.g. "validation:objective_loss"
  std::string selection_criterion;
  std::size_t calibration_records = 0;
  // The channel the model was selected on (validation, else train) and, unless the training data
  // was streamed, the selected model's margins there: its final metrics on that channel come
  // from them, not from scoring it again.
  std::string selected_on;
  std::optional<ScoredChannel> selected_scores;
  double exchange_seconds = 0;  // under MPI: the gradient exchange's share of training (see Timing)
};

// Observes training as it happens (progress lines, quality-metric logs, checkpoints).
struct BatchProgress {
  int epoch = 0;
  std::size_t records_done = 0;  // in this epoch, on this process
  std::size_t records_total = 0;
  double seconds = 0;       // since the epoch started
  double running_loss = 0;  // the first training model's mean loss so far this epoch
};

class TrainingObserver {
 public:
  virtual ~TrainingObserver() = default;
  virtual void on_epoch_end(const EpochRecord&) {}
  // After every mini-batch; implementations throttle themselves.
  virtual void on_batch_end(const BatchProgress&) {}
};

// How a run is watched, checkpointed and stopped; all optional.
struct TrainControl {
  TrainingObserver* observer = nullptr;
  // Written after every epoch and when stopped by a signal; empty: no checkpoints.
  std::string checkpoint_path;
  // Epoch-end checkpoints wait until training has run this long (a signal still writes one at once).
  double first_checkpoint_after_seconds = 0;
  // Continue from checkpoint_path (UsageError when it was made with other data or options).
  bool resume = false;
  // Set asynchronously to a signal number: stop after the current mini-batch, write a checkpoint,
  // throw Interrupted (exit 128 + signal).
  const std::atomic<int>* stop_signal = nullptr;
  Communicator* communicator = nullptr;  // null: this process alone
  // Warm start: every model of the grid starts from this model's weights and bias (null: from
  // init_method's random weights).
  const LinearModel* initial_model = nullptr;
};

// Trains on channels.train (or channels.streamed_train). When every model diverges, `selected` is -1 and there is no
// model.
TrainOutcome train_models(const TrainConfig& config, const Channels& channels, ThreadPool& pool, spdlog::logger& log,
                          const TrainControl& control = {});

}  // namespace linlearn
