#include "linlearn/run_summary.h"

#include <algorithm>
#include <cmath>

namespace linlearn {
namespace {

// JSON has no NaN or infinity; a diverged loss is written as null.
nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json model_hyperparameters(const TrainConfig& config, std::size_t m) {
  nlohmann::json h = config.resolved;
  const ModelSettings& s = config.models[m];
  h["optimizer"] = optimizer_kind_name(s.optimizer.kind);
  h["learning_rate"] = s.learning_rate;
  h["wd"] = s.wd;
  h["l1"] = s.l1;
  h["momentum"] = s.optimizer.momentum;
  return h;
}

nlohmann::json data_json(const std::vector<ChannelSummary>& channels) {
  nlohmann::json data = nlohmann::json::object();
  for (const auto& c : channels) {
    nlohmann::json& channel = data[c.name] = channel_json(*c.data);
    if (c.total_records) channel["records"] = *c.total_records;
    if (!c.all_files.empty()) channel["files"] = c.all_files;
    if (c.sampled_records)
      channel["evaluation_sample"] = {
          {"records", *c.sampled_records},
          {"note", "streamed from its cache: " + c.name +
                       ":roc_auc_score, the report's charts of this channel and (without a validation channel) the "
                       "threshold calibration use a uniform sample of this many records; the other " +
                       c.name + ": metrics are exact"}};
  }
  return data;
}

nlohmann::json epochs_json(const std::vector<EpochRecord>& epochs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : epochs) {
    nlohmann::json models = nlohmann::json::array();
    for (std::size_t m = 0; m < e.models.size(); ++m) {
      const ModelEpoch& me = e.models[m];
      nlohmann::json mj{{"index", m},
                        {"train:objective_loss", number(me.train_loss)},
                        {"train:progressive_objective_loss", number(me.progressive_loss)},
                        {"status", model_status_name(me.status)}};
      for (const auto& [name, value] : me.validation) mj["validation:" + name] = number(value);
      models.push_back(mj);
    }
    out.push_back(
        {{"epoch", e.epoch}, {"seconds", e.seconds}, {"records_per_second", e.records_per_second}, {"models", models}});
  }
  return out;
}

nlohmann::json models_json(const TrainConfig& config, const std::vector<ModelOutcome>& models) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t m = 0; m < models.size(); ++m) {
    const ModelOutcome& mo = models[m];
    out.push_back({{"index", m},
                   {"status", model_status_name(mo.status)},
                   {"best_epoch", mo.best_epoch},
                   {"stopped_at_epoch", mo.stopped_at_epoch},
                   {"best_criterion", number(mo.best_criterion)},
                   {"hyperparameters", model_hyperparameters(config, m)}});
  }
  return out;
}

nlohmann::json selected_json(const TrainConfig& config, const TrainOutcome& outcome) {
  if (outcome.selected < 0) return nullptr;
  const auto selected = static_cast<std::size_t>(outcome.selected);
  nlohmann::json j = {{"index", outcome.selected},
                      {"epoch", outcome.models[selected].best_epoch},
                      {"hyperparameters", model_hyperparameters(config, selected)},
                      {"selection_criterion", outcome.selection_criterion}};
  if (config.predictor_type == PredictorType::kBinary) j["threshold"] = outcome.model.threshold;
  return j;
}

}  // namespace

nlohmann::json channel_json(const Dataset& data) {
  return {{"records", data.rows()}, {"feature_dim", data.feature_dim}, {"sparse", data.sparse}, {"files", data.files}};
}

nlohmann::json build_metrics_json(const TrainConfig& config, const TrainOutcome& outcome,
                                  const std::vector<ChannelSummary>& channels, const MetricMap& final_metrics,
                                  const nlohmann::json& diagnostics, const Timing& timing, int world_size) {
  nlohmann::json j;
  j["linlearn_version"] = LINLEARN_VERSION;
  j["predictor_type"] = predictor_type_name(config.predictor_type);
  j["seed"] = config.seed;
  j["threads"] = config.threads;
  j["world_size"] = world_size;
  j["hyperparameters"] = config.resolved;
  if (!config.initial_model.empty()) j["initial_model"] = config.initial_model;
  j["data"] = data_json(channels);
  j["selected_model"] = selected_json(config, outcome);
  j["final_metrics"] = nlohmann::json::object();
  for (const auto& [name, value] : final_metrics) j["final_metrics"][name] = number(value);
  j["epochs"] = epochs_json(outcome.epochs);
  j["models"] = models_json(config, outcome.models);
  const bool has_model = outcome.selected >= 0;
  const ModelOutcome& best = outcome.models[static_cast<std::size_t>(std::max(outcome.selected, 0))];
  j["early_stopping"] = {{"criterion", outcome.early_stopping_criterion},
                         {"patience", config.early_stopping.patience},
                         {"tolerance", config.early_stopping.tolerance},
                         {"best_epoch", has_model ? best.best_epoch : -1},
                         {"stopped_at_epoch", best.stopped_at_epoch}};
  j["convergence"] = {{"status", has_model ? model_status_name(best.status) : "diverged"},
                      {"diagnostics", diagnostics}};
  j["timing"] = {{"total_seconds", timing.total_seconds},
                 {"read_seconds", timing.read_seconds},
                 {"train_seconds", timing.train_seconds}};
  if (world_size > 1) j["timing"]["exchange_seconds"] = timing.exchange_seconds;
  return j;
}

}  // namespace linlearn
