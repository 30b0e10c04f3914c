// The `check` CI gate: parses requirement expressions, looks their keys up in a metrics.json and
// tabulates which hold. See include/linlearn/check.h for the rules.
#include "linlearn/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "linlearn/errors.h"
#include "linlearn/metrics.h"

namespace linlearn {
namespace {

constexpr const char* kOperatorChars = "<>=!";

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

[[noreturn]] void malformed(const std::string& expression, const std::string& why) {
  throw UsageError("--require '" + expression + "': " + why +
                   " (expected 'KEY OP VALUE' with OP one of < <= > >= == !=)");
}

// Parses the whole of `text` as a finite number.
bool parse_number(const std::string& text, double& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end && !std::isnan(value);
}

const char* operator_symbol(CompareOp op) {
  switch (op) {
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
    case CompareOp::kEqual:
      return "==";
    case CompareOp::kNotEqual:
      return "!=";
  }
  return "?";
}

bool compare_numbers(double actual, CompareOp op, double expected) {
  switch (op) {
    case CompareOp::kLess:
      return actual < expected;
    case CompareOp::kLessEqual:
      return actual <= expected;
    case CompareOp::kGreater:
      return actual > expected;
    case CompareOp::kGreaterEqual:
      return actual >= expected;
    case CompareOp::kEqual:
      return actual == expected;
    case CompareOp::kNotEqual:
      return actual != expected;
  }
  return false;
}

std::string format_number(double value) {
  return fmt::format("{:.10g}", value);
}

std::string format_value(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  if (value.is_number()) return format_number(value.get<double>());
  return value.dump();
}

// Objects and arrays have no single value to compare.
void require_scalar(const nlohmann::json& value, const std::string& key, const std::string& source) {
  if (value.is_object() || value.is_array()) {
    throw UsageError("check: '" + key + "' in " + source + " is " + (value.is_object() ? "an object" : "an array") +
                     ", not a single value; name one of its fields with a dotted path");
  }
}

const nlohmann::json* find_dotted_path(const nlohmann::json& root, const std::string& path) {
  const nlohmann::json* node = &root;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string segment = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (node->is_object()) {
      const auto it = node->find(segment);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      std::size_t index = 0;
      const auto [ptr, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (segment.empty() || ec != std::errc() || ptr != segment.data() + segment.size() || index >= node->size()) {
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      return nullptr;
    }
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

// "LINE:COLUMN" (both 1-based) of a 0-based byte offset, for JSON parse errors.
std::string place_of(const std::string& text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n');
  const std::size_t newline = offset == 0 ? std::string::npos : text.rfind('\n', offset - 1);
  const std::size_t column = newline == std::string::npos ? offset + 1 : offset - newline;
  return fmt::format("{}:{}", line, column);
}

}  // namespace

Requirement parse_requirement(const std::string& expression) {
  const std::size_t op_start = expression.find_first_of(kOperatorChars);
  if (op_start == std::string::npos) malformed(expression, "no comparison operator");
  std::size_t op_end = op_start + 1;
  if (op_end < expression.size() && expression[op_end] == '=') ++op_end;
  const std::string symbol = expression.substr(op_start, op_end - op_start);
  if (op_end < expression.size() && std::strchr(kOperatorChars, expression[op_end]) != nullptr) {
    malformed(expression, "unknown operator '" + symbol + expression[op_end] + "'");
  }

  Requirement requirement;
  if (symbol == "<")
    requirement.op = CompareOp::kLess;
  else if (symbol == "<=")
    requirement.op = CompareOp::kLessEqual;
  else if (symbol == ">")
    requirement.op = CompareOp::kGreater;
  else if (symbol == ">=")
    requirement.op = CompareOp::kGreaterEqual;
  else if (symbol == "==")
    requirement.op = CompareOp::kEqual;
  else if (symbol == "!=")
    requirement.op = CompareOp::kNotEqual;
  else
    malformed(expression, "unknown operator '" + symbol + "'");

  requirement.key = trim(expression.substr(0, op_start));
  if (requirement.key.empty()) malformed(expression, "no KEY before the operator");
  if (requirement.key.find_first_of(" \t") != std::string::npos) {
    malformed(expression, "KEY '" + requirement.key + "' contains spaces");
  }
  const std::string value = trim(expression.substr(op_end));
  if (value.empty()) malformed(expression, "no VALUE after the operator");

  const bool quoted =
      value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front();
  double number = 0.0;
  if (!quoted && parse_number(value, number)) {
    requirement.expected = number;
    return requirement;
  }
  if (requirement.op != CompareOp::kEqual && requirement.op != CompareOp::kNotEqual) {
    malformed(expression, "'" + value + "' is not a number, and strings compare only with == or !=");
  }
  requirement.expected = quoted ? value.substr(1, value.size() - 2) : value;
  return requirement;
}

std::string describe(const Requirement& requirement) {
  const std::string value = std::holds_alternative<double>(requirement.expected)
                                ? format_number(std::get<double>(requirement.expected))
                                : std::get<std::string>(requirement.expected);
  return requirement.key + " " + operator_symbol(requirement.op) + " " + value;
}

RegressionLimit parse_regression_limit(const std::string& expression) {
  const std::size_t equals = expression.rfind('=');
  const auto fail = [&](const std::string& why) -> RegressionLimit {
    throw UsageError("--max-regression '" + expression + "': " + why + " (expected KEY=DELTA with DELTA >= 0)");
  };
  if (equals == std::string::npos) return fail("no '='");
  RegressionLimit limit;
  limit.key = trim(expression.substr(0, equals));
  if (limit.key.empty()) return fail("no KEY");
  if (!parse_number(trim(expression.substr(equals + 1)), limit.max_delta) || limit.max_delta < 0.0 ||
      std::isinf(limit.max_delta)) {
    return fail("DELTA is not a finite number >= 0");
  }
  return limit;
}

bool lower_is_better(const std::string& key) {
  const std::size_t separator = key.find_last_of(":.");
  const std::string name = separator == std::string::npos ? key : key.substr(separator + 1);
  return name == "mse" || name == "rmse" || name.find("loss") != std::string::npos ||
         name.find("error") != std::string::npos || name.ends_with("seconds");
}

namespace {

// Why a metric is missing from a metrics.json: the run failed, or the job had no such channel.
std::string missing_metric_reason(const nlohmann::json& metrics, const std::string& key) {
  const std::string channel = key.substr(0, key.find(':'));
  const auto data = metrics.find("data");
  if (data != metrics.end() && data->is_object() && !data->contains(channel))
    return "not in metrics.json: the run had no " + channel + " channel";
  const nlohmann::json* status = find_dotted_path(metrics, "convergence.status");
  if (status != nullptr && status->is_string() && *status == "diverged")
    return "not in metrics.json: the run failed (convergence.status diverged)";
  return "not in metrics.json";
}

}  // namespace

CheckValue find_check_value(const nlohmann::json& metrics, const std::string& key, const std::string& source) {
  const auto final_metrics = metrics.find("final_metrics");
  if (final_metrics != metrics.end() && final_metrics->is_object()) {
    const auto it = final_metrics->find(key);
    if (it != final_metrics->end()) return {&*it, {}};
  }
  if (const nlohmann::json* found = find_dotted_path(metrics, key)) return {found, {}};
  const std::size_t colon = key.find(':');
  const auto type = metrics.find("predictor_type");
  const std::string predictor_type = type != metrics.end() && type->is_string() ? type->get<std::string>() : "";
  if (colon != std::string::npos && reports_metric(predictor_type, key.substr(colon + 1))) {
    const std::string channel = key.substr(0, colon);
    if (channel == "train" || channel == "validation" || channel == "test")
      return {nullptr, missing_metric_reason(metrics, key)};
  }
  std::string known;
  if (final_metrics != metrics.end() && final_metrics->is_object()) {
    for (const auto& [name, value] : final_metrics->items()) known += (known.empty() ? "" : ", ") + name;
  }
  throw UsageError("check: unknown key '" + key + "' in " + source + ": neither a metric in final_metrics (" +
                   (known.empty() ? "none" : known) + ") nor a dotted path such as convergence.status");
}

int CheckResult::passed() const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [](const CheckRow& r) { return r.passed; }));
}

int CheckResult::failed() const {
  return static_cast<int>(rows.size()) - passed();
}

int CheckResult::exit_code() const {
  return failed() == 0 ? kExitOk : kExitNotConverged;
}

void check_requirements(const nlohmann::json& metrics, const std::string& source,
                        const std::vector<Requirement>& requirements, CheckResult& result) {
  for (const Requirement& requirement : requirements) {
    const CheckValue found = find_check_value(metrics, requirement.key, source);
    if (found.value == nullptr) {
      result.rows.push_back({describe(requirement), found.missing, false});
      continue;
    }
    const nlohmann::json& actual = *found.value;
    require_scalar(actual, requirement.key, source);
    CheckRow row{describe(requirement), format_value(actual), false};
    if (actual.is_null()) {
      result.rows.push_back(row);
      continue;
    }
    if (std::holds_alternative<double>(requirement.expected)) {
      if (!actual.is_number()) {
        throw UsageError("check: '" + requirement.key + "' in " + source + " is " + actual.dump() +
                         ", not a number; compare it with == or != and a string");
      }
      row.passed = compare_numbers(actual.get<double>(), requirement.op, std::get<double>(requirement.expected));
    } else {
      if (actual.is_number()) {
        throw UsageError("check: '" + requirement.key + "' in " + source + " is the number " + row.actual +
                         "; compare it with a number");
      }
      const bool equal = row.actual == std::get<std::string>(requirement.expected);
      row.passed = requirement.op == CompareOp::kEqual ? equal : !equal;
    }
    result.rows.push_back(row);
  }
}

void check_regressions(const nlohmann::json& metrics, const std::string& source, const nlohmann::json& baseline,
                       const std::string& baseline_source, const std::vector<RegressionLimit>& limits,
                       CheckResult& result) {
  for (const RegressionLimit& limit : limits) {
    const CheckValue found_current = find_check_value(metrics, limit.key, source);
    const CheckValue found_previous = find_check_value(baseline, limit.key, baseline_source);
    const bool lower = lower_is_better(limit.key);
    CheckRow row;
    row.requirement =
        fmt::format("{} {} by <= {} vs baseline", limit.key, lower ? "rises" : "drops", format_number(limit.max_delta));
    if (found_current.value == nullptr || found_previous.value == nullptr) {
      row.actual = found_current.value == nullptr ? found_current.missing
                                                  : "baseline " + baseline_source + ": " + found_previous.missing;
      result.rows.push_back(row);
      continue;
    }
    const nlohmann::json& current = *found_current.value;
    const nlohmann::json& previous = *found_previous.value;
    for (const auto* value : {&current, &previous}) {
      if (!value->is_number() && !value->is_null()) {
        throw UsageError("check: --max-regression " + limit.key + ": " + value->dump() + " in " +
                         (value == &current ? source : baseline_source) + " is not a number");
      }
    }
    if (current.is_null() || previous.is_null()) {
      row.actual = format_value(current) + " (baseline " + format_value(previous) + ")";
      result.rows.push_back(row);
      continue;
    }
    const double now = current.get<double>();
    const double before = previous.get<double>();
    const double worse_by = lower ? now - before : before - now;
    // Rounding in the stored decimals must not turn an exact-limit change into a failure.
    const double slack = 1e-12 * std::max(1.0, std::abs(before));
    row.passed = worse_by <= limit.max_delta + slack;
    row.actual = fmt::format("{} (baseline {}, {:+.4g})", format_number(now), format_number(before), now - before);
    result.rows.push_back(row);
  }
}

std::string format_check_table(const CheckResult& result) {
  std::size_t requirement_width = std::string("requirement").size();
  std::size_t actual_width = std::string("actual").size();
  for (const CheckRow& row : result.rows) {
    requirement_width = std::max(requirement_width, row.requirement.size());
    actual_width = std::max(actual_width, row.actual.size());
  }
  std::string table =
      fmt::format("{:<{}} | {:<{}} | result\n", "requirement", requirement_width, "actual", actual_width);
  table += std::string(requirement_width + 1, '-') + "+" + std::string(actual_width + 2, '-') + "+-------\n";
  for (const CheckRow& row : result.rows) {
    table += fmt::format("{:<{}} | {:<{}} | {}\n", row.requirement, requirement_width, row.actual, actual_width,
                         row.passed ? "PASS" : "FAIL");
  }
  table += fmt::format("check: {} passed, {} failed\n", result.passed(), result.failed());
  return table;
}

nlohmann::json read_metrics_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw InputError(path + ": is a directory, expected a metrics.json");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  nlohmann::json metrics;
  try {
    metrics = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann's message starts with its own "[json.exception...] parse error at ...: "; keep the reason.
    const std::string what = e.what();
    const std::size_t reason = what.find(": ", what.find("parse error"));
    throw InputError(path + ":" + place_of(text, e.byte == 0 ? 0 : e.byte - 1) +
                     ": invalid JSON: " + (reason == std::string::npos ? what : what.substr(reason + 2)));
  }
  if (!metrics.is_object()) throw InputError(path + ": expected a JSON object (a metrics.json written by train)");
  return metrics;
}

}  // namespace linlearn
