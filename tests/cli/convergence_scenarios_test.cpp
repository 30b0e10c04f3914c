// The motivating scenarios of convergence diagnostics, run from the command line: what a user sees
// in metrics.json and in the exit codes of `train --fail-on-nonconvergence` and `check`.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/random.h"

namespace linlearn {
namespace {

using testing::run_linlearn;
using testing::slurp;

struct Row {
  int label;
  std::vector<double> features;
};

// A seeded online-brokerage churn table: balance in dollars, trades a month, tenure in days, age,
// margin usage; churn follows a known logistic model.
std::vector<Row> churn_rows(std::size_t n, double positive_shift, std::uint64_t seed) {
  Rng rng(seed, RandomStream::kShuffle, 42);
  std::vector<Row> rows;
  for (std::size_t i = 0; i < n; ++i) {
    const double balance = std::exp(9 + 1.2 * rng.normal());
    const double trades = std::max(0.0, 8 + 5 * rng.normal());
    const double tenure = 30 + 3000 * rng.uniform();
    const double age = 20 + 50 * rng.uniform();
    const double margin = rng.uniform();
    const double z = positive_shift - 0.9 * (std::log(balance) - 9) - 0.15 * (trades - 8) - 0.0008 * (tenure - 1500) +
                     2.0 * (margin - 0.5) + 0.01 * (age - 45);
    const int label = rng.uniform() < 1 / (1 + std::exp(-z)) ? 1 : 0;
    rows.push_back({label, {balance, trades, tenure, age, margin}});
  }
  return rows;
}

std::string write_csv(const testing::TempDir& dir, const std::string& name, const std::vector<Row>& rows) {
  std::string text;
  for (const auto& r : rows) {
    text += std::to_string(r.label);
    for (double f : r.features) text.append(",").append(std::to_string(f));
    text += '\n';
  }
  return dir.write(name, text);
}

nlohmann::json metrics_of(const testing::TempDir& dir, const std::string& out) {
  return nlohmann::json::parse(slurp(dir.path(out + "/metrics.json")));
}

bool has_diagnostic(const nlohmann::json& m, const std::string& code, const std::string& severity) {
  for (const auto& d : m["convergence"]["diagnostics"])
    if (d["code"] == code && d["severity"] == severity) return true;
  return false;
}

TEST(ConvergenceScenarios, LabelSortedChurnIsFlaggedWithoutShufflingAndConvergesWithIt) {
  testing::TempDir dir;
  // The bundled churn table, sorted by label as an export by churn status would be.
  std::istringstream lines(slurp(testing::data_path("churn/train.csv")));
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  std::stable_sort(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) { return a[0] < b[0]; });
  std::string sorted;
  for (const auto& r : rows) sorted += r + "\n";
  // A gently decaying rate: strong annealing would let even the unshuffled run settle (on a worse model).
  const std::string common = "train --predictor_type binary_classifier --train " + dir.write("sorted.csv", sorted) +
                             " --validation " + testing::data_path("churn/validation.csv") +
                             " --optimizer sgd --mini_batch_size 100 --num_models 1 --epochs 10 "
                             "--lr_scheduler_factor 0.9 --quiet --output-dir ";
  ASSERT_EQ(run_linlearn(common + dir.path("unshuffled") + " --shuffle false", dir.path()).exit_code, 0);
  ASSERT_EQ(run_linlearn(common + dir.path("shuffled"), dir.path()).exit_code, 0);
  const auto unshuffled = metrics_of(dir, "unshuffled");
  const auto shuffled = metrics_of(dir, "shuffled");
  EXPECT_TRUE(has_diagnostic(unshuffled, "label_order_bias", "warning")) << unshuffled["convergence"].dump();
  EXPECT_TRUE(has_diagnostic(shuffled, "label_order_bias", "info")) << shuffled["convergence"].dump();
  // Without shuffling the first epoch ends on a run of churners and the model never settles.
  const auto first_epoch_loss = [](const nlohmann::json& m) {
    return m["epochs"][0]["models"][0]["validation:objective_loss"].get<double>();
  };
  EXPECT_GT(first_epoch_loss(unshuffled), 1.3 * first_epoch_loss(shuffled));
  EXPECT_EQ(unshuffled["convergence"]["status"], "max_epochs");
  const std::string status = shuffled["convergence"]["status"];
  EXPECT_TRUE(status == "early_stopped" || status == "converged") << status;
  EXPECT_GT(unshuffled["final_metrics"]["validation:objective_loss"].get<double>(),
            shuffled["final_metrics"]["validation:objective_loss"].get<double>());
  const auto gate = run_linlearn(
      "check " + dir.path("unshuffled/metrics.json") + " --require 'convergence.status != max_epochs'", dir.path());
  EXPECT_EQ(gate.exit_code, 4);
}

TEST(ConvergenceScenarios, FarTooHighLearningRateIsDivergenceAndFailsTheGate) {
  testing::TempDir dir;
  const std::string train = write_csv(dir, "train.csv", churn_rows(3000, 0.0, 3));
  const auto r = run_linlearn("train --predictor_type binary_classifier --train " + train +
                                  " --num_models 1 --optimizer sgd --learning_rate 1e6 --normalize_data false "
                                  "--epochs 5 --fail-on-nonconvergence --quiet --output-dir " +
                                  dir.path("out"),
                              dir.path());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto m = metrics_of(dir, "out");
  EXPECT_EQ(m["convergence"]["status"], "diverged");
  bool suggests_lower = false;
  for (const auto& d : m["convergence"]["diagnostics"])
    if (d["code"] == "divergence")
      suggests_lower =
          suggests_lower || d["suggestion"].get<std::string>().find("lower learning_rate") != std::string::npos;
  EXPECT_TRUE(suggests_lower) << m["convergence"].dump();
  const auto gate =
      run_linlearn("check " + dir.path("out/metrics.json") + " --require 'convergence.status != diverged'", dir.path());
  EXPECT_EQ(gate.exit_code, 4) << gate.out << gate.err;
}

TEST(ConvergenceScenarios, OnePercentPositivesAreFlaggedAndBalancedRaisesRecall) {
  testing::TempDir dir;
  const std::string train = write_csv(dir, "train.csv", churn_rows(20000, -5.2, 4));
  const std::string test = write_csv(dir, "test.csv", churn_rows(10000, -5.2, 5));
  const std::string common = "train --predictor_type binary_classifier --train " + train + " --test " + test +
                             " --epochs 5 --quiet --binary_classifier_model_selection_criteria loss_function "
                             "--output-dir ";
  ASSERT_EQ(run_linlearn(common + dir.path("plain"), dir.path()).exit_code, 0);
  ASSERT_EQ(
      run_linlearn(common + dir.path("balanced") + " --positive_example_weight_mult balanced", dir.path()).exit_code,
      0);
  const auto plain = metrics_of(dir, "plain");
  const auto balanced = metrics_of(dir, "balanced");
  EXPECT_TRUE(has_diagnostic(plain, "class_imbalance", "warning")) << plain["convergence"].dump();
  EXPECT_GT(balanced["final_metrics"]["test:recall"].get<double>(),
            plain["final_metrics"]["test:recall"].get<double>() + 0.2);
  const auto gate =
      run_linlearn("check " + dir.path("balanced/metrics.json") + " --require 'test:recall >= 0.5'", dir.path());
  EXPECT_EQ(gate.exit_code, 0) << gate.out << gate.err;
}

}  // namespace
}  // namespace linlearn
