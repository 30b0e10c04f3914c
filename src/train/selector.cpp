#include "selector.h"

#include <algorithm>
#include <cmath>

#include "linlearn/random.h"
#include "linlearn/shuffler.h"
#include "raw_model.h"

namespace linlearn {
namespace {

// Columns [model * outputs, (model + 1) * outputs) of `scored` alone.
ScoredChannel one_model(const ScoredChannel& scored, int model, int outputs) {
  ScoredChannel one;
  one.margins = scored.margins.middleCols(static_cast<Eigen::Index>(model) * outputs, outputs);
  one.labels = scored.labels;
  one.weights = scored.weights;
  return one;
}

// The models that may be selected: neither diverged nor pruned, with a best epoch.
std::vector<std::size_t> candidates_of(const ModelSet& models) {
  std::vector<std::size_t> candidates;
  for (std::size_t m = 0; m < models.size(); ++m) {
    const ModelOutcome& mo = models.outcomes()[m];
    if (mo.status != ModelStatus::kDiverged && mo.status != ModelStatus::kPruned && mo.best_epoch >= 0)
      candidates.push_back(m);
  }
  return candidates;
}

}  // namespace

Selector::Selector(const TrainConfig& config, const Normalization& norm, const Loss& loss, const ClassWeights& weights,
                   ThreadPool& pool, Communicator& comm, const FeatureIndex* features)
    : config_(config),
      norm_(norm),
      loss_(loss),
      class_weights_(weights),
      pool_(pool),
      comm_(comm),
      features_(features),
      outputs_(loss.outputs()) {}

ScoredChannel Selector::score(const Dataset& data, const ModelRefs& params) {
  RowMatrix raw_w;
  Eigen::RowVectorXf raw_b;
  raw_parameters(params, norm_, outputs_, raw_w, raw_b);
  const RowMatrix local = compute_margins(data, raw_w, raw_b, pool_, features_);
  const std::vector<float> all =
      comm_.gather(std::span<const float>(local.data(), static_cast<std::size_t>(local.size())));
  ScoredChannel s;
  s.labels = comm_.gather(data.labels);
  s.weights = comm_.gather(class_weights_.for_records(data));
  s.margins = Eigen::Map<const RowMatrix>(all.data(), static_cast<Eigen::Index>(s.labels.size()), local.cols());
  return s;
}

Evaluation Selector::evaluate(const ScoredChannel& s, int model, double threshold) const {
  return evaluate_margins(s.margins, model * outputs_, loss_, s.labels, s.weights,
                          {config_.predictor_type, threshold, config_.accuracy_top_k, config_.f_beta});
}

// Every model's metrics over the cached training records (exact but roc_auc_score) with its scores
// of a bounded uniform sample, whose labels and weights go to `sample`. Models are scored in groups
// whose raw weights stay under kGroupBytes, so a huge feature_dim costs more passes over the cache
// rather than memory.
std::vector<Evaluation> Selector::streamed_evaluations(const StreamedTrain& streamed, const ModelRefs& params,
                                                       ScoredChannel& sample) {
  constexpr std::size_t kGroupBytes = std::size_t{64} << 20;
  const std::size_t model_bytes = sizeof(float) * norm_.scale.size() * static_cast<std::size_t>(outputs_);
  const std::size_t group = std::clamp<std::size_t>(kGroupBytes / std::max<std::size_t>(model_bytes, 1), 1,
                                                    std::max<std::size_t>(params.size(), 1));
  const std::size_t sample_records = evaluation_sample_share(streamed, config_);
  const EvaluationSettings settings{config_.predictor_type, default_threshold(config_.loss), config_.accuracy_top_k,
                                    config_.f_beta};
  std::vector<Evaluation> evaluations;
  for (std::size_t first = 0; first < params.size(); first += group) {
    const ModelRefs some(params.begin() + static_cast<std::ptrdiff_t>(first),
                         params.begin() + static_cast<std::ptrdiff_t>(std::min(params.size(), first + group)));
    RowMatrix raw_w;
    Eigen::RowVectorXf raw_b;
    raw_parameters(some, norm_, outputs_, raw_w, raw_b);
    CacheEvaluation scored = evaluate_cache(*streamed.cache, raw_w, raw_b, loss_, settings, class_weights_,
                                            sample_records, config_.seed, pool_, features_, &comm_);
    for (auto& e : scored.models) evaluations.push_back(std::move(e));
    sample.labels = std::move(scored.labels);
    sample.weights = std::move(scored.weights);
  }
  return evaluations;
}

// Only the candidates are scored: pruned and diverged models would cost a column of margins each.
void Selector::select(ModelSet& models, const SelectionChannel& channel, TrainOutcome& outcome) {
  // Streamed training data is too large to hold its scores: exact metrics are streamed and a
  // bounded uniform sample stands for it in the threshold calibration.
  const bool streamed = channel.streamed != nullptr;
  const std::vector<std::size_t> candidates = candidates_of(models);
  ModelRefs best;
  for (std::size_t m : candidates) best.push_back(&models.state(m).best);
  ScoredChannel shared;
  std::vector<Evaluation> streamed_scores;
  if (streamed) {
    streamed_scores = streamed_evaluations(*channel.streamed, best, shared);
  } else {
    shared = score(*channel.data, best);
  }
  // A streamed run's sample already is the calibration sample.
  const auto sample = uniform_sample(
      shared.labels.size(),
      streamed ? shared.labels.size() : static_cast<std::size_t>(config_.selection.num_calibration_samples),
      config_.seed, static_cast<std::uint64_t>(RandomStream::kCalibrationSample));
  outcome.calibration_records = sample.size();
  outcome.selection_criterion = config_.predictor_type == PredictorType::kBinary
                                    ? selection_criterion_name(config_.selection.target.criterion)
                                    : "loss_function";
  int selected = -1;
  int selected_column = -1;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::size_t m = candidates[i];
    ModelOutcome& mo = models.outcomes()[m];
    const Evaluation e = streamed ? std::move(streamed_scores[i])
                                  : evaluate(shared, static_cast<int>(i), default_threshold(config_.loss));
    if (!std::isfinite(e.metrics.at("objective_loss"))) {
      mo.status = ModelStatus::kDiverged;
      continue;
    }
    // Scored on the training records, the best epoch's loss is computed as evaluate computes it
    // from the saved model (the kernel's measure of it differs in the last float digits).
    if (channel.name == "train")
      outcome.epochs[static_cast<std::size_t>(mo.best_epoch)].models[m].train_loss = e.metrics.at("objective_loss");
    mo.selection_score = selection_value(e, shared, sample, mo.threshold);
    if (selected < 0 || mo.selection_score > models.outcomes()[static_cast<std::size_t>(selected)].selection_score) {
      selected = static_cast<int>(m);
      selected_column = static_cast<int>(i);
    }
  }
  outcome.selected = selected;
  if (selected < 0) return;
  const auto m = static_cast<std::size_t>(selected);
  outcome.model = make_linear_model(config_, models.state(m).best, norm_, outputs_, features_);
  outcome.model.threshold = models.outcomes()[m].threshold;
  outcome.selected_on = channel.name;
  if (!streamed) outcome.selected_scores = one_model(shared, selected_column, outputs_);
}

double Selector::selection_value(const Evaluation& e, const ScoredChannel& s, const std::vector<std::uint32_t>& sample,
                                 double& threshold) const {
  threshold = default_threshold(config_.loss);
  if (config_.predictor_type != PredictorType::kBinary ||
      config_.selection.target.criterion == SelectionCriterion::kLossFunction)
    return -e.metrics.at("objective_loss");
  std::vector<float> scores, labels, weights;
  for (std::uint32_t i : sample) {
    scores.push_back(e.scores[i]);
    labels.push_back(s.labels[i]);
    weights.push_back(s.weights[i]);
  }
  const Calibration cal = calibrate_threshold(scores, labels, weights, config_.selection.target, threshold);
  threshold = cal.threshold;
  return cal.score;
}

}  // namespace linlearn
