#pragma once
// The `check` CI gate (SPEC section 1): requirements on a metrics.json and regressions against a
// baseline metrics.json. Pure functions over parsed JSON so they can be tested without the executable.
//
// Errors: a malformed expression or a key that is neither a metric name, a metric in "final_metrics"
// nor a dotted path is a UsageError (exit 2); a metric the file lacks fails its requirement. A metrics file that cannot
// be read, or is not a JSON object, is an InputError (exit 3): it is bad input data, like any other file a command
// reads. A failed requirement is not an error; the caller turns CheckResult into exit code 4.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <variant>
#include <vector>

namespace linlearn {

enum class CompareOp { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual, kNotEqual };

// One `--require 'KEY OP VALUE'`. A VALUE that parses fully as a number is a number; anything else
// is a string (optionally in single or double quotes) and allows only == and !=.
struct Requirement {
  std::string key;
  CompareOp op = CompareOp::kEqual;
  std::variant<double, std::string> expected;
};

// Whitespace around OP is optional: 'validation:rmse<0.5' works too.
Requirement parse_requirement(const std::string& expression);
std::string describe(const Requirement& requirement);

// One `--max-regression KEY=DELTA`: KEY may be worse than in the baseline by at most DELTA (>= 0).
struct RegressionLimit {
  std::string key;
  double max_delta = 0.0;
};
RegressionLimit parse_regression_limit(const std::string& expression);

// Whether smaller values of the metric are better: objective_loss, mse, rmse, absolute_loss, any name
// containing "loss" or "error", and durations (ending in "seconds"). Everything else is accuracy-like.
bool lower_is_better(const std::string& key);

// The value of KEY: final_metrics[KEY] when present, else the dotted path from the root
// ("convergence.status", "epochs.0.models.1.status"; numeric segments index arrays). A metric
// (CHANNEL:METRIC) that the file lacks, as after a failed run, has no value and says why in
// `missing`. `source` names the file in the UsageError thrown for a key that is neither.
struct CheckValue {
  const nlohmann::json* value = nullptr;
  std::string missing;
};
CheckValue find_check_value(const nlohmann::json& metrics, const std::string& key, const std::string& source);

struct CheckRow {
  std::string requirement;
  std::string actual;
  bool passed = false;
};

struct CheckResult {
  std::vector<CheckRow> rows;
  int passed() const;
  int failed() const;
  int exit_code() const;  // 0 when every row passed, 4 otherwise
};

// Appends one row per requirement. A missing value (a metric a failed run could not produce, or JSON
// null, e.g. a NaN metric) fails the row.
void check_requirements(const nlohmann::json& metrics, const std::string& source,
                        const std::vector<Requirement>& requirements, CheckResult& result);

// Appends one row per limit, comparing `metrics` with `baseline` in the metric's own direction; a
// metric missing from either fails the row.
void check_regressions(const nlohmann::json& metrics, const std::string& source, const nlohmann::json& baseline,
                       const std::string& baseline_source, const std::vector<RegressionLimit>& limits,
                       CheckResult& result);

// A fixed-width table "requirement | actual | result" and the line "check: N passed, M failed".
std::string format_check_table(const CheckResult& result);

// Reads and parses a metrics.json; InputError naming the file when unreadable or not a JSON object.
nlohmann::json read_metrics_file(const std::string& path);

}  // namespace linlearn
