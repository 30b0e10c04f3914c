// Which hyperparameters apply to a run (see hyperparameter_relevance.h). The conditions follow the
// help texts of the hyperparameter table (src/config/hyperparameter_table.cpp).
#include "eval/hyperparameter_relevance.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace linlearn::detail {
namespace {

using nlohmann::json;

std::string text_of(const json& resolved, const char* name) {
  const auto it = resolved.find(name);
  return it != resolved.end() && it->is_string() ? it->get<std::string>() : "";
}

bool flag_of(const json& resolved, const char* name) {
  const auto it = resolved.find(name);
  return it != resolved.end() && it->is_boolean() && it->get<bool>();
}

using Condition = std::function<bool(const json&)>;

// The hyperparameter `key` has one of `values` (predictor types, losses, optimizers).
Condition text_in(const char* key, std::initializer_list<const char*> values) {
  std::vector<std::string> allowed(values.begin(), values.end());
  return [key, allowed](const json& r) {
    return std::find(allowed.begin(), allowed.end(), text_of(r, key)) != allowed.end();
  };
}

Condition binary_criterion_is(const char* criterion) {
  return [criterion](const json& r) {
    return text_of(r, "predictor_type") == "binary_classifier" &&
           text_of(r, "binary_classifier_model_selection_criteria") == criterion;
  };
}

Condition flag_is_on(const char* name) {
  return [name](const json& r) { return flag_of(r, name); };
}

// Every hyperparameter that only sometimes has an effect, with when it does; the rest always do.
const std::map<std::string, Condition, std::less<>>& conditions() {
  static const std::map<std::string, Condition, std::less<>> table{
      {"num_classes", text_in("predictor_type", {"multiclass_classifier"})},
      {"accuracy_top_k", text_in("predictor_type", {"multiclass_classifier"})},
      {"balance_multiclass_weights", text_in("predictor_type", {"multiclass_classifier"})},
      {"binary_classifier_model_selection_criteria", text_in("predictor_type", {"binary_classifier"})},
      {"num_calibration_samples", text_in("predictor_type", {"binary_classifier"})},
      {"positive_example_weight_mult", text_in("predictor_type", {"binary_classifier"})},
      // binary_f_beta and macro_f_beta are reported for both kinds of classifier.
      {"f_beta", text_in("predictor_type", {"binary_classifier", "multiclass_classifier"})},
      {"target_precision", binary_criterion_is("recall_at_target_precision")},
      {"target_recall", binary_criterion_is("precision_at_target_recall")},
      {"normalize_label", text_in("predictor_type", {"regressor"})},
      {"unbias_label", text_in("predictor_type", {"regressor"})},
      {"margin", text_in("loss", {"hinge_loss"})},
      {"quantile", text_in("loss", {"quantile_loss"})},
      {"loss_insensitivity", text_in("loss", {"eps_insensitive_squared_loss", "eps_insensitive_absolute_loss"})},
      {"huber_delta", text_in("loss", {"huber_loss"})},
      {"momentum", text_in("optimizer", {"sgd", "rmsprop"})},
      {"beta_1", text_in("optimizer", {"adam"})},
      {"beta_2", text_in("optimizer", {"adam", "rmsprop"})},
      {"init_scale", text_in("init_method", {"uniform"})},
      {"init_sigma", text_in("init_method", {"normal"})},
      {"bias_lr_mult", flag_is_on("use_bias")},
      {"bias_wd_mult", flag_is_on("use_bias")},
      {"init_bias", flag_is_on("use_bias")},
      {"lr_scheduler_step", flag_is_on("use_lr_scheduler")},
      {"lr_scheduler_factor", flag_is_on("use_lr_scheduler")},
      {"lr_scheduler_minimum_lr", flag_is_on("use_lr_scheduler")},
      {"num_point_for_scaler",
       [](const json& r) {
         return flag_of(r, "normalize_data") || flag_of(r, "unbias_data") || flag_of(r, "normalize_label") ||
                flag_of(r, "unbias_label");
       }},
  };
  return table;
}

}  // namespace

bool hyperparameter_applies(std::string_view name, const json& resolved) {
  if (!resolved.is_object()) return true;
  const auto it = conditions().find(name);
  return it == conditions().end() || it->second(resolved);
}

}  // namespace linlearn::detail
