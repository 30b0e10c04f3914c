// The final_metrics stage: the selected model's metrics per channel, each channel scored once.
#include "linlearn/class_weights.h"
#include "linlearn/train_job.h"

namespace linlearn {
namespace {

EvaluationSettings settings_of(const TrainConfig& config, const LinearModel& model) {
  return {config.predictor_type, model.threshold, config.accuracy_top_k, config.f_beta};
}

// The selected model's margins on `data`, every rank's records gathered in rank order.
ScoredChannel score_model(const Dataset& data, const LinearModel& model, const ClassWeights& weights, ThreadPool& pool,
                          Communicator& comm) {
  const RowMatrix local = compute_margins(data, stacked_weights(model), stacked_bias(model), pool);
  const std::vector<float> all =
      comm.gather(std::span<const float>(local.data(), static_cast<std::size_t>(local.size())));
  ScoredChannel s;
  s.labels = comm.gather(data.labels);
  s.weights = comm.gather(weights.for_records(data));
  s.margins = Eigen::Map<const RowMatrix>(all.data(), static_cast<Eigen::Index>(s.labels.size()), local.cols());
  return s;
}

// Adds the channel's metrics under its prefix; returns its scores for the report.
ChartedScores add_metrics(const std::string& channel, const ScoredChannel& scored, const TrainConfig& config,
                          const LinearModel& model, MetricMap& out) {
  const auto loss = make_loss(model.loss, model.loss_params);
  Evaluation e = evaluate_margins(scored.margins, 0, *loss, scored.labels, scored.weights, settings_of(config, model));
  for (const auto& [name, value] : e.metrics) out[channel + ":" + name] = value;
  return {channel, std::move(e.scores), scored.labels, scored.weights, 0};
}

// A training channel streamed from its cache, in bounded memory: the metrics are exact but
// roc_auc_score, which like the scores returned for the report comes from the same uniform sample
// as the threshold calibration.
ChartedScores add_streamed_metrics(const StreamedTrain& streamed, std::size_t records, const TrainConfig& config,
                                   const LinearModel& model, const ClassWeights& weights, ThreadPool& pool,
                                   Communicator& comm, MetricMap& out) {
  const auto loss = make_loss(model.loss, model.loss_params);
  CacheEvaluation scored =
      evaluate_cache(*streamed.cache, stacked_weights(model), stacked_bias(model), *loss, settings_of(config, model),
                     weights, evaluation_sample_share(streamed, config), config.seed, pool, nullptr, &comm);
  Evaluation e = std::move(scored.models.front());
  for (const auto& [name, value] : e.metrics) out["train:" + name] = value;
  return {"train", std::move(e.scores), std::move(scored.labels), std::move(scored.weights), records};
}

}  // namespace

FinalMetrics final_metrics(const TrainConfig& config, const TrainOutcome& outcome, const LoadedChannels& data,
                           ThreadPool& pool, Communicator& comm) {
  const ClassWeights weights{config.weighting.per_class};
  const LinearModel& model = outcome.model;
  // The channel the model was selected on was scored then.
  const auto scores_of = [&](const std::string& channel, const Dataset& d) {
    if (outcome.selected_on == channel && outcome.selected_scores) return *outcome.selected_scores;
    return score_model(d, model, weights, pool, comm);
  };
  FinalMetrics out;
  if (data.streamed) {
    out.charted = add_streamed_metrics(*data.streamed, data.train_counts.records, config, model, weights, pool, comm,
                                       out.metrics);
  } else {
    out.charted = add_metrics("train", scores_of("train", data.train), config, model, out.metrics);
    out.charted.channel_records = data.train_counts.records;
  }
  if (const Dataset* validation = data.validation_or_null())
    out.charted = add_metrics("validation", scores_of("validation", *validation), config, model, out.metrics);
  if (const Dataset* test = data.test_or_null()) {
    ChartedScores charted = add_metrics("test", scores_of("test", *test), config, model, out.metrics);
    // The report charts the test channel when there is one (held-out), but a binary model's ROC
    // and precision-recall curves stay on the channel its threshold was calibrated on.
    if (config.predictor_type != PredictorType::kBinary) out.charted = std::move(charted);
  }
  return out;
}

}  // namespace linlearn
