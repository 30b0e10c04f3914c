// Defaults that fit small data (mini_batch_size=auto): the bundled sets reach scikit-learn's
// accuracy (StandardScaler + LogisticRegression, LinearRegression; figures in data/README.md), the
// README's churn command ends without a warning, and a not_converged suggestion, once applied,
// clears the warning.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::slurp;

nlohmann::json train(const testing::TempDir& dir, const std::string& name, const std::string& args) {
  const auto r = run_linlearn("train --quiet --output-dir " + dir.path(name) + " " + args, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(slurp(dir.path(name + "/metrics.json")));
}

const nlohmann::json* diagnostic(const nlohmann::json& metrics, const std::string& code) {
  for (const auto& d : metrics["convergence"]["diagnostics"])
    if (d["code"] == code) return &d;
  return nullptr;
}

std::string multiclass(const std::string& set, int classes) {
  return "--predictor_type multiclass_classifier --num_classes " + std::to_string(classes) + " --train " +
         data_path(set + "/train.csv") + " --test " + data_path(set + "/test.csv");
}

TEST(SmallDataDefaults, IrisAndDigitsAreWithinAPointOfScikitLearn) {
  testing::TempDir dir;
  const auto iris = train(dir, "iris", multiclass("iris", 3));
  EXPECT_GE(iris["final_metrics"]["test:multiclass_accuracy"].get<double>(), 0.967 - 0.01);
  EXPECT_EQ(iris["hyperparameters"]["mini_batch_size"], 2);
  const auto digits = train(dir, "digits", multiclass("digits", 10));
  EXPECT_GE(digits["final_metrics"]["test:multiclass_accuracy"].get<double>(), 0.958 - 0.01);
  EXPECT_EQ(digits["hyperparameters"]["mini_batch_size"], 15);
}

TEST(SmallDataDefaults, DiabetesIsWithinTwoHundredthsOfLeastSquares) {
  testing::TempDir dir;
  const auto m = train(dir, "diabetes",
                       "--predictor_type regressor --train " + data_path("diabetes/train.csv") + " --test " +
                           data_path("diabetes/test.csv"));
  EXPECT_GE(m["final_metrics"]["test:r2"].get<double>(), 0.550 - 0.02);
}

TEST(SmallDataDefaults, TheReadmeChurnCommandWarnsNothing) {
  testing::TempDir dir;
  const auto r = run_linlearn("train --predictor_type binary_classifier --train " + data_path("churn/train.csv") +
                                  " --validation " + data_path("churn/validation.csv") + " --test " +
                                  data_path("churn/test.csv") + " --output-dir " + dir.path("churn"),
                              dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("[warning]"), std::string::npos) << r.err;
  const auto m = nlohmann::json::parse(slurp(dir.path("churn/metrics.json")));
  for (const auto& d : m["convergence"]["diagnostics"]) EXPECT_NE(d["severity"], "warning") << d.dump();
}

// Digits with SageMaker's 1000 records a batch: two updates an epoch never anneal, the training
// loss is still falling after 15 epochs. The suggestion names the batch size that fixes it.
TEST(SmallDataDefaults, TheNotConvergedSuggestionClearsTheWarningWhenApplied) {
  testing::TempDir dir;
  const auto before = train(dir, "before", multiclass("digits", 10) + " --mini_batch_size 1000");
  const nlohmann::json* warning = diagnostic(before, "not_converged");
  ASSERT_NE(warning, nullptr) << before["convergence"].dump();
  const std::string message = (*warning)["message"];
  const std::string suggestion = (*warning)["suggestion"];
  EXPECT_NE(message.find("train:objective_loss"), std::string::npos) << message;
  ASSERT_EQ(suggestion.rfind("set mini_batch_size 15", 0), 0U) << suggestion;
  const auto after = train(dir, "after", multiclass("digits", 10) + " --mini_batch_size 15");
  EXPECT_EQ(diagnostic(after, "not_converged"), nullptr) << after["convergence"].dump();
  EXPECT_NE(after["convergence"]["status"], "max_epochs");
}

}  // namespace
}  // namespace linlearn
