// The `check` gate's library functions: expressions, key lookup, comparisons, baselines, files.
#include "linlearn/check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

const nlohmann::json kMetrics = nlohmann::json::parse(R"({
  "predictor_type": "binary_classifier",
  "data": {"train": {"records": 1000, "sparse": false}},
  "selected_model": {"index": 2, "epoch": 7, "threshold": 0.42},
  "final_metrics": {"validation:binary_classification_accuracy": 0.91, "validation:objective_loss": 0.25,
                    "test:roc_auc_score": null},
  "epochs": [{"epoch": 0, "models": [{"index": 0, "status": "training"}, {"index": 1, "status": "diverged"}]}],
  "convergence": {"status": "early_stopped", "diagnostics": []}
})");

CheckResult check(const std::string& expression) {
  CheckResult result;
  check_requirements(kMetrics, "metrics.json", {parse_requirement(expression)}, result);
  return result;
}

bool passes(const std::string& expression) {
  const CheckResult result = check(expression);
  EXPECT_EQ(result.rows.size(), 1U);
  return result.rows.at(0).passed;
}

TEST(CheckRequirementTest, EveryNumericOperator) {
  const std::string key = "validation:binary_classification_accuracy";
  EXPECT_TRUE(passes(key + " > 0.9"));
  EXPECT_FALSE(passes(key + " > 0.91"));
  EXPECT_TRUE(passes(key + " >= 0.91"));
  EXPECT_FALSE(passes(key + " >= 0.92"));
  EXPECT_TRUE(passes(key + " < 0.92"));
  EXPECT_FALSE(passes(key + " < 0.91"));
  EXPECT_TRUE(passes(key + " <= 0.91"));
  EXPECT_FALSE(passes(key + " <= 0.9"));
  EXPECT_TRUE(passes(key + " == 0.91"));
  EXPECT_FALSE(passes(key + " == 0.9"));
  EXPECT_TRUE(passes(key + " != 0.9"));
  EXPECT_FALSE(passes(key + " != 0.91"));
}

TEST(CheckRequirementTest, SpacesAroundTheOperatorAreOptional) {
  EXPECT_TRUE(passes("validation:objective_loss<0.3"));
  EXPECT_TRUE(passes("  validation:objective_loss   <=   0.25  "));
}

TEST(CheckRequirementTest, DottedPathsReachAnyValue) {
  EXPECT_TRUE(passes("convergence.status == early_stopped"));
  EXPECT_TRUE(passes("convergence.status != converged"));
  EXPECT_TRUE(passes("selected_model.epoch == 7"));
  EXPECT_TRUE(passes("selected_model.threshold < 0.5"));
  EXPECT_TRUE(passes("data.train.records >= 1000"));
  EXPECT_TRUE(passes("epochs.0.models.1.status == diverged"));
  EXPECT_TRUE(passes("final_metrics.validation:objective_loss == 0.25"));
}

TEST(CheckRequirementTest, QuotedStringsAndBooleans) {
  EXPECT_TRUE(passes("convergence.status == 'early_stopped'"));
  EXPECT_TRUE(passes("convergence.status == \"early_stopped\""));
  EXPECT_FALSE(passes("convergence.status == 'converged'"));
  EXPECT_TRUE(passes("data.train.sparse == false"));
  // A quoted number is a string, not a number.
  EXPECT_EQ(std::get<std::string>(parse_requirement("a == '7'").expected), "7");
}

TEST(CheckRequirementTest, NullValueFails) {
  const CheckResult result = check("test:roc_auc_score > 0.5");
  EXPECT_FALSE(result.rows.at(0).passed);
  EXPECT_EQ(result.rows.at(0).actual, "null");
}

TEST(CheckRequirementTest, MalformedExpressionsAreUsageErrors) {
  for (const std::string expression : {"validation:rmse", "a = 1", "a === 1", "a => 1", "a !< 1", "< 3", "a <",
                                       "a b < 3", "status < converged", "status >= 'x'"}) {
    EXPECT_THROW(parse_requirement(expression), UsageError) << expression;
  }
}

TEST(CheckRequirementTest, UnknownKeyIsAUsageErrorNamingIt) {
  try {
    check("validation:rmse < 1");
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'validation:rmse'"), std::string::npos) << message;
    EXPECT_NE(message.find("validation:objective_loss"), std::string::npos) << message;  // lists the known metrics
  }
  EXPECT_THROW(check("epochs.5.models == 1"), UsageError);
  EXPECT_THROW(check("convergence.status.x == 1"), UsageError);
}

// A diverged run writes no final metrics: what it could not produce fails the gate (exit 4).
const nlohmann::json kDiverged = nlohmann::json::parse(R"({
  "predictor_type": "binary_classifier",
  "data": {"train": {"records": 1000}, "validation": {"records": 200}},
  "final_metrics": {},
  "convergence": {"status": "diverged", "diagnostics": []}
})");

TEST(CheckRequirementTest, AMetricAFailedRunCouldNotProduceFails) {
  CheckResult result;
  check_requirements(kDiverged, "metrics.json",
                     {parse_requirement("validation:binary_classification_accuracy >= 0.5"),
                      parse_requirement("test:roc_auc_score > 0.5")},
                     result);
  ASSERT_EQ(result.rows.size(), 2U);
  EXPECT_FALSE(result.rows[0].passed);
  EXPECT_EQ(result.rows[0].actual, "not in metrics.json: the run failed (convergence.status diverged)");
  EXPECT_EQ(result.rows[1].actual, "not in metrics.json: the run had no test channel");
  EXPECT_EQ(result.exit_code(), kExitNotConverged);
  EXPECT_NE(format_check_table(result).find("FAIL"), std::string::npos);
  // A metric the predictor type never reports, or a misspelt one, is still a usage error.
  EXPECT_THROW(check_requirements(kDiverged, "metrics.json", {parse_requirement("validation:rmse < 1")}, result),
               UsageError);
  EXPECT_THROW(check_requirements(kDiverged, "metrics.json", {parse_requirement("validation:acuracy > 0")}, result),
               UsageError);
}

TEST(CheckRequirementTest, TypeMismatchesAreUsageErrors) {
  EXPECT_THROW(check("convergence.status > 3"), UsageError);
  EXPECT_THROW(check("selected_model.epoch == seven"), UsageError);
  EXPECT_THROW(check("selected_model == 1"), UsageError);
  EXPECT_THROW(check("convergence.diagnostics == 1"), UsageError);
}

nlohmann::json with_metric(const std::string& key, double value) {
  nlohmann::json metrics = kMetrics;
  metrics["final_metrics"][key] = value;
  return metrics;
}

bool within(const std::string& key, double baseline, double current, double delta) {
  CheckResult result;
  check_regressions(with_metric(key, current), "new.json", with_metric(key, baseline), "old.json",
                    {parse_regression_limit(key + "=" + std::to_string(delta))}, result);
  EXPECT_EQ(result.rows.size(), 1U);
  return result.rows.at(0).passed;
}

TEST(CheckRegressionTest, AccuracyMayNotDropByMoreThanDelta) {
  const std::string key = "validation:binary_classification_accuracy";
  EXPECT_TRUE(within(key, 0.90, 0.95, 0.01));   // improved
  EXPECT_TRUE(within(key, 0.90, 0.895, 0.01));  // slightly worse
  EXPECT_TRUE(within(key, 0.90, 0.89, 0.01));   // exactly at the limit
  EXPECT_FALSE(within(key, 0.90, 0.88, 0.01));
}

TEST(CheckRegressionTest, LossMayNotRiseByMoreThanDelta) {
  const std::string key = "validation:objective_loss";
  EXPECT_TRUE(within(key, 0.30, 0.20, 0.01));  // improved by a lot
  EXPECT_TRUE(within(key, 0.30, 0.305, 0.01));
  EXPECT_FALSE(within(key, 0.30, 0.32, 0.01));
  EXPECT_FALSE(within("validation:rmse", 1.0, 1.5, 0.1));
}

TEST(CheckRegressionTest, DirectionFollowsTheMetricName) {
  for (const char* key : {"validation:objective_loss", "test:mse", "train:rmse", "validation:absolute_loss",
                          "validation:quantile_loss", "timing.total_seconds", "my_error"}) {
    EXPECT_TRUE(lower_is_better(key)) << key;
  }
  for (const char* key : {"validation:binary_classification_accuracy", "test:roc_auc_score", "validation:r2",
                          "validation:dcg", "validation:macro_f_beta", "data.train.records"}) {
    EXPECT_FALSE(lower_is_better(key)) << key;
  }
}

TEST(CheckRegressionTest, MalformedLimitsAreUsageErrors) {
  for (const std::string expression :
       {"validation:rmse", "=0.1", "validation:rmse=-0.1", "validation:rmse=abc", "validation:rmse=inf"}) {
    EXPECT_THROW(parse_regression_limit(expression), UsageError) << expression;
  }
  const RegressionLimit limit = parse_regression_limit("validation:rmse = 0.05");
  EXPECT_EQ(limit.key, "validation:rmse");
  EXPECT_DOUBLE_EQ(limit.max_delta, 0.05);
}

TEST(CheckRegressionTest, KeyMissingFromTheBaselineIsAUsageError) {
  CheckResult result;
  EXPECT_THROW(check_regressions(with_metric("validation:rmse", 1.0), "new.json", kMetrics, "old.json",
                                 {parse_regression_limit("validation:rmse=0.1")}, result),
               UsageError);
}

TEST(CheckRegressionTest, ABaselineWithoutTheMetricFails) {
  CheckResult result;
  check_regressions(kMetrics, "new.json", kDiverged, "old.json",
                    {parse_regression_limit("validation:binary_classification_accuracy=0.01")}, result);
  ASSERT_EQ(result.rows.size(), 1U);
  EXPECT_FALSE(result.rows[0].passed);
  EXPECT_EQ(result.rows[0].actual,
            "baseline old.json: not in metrics.json: the run failed (convergence.status diverged)");
}

TEST(CheckTableTest, TableAndSummaryLine) {
  CheckResult result;
  check_requirements(
      kMetrics, "metrics.json",
      {parse_requirement("validation:objective_loss < 0.3"), parse_requirement("convergence.status == converged"),
       parse_requirement("selected_model.index>=2")},
      result);
  EXPECT_EQ(result.passed(), 2);
  EXPECT_EQ(result.failed(), 1);
  EXPECT_EQ(result.exit_code(), kExitNotConverged);
  const std::string table = format_check_table(result);
  EXPECT_NE(table.find("requirement"), std::string::npos);
  EXPECT_NE(table.find("| result"), std::string::npos);
  EXPECT_NE(table.find("validation:objective_loss < 0.3 "), std::string::npos);
  EXPECT_NE(table.find("| early_stopped"), std::string::npos);
  EXPECT_NE(table.find("| FAIL"), std::string::npos);
  EXPECT_NE(table.find("selected_model.index >= 2"), std::string::npos);
  EXPECT_TRUE(table.ends_with("check: 2 passed, 1 failed\n"));
  // Fixed width: every table line has the same length up to the result column.
  const std::size_t first_bar = table.find('|');
  for (std::size_t line = 0; line < table.size() && table.find('|', line) != std::string::npos;) {
    const std::size_t end = table.find('\n', line);
    const std::string text = table.substr(line, end - line);
    if (text.find('|') != std::string::npos) {
      EXPECT_EQ(text.find('|'), first_bar) << text;
    }
    line = end + 1;
  }
  CheckResult all_pass;
  all_pass.rows.push_back({"x", "1", true});
  EXPECT_EQ(all_pass.exit_code(), kExitOk);
}

class MetricsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("linlearn_check_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(MetricsFileTest, ReadsAnObject) {
  const nlohmann::json metrics = read_metrics_file(write("metrics.json", kMetrics.dump()));
  EXPECT_EQ(metrics, kMetrics);
}

TEST_F(MetricsFileTest, UnreadableFileIsAnInputError) {
  EXPECT_THROW(read_metrics_file((dir_ / "missing.json").string()), InputError);
  EXPECT_THROW(read_metrics_file(dir_.string()), InputError);
}

TEST_F(MetricsFileTest, InvalidJsonIsAnInputErrorWithThePlace) {
  const std::string path = write("bad.json", "{\n  \"a\": 1,\n  \"b\": ?\n}\n");
  try {
    read_metrics_file(path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":3:8: invalid JSON", 0), 0U) << e.what();
  }
  EXPECT_THROW(read_metrics_file(write("array.json", "[1, 2]")), InputError);
}

}  // namespace
}  // namespace linlearn
