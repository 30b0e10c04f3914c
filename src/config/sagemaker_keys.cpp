// SageMaker's internal keys of hyperparameters.json (see sagemaker_keys.h).
#include "config/sagemaker_keys.h"

#include <fmt/format.h>

#include "config/declare.h"

namespace linlearn {
namespace {

constexpr const char* kObjective = "_tuning_objective_metric";
constexpr const char* kCriterion = "binary_classifier_model_selection_criteria";

std::string value_of(const HyperparameterValues& values, const std::string& key) {
  const auto it = values.find(key);
  return it == values.end() ? "" : it->second;
}

// The selection criterion that serves a tuning objective ("validation:binary_f_beta" -> f_beta);
// "" when no criterion measures it (roc_auc_score, the metrics of other predictor types).
std::string criterion_for(const std::string& objective) {
  std::string metric = objective.substr(objective.find(':') + 1);
  if (metric.ends_with(":final")) metric.resize(metric.size() - 6);
  if (metric == "binary_classification_accuracy") return "accuracy";
  if (metric == "binary_f_beta") return "f_beta";
  if (metric == "precision") return "precision_at_target_recall";
  if (metric == "recall") return "recall_at_target_precision";
  if (metric == "objective_loss") return "loss_function";
  return "";
}

void tune_for_objective(const std::string& objective, SageMakerKeys& out) {
  if (objective.empty()) return;  // SageMaker's default: not a tuning job
  out.notes.push_back(fmt::format(
      "SageMaker's {}={}: automatic model tuning; one model trains (num_models 1), as in SageMaker's Linear Learner",
      kObjective, objective));
  const std::string models = value_of(out.values, "num_models");
  if (!models.empty() && models != "1" && models != "auto")
    out.notes.push_back(fmt::format("num_models {} ignored: a tuning job trains one model", models));
  out.values.insert_or_assign("num_models", std::string("1"));
  const std::string criterion = criterion_for(objective);
  if (value_of(out.values, "predictor_type") != "binary_classifier" || criterion.empty() ||
      out.values.contains(kCriterion))
    return;
  out.values[kCriterion] = criterion;
  out.notes.push_back(
      fmt::format("{} {}: the threshold is calibrated for the objective {}", kCriterion, criterion, objective));
}

}  // namespace

std::vector<HyperparameterSpec> sagemaker_internal_specs() {
  return {
      Declare(kObjective, HelpGroup::kStoppingAndSelection,
              "Set by SageMaker's automatic model tuning: the tuning job's objective metric. One model trains "
              "(num_models 1, whatever was given); a binary classifier without "
              "binary_classifier_model_selection_criteria calibrates its threshold for the objective.")
          .text()
          .def("")
          .internal(),
      Declare("_kvstore", HelpGroup::kRunControl,
              "MXNet's key-value store in SageMaker's Linear Learner; no effect: linlearn has no parameter server "
              "(one process, or MPI ranks that sum their gradients).")
          .choice(
              {"auto", "local", "device", "nccl", "dist_sync", "dist_device_sync", "dist_async", "dist_sync_device"})
          .def("auto")
          .internal(),
      Declare("_num_gpus", HelpGroup::kRunControl,
              "GPUs for SageMaker's Linear Learner; no effect: linlearn trains on CPU threads (--threads).")
          .integer(0, 1024)
          .def("auto")
          .internal(),
      Declare("_num_kv_servers", HelpGroup::kRunControl,
              "Parameter servers of SageMaker's Linear Learner; no effect: linlearn has no parameter server.")
          .integer(0, 1e6)
          .def("auto")
          .internal(),
      Declare("_log_level", HelpGroup::kRunControl,
              "Log level of SageMaker's algorithm (Python's names); the log level of the run when --log-level is "
              "not given (warning is warn, critical is error).")
          .choice({"debug", "info", "warning", "warn", "error", "critical", "DEBUG", "INFO", "WARNING", "WARN", "ERROR",
                   "CRITICAL"})
          .def("info")
          .internal(),
      Declare("_enable_profiler", HelpGroup::kRunControl,
              "MXNet's profiler in SageMaker's Linear Learner; no effect: the seconds of reading, of training and "
              "of every epoch are in metrics.json.")
          .boolean()
          .def("false")
          .internal(),
      Declare("force_dense", HelpGroup::kRunControl,
              "Dense arrays inside SageMaker's Linear Learner; no effect: linlearn keeps the data's own layout "
              "(dense or sparse).")
          .boolean()
          .def("true")
          .internal(),
  };
}

SageMakerKeys apply_sagemaker_keys(const HyperparameterValues& given) {
  SageMakerKeys out{given, {}};
  for (const auto& spec : hyperparameter_specs()) {
    const auto it = given.find(spec.name);
    if (!spec.internal || it == given.end()) continue;
    if (spec.name == kObjective) {
      tune_for_objective(it->second, out);
    } else {
      out.notes.push_back(fmt::format("SageMaker's {}={}: {}", spec.name, it->second, spec.help));
    }
  }
  return out;
}

std::string sagemaker_log_level(const HyperparameterValues& given) {
  std::string level = value_of(given, "_log_level");
  if (level.empty()) return level;
  // Read before the configuration is, to set up the log: checked here first.
  validate_hyperparameter(*find_hyperparameter("_log_level"), level);
  for (char& c : level) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (level == "warning") return "warn";
  if (level == "critical") return "error";
  return level;
}

}  // namespace linlearn
