// Resolves the string hyperparameters into a typed TrainConfig by walking the declaration table:
// each value is the one given, its default, or what its `auto` resolves to, then put in place.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "config/auto_values.h"
#include "linlearn/config.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

bool is_word(const HyperparameterSpec& spec, const std::string& text) {
  if (text.empty()) return true;
  return spec.kind != ValueKind::kChoice &&
         std::find(spec.choices.begin(), spec.choices.end(), text) != spec.choices.end();
}

// A value that is not a word, in its natural JSON type.
nlohmann::json parse_value(const HyperparameterSpec& spec, const std::string& text) {
  switch (spec.kind) {
    case ValueKind::kInt:
      return static_cast<std::int64_t>(std::stod(text));
    case ValueKind::kUnsigned:
      return std::stoull(text);
    case ValueKind::kFloat:
      return std::stod(text);
    case ValueKind::kBool: {
      std::string v = text;
      std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
      return v == "true";
    }
    case ValueKind::kChoice:
    case ValueKind::kText:
      break;
  }
  return text;
}

nlohmann::json resolve_value(const HyperparameterSpec& spec, const std::string& text, const TrainConfig& so_far,
                             const DataFacts* data) {
  const bool word = is_word(spec, text) || (spec.kind == ValueKind::kChoice && text == "auto");
  if (word && spec.resolve_word) return spec.resolve_word(so_far, data);
  return parse_value(spec, text);
}

void check_names(const HyperparameterValues& given) {
  for (const auto& [name, value] : given) {
    const HyperparameterSpec* spec = find_hyperparameter(name);
    if (spec == nullptr) throw UsageError(fmt::format("--{}: unknown hyperparameter", name));
    validate_hyperparameter(*spec, value);
  }
}

std::string given_or_default(const HyperparameterValues& given, const HyperparameterSpec& spec) {
  const auto it = given.find(spec.name);
  return it != given.end() ? it->second : spec.default_value;
}

}  // namespace

PredictorType parse_predictor_type(const std::string& name) {
  if (name == "binary_classifier") return PredictorType::kBinary;
  if (name == "multiclass_classifier") return PredictorType::kMulticlass;
  if (name == "regressor") return PredictorType::kRegressor;
  throw UsageError(fmt::format(
      "--predictor_type: '{}' is not allowed; expected one of binary_classifier, multiclass_classifier, regressor",
      name));
}

std::string predictor_type_name(PredictorType type) {
  switch (type) {
    case PredictorType::kBinary:
      return "binary_classifier";
    case PredictorType::kMulticlass:
      return "multiclass_classifier";
    case PredictorType::kRegressor:
      return "regressor";
  }
  return "";
}

TrainConfig resolve_config(const HyperparameterValues& given, const DataFacts* data) {
  check_names(given);
  TrainConfig c;
  c.models.resize(1);
  if (data != nullptr) c.data = *data;
  c.resolved = nlohmann::json::object();
  for (const auto& spec : hyperparameter_specs()) {
    if (spec.internal) continue;  // SageMaker's own keys: logged by the job, not part of the model
    const nlohmann::json value = resolve_value(spec, given_or_default(given, spec), c, data);
    c.resolved[spec.name] = spec.set(c, value);
  }
  if (data != nullptr) c.weighting.per_class = class_weights(c, data->class_counts);
  return c;
}

std::vector<std::string> no_effect_warnings(const HyperparameterValues& given, const TrainConfig& config,
                                            const DataFacts& data) {
  std::vector<std::string> warnings;
  for (const auto& spec : hyperparameter_specs()) {
    const auto it = given.find(spec.name);
    if (it == given.end() || spec.internal) continue;
    // A value equal to the default changes nothing, so it warns of nothing (a SageMaker
    // hyperparameters.json lists every hyperparameter, most at their defaults).
    const bool is_default =
        it->second == spec.default_value ||
        (!is_word(spec, it->second) && !is_word(spec, spec.default_value) && spec.kind != ValueKind::kChoice &&
         parse_value(spec, it->second) == parse_value(spec, spec.default_value));
    if (is_default || spec.applies.holds(config.resolved)) continue;
    warnings.push_back(
        fmt::format("--{} {} has no effect: it applies only with {}", spec.name, it->second, spec.applies.describe()));
  }
  const auto unbias = given.find("unbias_data");
  if (data.sparse && unbias != given.end() && parse_value(*find_hyperparameter("unbias_data"), unbias->second) == true)
    warnings.push_back("--unbias_data true has no effect on sparse data: sparse features are scaled, not centred");
  return warnings;
}

}  // namespace linlearn
