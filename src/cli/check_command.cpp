// `linlearn check METRICS.json --require 'KEY OP VALUE' ... [--baseline OTHER.json --max-regression KEY=DELTA ...]`:
// a thin CLI11 wrapper over include/linlearn/check.h.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "linlearn/check.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

struct CheckOptions {
  std::string metrics_path;
  std::vector<std::string> requirements;
  std::string baseline_path;
  std::vector<std::string> regression_limits;
};

int run_check_command(const CheckOptions& options) {
  // Parse every expression before reading any file, so a typo is reported first.
  std::vector<Requirement> requirements;
  for (const std::string& expression : options.requirements) requirements.push_back(parse_requirement(expression));
  std::vector<RegressionLimit> limits;
  for (const std::string& expression : options.regression_limits) limits.push_back(parse_regression_limit(expression));
  if (requirements.empty() && limits.empty()) {
    throw UsageError(
        "check: nothing to check; give --require 'KEY OP VALUE' or --baseline with --max-regression KEY=DELTA");
  }
  if (!options.baseline_path.empty() && limits.empty()) {
    std::cerr << "warning: --baseline has no effect without --max-regression\n";
  }

  const nlohmann::json metrics = read_metrics_file(options.metrics_path);
  CheckResult result;
  check_requirements(metrics, options.metrics_path, requirements, result);
  if (!limits.empty()) {
    const nlohmann::json baseline = read_metrics_file(options.baseline_path);
    check_regressions(metrics, options.metrics_path, baseline, options.baseline_path, limits, result);
  }
  std::cout << format_check_table(result) << std::flush;
  return result.exit_code();
}

}  // namespace

CommandAction add_check_command(CLI::App& root) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = root.add_subcommand(
      "check", "CI gate: test requirements on a metrics.json; exit 0 when all pass, 4 when any fails");
  command->footer(
      "Example:\n  linlearn check out/churn/metrics.json --require 'validation:binary_classification_accuracy >= 0.85' "
      "--require 'convergence.status != diverged'\n\n" +
      exit_codes_help());
  command->add_option("metrics", options->metrics_path, "metrics.json written by train or evaluate")->required();
  // One expression per flag, so a positional after --require is not swallowed as another expression.
  command
      ->add_option("--require", options->requirements,
                   "'KEY OP VALUE', OP one of < <= > >= == !=; KEY a final_metrics name "
                   "(validation:rmse) or a dotted path (convergence.status); repeatable")
      ->allow_extra_args(false);
  CLI::Option* baseline = command->add_option("--baseline", options->baseline_path, "metrics.json to compare against");
  command
      ->add_option("--max-regression", options->regression_limits,
                   "KEY=DELTA: KEY may be worse than in --baseline by at most DELTA "
                   "(lower is better for losses, errors and seconds); repeatable")
      ->allow_extra_args(false)
      ->needs(baseline);
  return [options] { return run_check_command(*options); };
}

}  // namespace linlearn
