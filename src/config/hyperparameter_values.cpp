// Reading and checking hyperparameter values against their declarations (hyperparameters.h).
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "linlearn/errors.h"
#include "linlearn/hyperparameters.h"

namespace linlearn {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : separator) + w;
  return out;
}

// The resolved value of `key` as the conditions compare it.
std::string condition_text(const nlohmann::json& resolved, const std::string& key) {
  const auto it = resolved.find(key);
  if (it == resolved.end()) return "";
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool valid_number(const HyperparameterSpec& spec, const std::string& value) {
  if (spec.kind == ValueKind::kUnsigned) {
    std::uint64_t parsed = 0;
    const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    return error == std::errc() && end == value.data() + value.size();
  }
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(value, &used);
  } catch (const std::exception&) {
    return false;
  }
  if (used != value.size() || !std::isfinite(number)) return false;
  if (spec.kind == ValueKind::kInt && number != std::floor(number)) return false;
  if (!spec.has_range) return true;
  return !(number > spec.max || number < spec.min || (spec.min_exclusive && number == spec.min) ||
           (spec.max_exclusive && number == spec.max));
}

}  // namespace

std::string help_group_title(HelpGroup group) {
  switch (group) {
    case HelpGroup::kModel:
      return "Model";
    case HelpGroup::kOptimizer:
      return "Optimizer";
    case HelpGroup::kRegularization:
      return "Regularization";
    case HelpGroup::kStoppingAndSelection:
      return "Early stopping and selection";
    case HelpGroup::kNormalization:
      return "Normalization";
    case HelpGroup::kRunControl:
      return "Run control";
  }
  return "";
}

bool EffectCondition::holds(const nlohmann::json& resolved) const {
  for (const auto& clause : clauses) {
    bool any = false;
    for (const auto& alternative : clause) {
      const std::string value = condition_text(resolved, alternative.key);
      for (const auto& allowed : alternative.values) any = any || value == allowed;
    }
    if (!any) return false;
  }
  return true;
}

std::string EffectCondition::describe() const {
  std::vector<std::string> parts;
  for (const auto& clause : clauses) {
    std::vector<std::string> alternatives;
    for (const auto& a : clause) alternatives.push_back(a.key + "=" + joined(a.values, "|"));
    parts.push_back(joined(alternatives, " or "));
  }
  return joined(parts, " and ");
}

std::string HyperparameterSpec::allowed() const {
  const std::string words = joined(choices, ", ");
  switch (kind) {
    case ValueKind::kChoice:
      return "one of " + words;
    case ValueKind::kBool:
      return words.empty() ? "true or false" : "true, false or " + words;
    case ValueKind::kUnsigned:
      return "an integer from 0 to 18446744073709551615";
    case ValueKind::kText:
      return "any text";
    default: {
      const std::string range = fmt::format("{} number in {}{}, {}{}", kind == ValueKind::kInt ? "an integer" : "a",
                                            min_exclusive ? "(" : "[", min, max, max_exclusive ? ")" : "]");
      return words.empty() ? range : range + " or " + words;
    }
  }
}

const HyperparameterSpec* find_hyperparameter(const std::string& name) {
  for (const auto& spec : hyperparameter_specs())
    if (spec.name == name) return &spec;
  return nullptr;
}

bool hyperparameter_applies(const std::string& name, const nlohmann::json& resolved) {
  const HyperparameterSpec* spec = find_hyperparameter(name);
  return spec == nullptr || !resolved.is_object() || spec->applies.holds(resolved);
}

void validate_hyperparameter(const HyperparameterSpec& spec, const std::string& value) {
  for (const auto& w : spec.choices)
    if (value == w) return;
  bool ok = false;
  switch (spec.kind) {
    case ValueKind::kChoice:
      break;
    case ValueKind::kBool:
      ok = lower(value) == "true" || lower(value) == "false";
      break;
    case ValueKind::kText:
      ok = true;
      break;
    default:
      ok = valid_number(spec, value);
  }
  if (!ok) throw UsageError(fmt::format("--{}: '{}' is not allowed; expected {}", spec.name, value, spec.allowed()));
}

HyperparameterValues read_hyperparameters_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("--hyperparameters: cannot read '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON (at byte {}): expected an object of strings", path, e.byte));
  }
  if (!doc.is_object()) throw UsageError(fmt::format("{}: expected a JSON object of strings", path));
  HyperparameterValues values;
  for (const auto& [key, value] : doc.items()) {
    if (value.is_string()) {
      values[key] = value.get<std::string>();
    } else if (value.is_boolean()) {
      values[key] = value.get<bool>() ? "true" : "false";
    } else if (value.is_number_integer()) {
      values[key] = std::to_string(value.get<long long>());
    } else if (value.is_number()) {
      values[key] = fmt::format("{}", value.get<double>());
    } else {
      throw UsageError(fmt::format("{}: \"{}\" must be a string, found {}", path, key, value.type_name()));
    }
    // Checked here, not only after merging with the command line, so the message names the file.
    const HyperparameterSpec* spec = find_hyperparameter(key);
    if (spec == nullptr) throw UsageError(fmt::format("{}: \"{}\" is not a hyperparameter", path, key));
    try {
      validate_hyperparameter(*spec, values[key]);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: {}", path, e.what()));
    }
  }
  return values;
}

}  // namespace linlearn
