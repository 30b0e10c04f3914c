// What `linlearn train` prints: the README's churn command in at most 25 lines (header, epoch table,
// diagnostics, summary), --quiet, --verbose, --log-format sagemaker, and the live progress line on a
// real pseudo-terminal, which no log line may share a row with.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::lines_of;
using testing::run_linlearn;

// The README's tour command.
std::string churn(const std::string& out_dir) {
  return "train --predictor_type binary_classifier --train " + data_path("churn/train.csv") + " --validation " +
         data_path("churn/validation.csv") + " --test " + data_path("churn/test.csv") + " --output-dir " + out_dir;
}

const std::regex kTableRow(R"( +\d+/15 +\d+\.\d{3} +[0-9.]+[kM]? +\d +\d\.\d+ +\d\.\d+ +\d/8)");

TEST(ConsoleCli, TheChurnCommandPrintsAHeaderAnEpochTableAndASummaryInAtMost25Lines) {
  testing::TempDir dir;
  const auto r = run_linlearn(churn(dir.path("out")), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  const std::vector<std::string> lines = lines_of(r.err);
  ASSERT_LE(lines.size(), 25U) << r.err;
  ASSERT_GE(lines.size(), 8U) << r.err;
  EXPECT_EQ(lines[0].rfind("data: train 4000 records x 12 features, dense, read in ", 0), 0U) << r.err;
  EXPECT_NE(lines[0].find("; validation 1000 records; test 1000 records"), std::string::npos) << r.err;
  EXPECT_EQ(lines[1].rfind("settings: binary_classifier, loss logistic, adam, learning_rate 0.02", 0), 0U) << r.err;
  EXPECT_EQ(lines[2], "stopping: up to 15 epochs, early on validation objective_loss (patience 3)");
  EXPECT_EQ(lines[3], "models: 8, halved after epochs 2, 4, 8, ...; selected by validation accuracy");
  EXPECT_EQ(lines[4], "  epoch  seconds  records/s  best  train loss  valid loss  training");
  std::size_t rows = 0;
  while (5 + rows < lines.size() && std::regex_match(lines[5 + rows], kTableRow)) ++rows;
  ASSERT_GE(rows, 1U) << r.err;
  EXPECT_EQ(lines[5].rfind("   1/15 ", 0), 0U) << "epochs count from 1:\n" << r.err;
  std::size_t summary = 5 + rows;
  while (summary < lines.size() && lines[summary].rfind("selected model ", 0) != 0) ++summary;
  ASSERT_LT(summary + 2, lines.size()) << r.err;
  // Between the table and the summary only diagnostics.
  for (std::size_t i = 5 + rows; i < summary; ++i)
    EXPECT_TRUE(lines[i].rfind("info: [", 0) == 0 || lines[i].rfind("warning: [", 0) == 0) << lines[i];
  EXPECT_EQ(lines[summary + 1].rfind("test: binary_classification_accuracy ", 0), 0U) << r.err;
  EXPECT_EQ(lines.back(), "artifacts in " + dir.path("out") + ": model.pb, model.json, metrics.json, report.html");
  EXPECT_EQ(r.err.find("#quality_metric"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hyperparameters: {"), std::string::npos) << "the full JSON is for --log-level debug";
}

TEST(ConsoleCli, QuietPrintsTheSummaryOnly) {
  testing::TempDir dir;
  const auto r = run_linlearn(churn(dir.path("out")) + " --epochs 3 --quiet", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.err);
  ASSERT_GE(lines.size(), 3U) << r.err;
  EXPECT_LE(lines.size(), 4U) << r.err;
  EXPECT_EQ(lines.front().rfind("selected model ", 0), 0U) << r.err;
  EXPECT_EQ(lines[1].rfind("test: ", 0), 0U) << r.err;
  EXPECT_EQ(lines.back().rfind("artifacts in ", 0), 0U) << r.err;
}

TEST(ConsoleCli, VerboseAddsPruningTheResolvedHyperparametersAndEveryFinalMetric) {
  testing::TempDir dir;
  const auto normal = run_linlearn(churn(dir.path("normal")) + " --epochs 4", dir.path());
  const auto verbose = run_linlearn(churn(dir.path("verbose")) + " --epochs 4 --verbose", dir.path());
  ASSERT_EQ(verbose.exit_code, 0) << verbose.err;
  for (const char* detail : {"after epoch 2: models ", "hyperparameters: {\"accuracy_top_k\":3,",
                             "validation:roc_auc_score = ", "training data: about "}) {
    EXPECT_NE(verbose.err.find(detail), std::string::npos) << detail << "\n" << verbose.err;
    EXPECT_EQ(normal.err.find(detail), std::string::npos) << detail << "\n" << normal.err;
  }
  const auto both = run_linlearn(churn(dir.path("both")) + " --quiet --verbose", dir.path());
  EXPECT_EQ(both.exit_code, kExitUsage) << both.err;
}

TEST(ConsoleCli, SageMakerLogFormatAddsQualityMetricLinesPerEpoch) {
  testing::TempDir dir;
  const auto r = run_linlearn(churn(dir.path("out")) + " --epochs 3 --log-format sagemaker", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::regex metric(
      R"(\[\d\d/\d\d/\d{4} \d\d:\d\d:\d\d INFO \d+\] #quality_metric: host=algo-1, epoch=(\d+), (train|validation) )"
      R"((binary_classification_cross_entropy_objective <loss>|binary_classification_accuracy <score>)=[0-9.e+-]+)");
  std::vector<int> epochs;
  for (const std::string& line : lines_of(r.err)) {
    std::smatch m;
    if (std::regex_match(line, m, metric)) epochs.push_back(std::stoi(m[1]));
  }
  EXPECT_EQ(epochs, (std::vector<int>{0, 0, 0, 1, 1, 1, 2, 2, 2})) << r.err;
  const auto bad = run_linlearn(churn(dir.path("bad")) + " --log-format json", dir.path());
  EXPECT_EQ(bad.exit_code, kExitUsage);
  EXPECT_NE(bad.err.find("--log-format: 'json' is not allowed; expected text or sagemaker"), std::string::npos)
      << bad.err;
}

}  // namespace
}  // namespace linlearn
