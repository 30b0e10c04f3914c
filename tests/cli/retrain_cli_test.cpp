// Scripted batch retrains: warm starts, restarts that repeat their command, no litter, and the
// README's nightly retrain recipe run as it is written.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/warm_start.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::slurp;

const std::string kExample = std::string(LINLEARN_DATA_DIR) + "/../examples/nightly_retrain.sh";

std::string churn(const testing::TempDir& dir, const std::string& out) {
  return "train --predictor_type binary_classifier --train " + data_path("churn/train.csv") + " --output-dir " +
         dir.path(out) + " --quiet ";
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(RetrainCli, TheReadmeShowsTheRecipeThatIsTested) {
  const std::string readme = slurp(std::string(LINLEARN_DATA_DIR) + "/../README.md");
  const std::string script = slurp(kExample);
  ASSERT_FALSE(script.empty());
  EXPECT_NE(readme.find(script), std::string::npos) << "README.md must hold examples/nightly_retrain.sh verbatim";
}

TEST(RetrainCli, TheRecipePromotesWarmModelsAndKeepsProductionWhenTheGateFails) {
  testing::TempDir dir;
  // Formatted, not chained with +: g++ 12 warns (-Wrestrict, a false positive) on those chains.
  const std::string run = fmt::format("LINLEARN={} RUN_ID=", LINLEARN_EXE);
  const std::string args = fmt::format(" {} {}", data_path("churn/validation.csv"), dir.path("models"));
  for (const char* night : {"night1", "night2"}) {
    const auto r =
        testing::run_command(run + night + " bash " + kExample + " " + data_path("churn/train.csv") + args, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(std::filesystem::read_symlink(dir.path("models/production")), "night2");
  const auto night2 = nlohmann::json::parse(slurp(dir.path("models/night2/metrics.json")));
  EXPECT_EQ(night2["initial_model"], model_content_hash(load_model(dir.path("models/night1"))));
  // Labels turned upside down: tonight's model is worse, the gate fails, production stays.
  std::istringstream lines(slurp(data_path("churn/train.csv")));
  std::string flipped;
  for (std::string line; std::getline(lines, line);)
    flipped += fmt::format("{}{}\n", line[0] == '0' ? '1' : '0', line.substr(1));
  const auto bad = testing::run_command(
      run + "night3 bash " + kExample + " " + dir.write("flipped.csv", flipped) + args, dir.path());
  EXPECT_EQ(bad.exit_code, kExitNotConverged) << bad.err;
  EXPECT_EQ(std::filesystem::read_symlink(dir.path("models/production")), "night2");
}

TEST(RetrainCli, AWarmStartIsTheSameForAnyThreadCountAndRecordsItsLineage) {
  testing::TempDir dir;
  ASSERT_EQ(run_linlearn(churn(dir, "yesterday") + "--epochs 3", dir.path()).exit_code, 0);
  for (const char* threads : {"1", "2"})
    ASSERT_EQ(run_linlearn(churn(dir, std::string("warm") + threads) + "--initial-model " + dir.path("yesterday") +
                               " --threads " + threads,
                           dir.path())
                  .exit_code,
              0);
  EXPECT_EQ(slurp(dir.path("warm1/model.pb")), slurp(dir.path("warm2/model.pb")));
  const LinearModel warm = load_model(dir.path("warm1"));
  EXPECT_EQ(warm.initial_model, model_content_hash(load_model(dir.path("yesterday"))));
  EXPECT_EQ(warm.hyperparameters["epochs"], 5);  // epochs=auto for a warm start
  EXPECT_EQ(warm.hyperparameters["num_models"], 1);
}

TEST(RetrainCli, AnInitialModelThatCannotStartTheRunIsRefusedBeforeTheDataIsRead) {
  testing::TempDir dir;
  ASSERT_EQ(run_linlearn("train --predictor_type regressor --train " + data_path("diabetes/train.csv") +
                             " --epochs 1 --quiet --output-dir " + dir.path("regressor"),
                         dir.path())
                .exit_code,
            0);
  ASSERT_EQ(run_linlearn(churn(dir, "churn12") + "--epochs 1", dir.path()).exit_code, 0);
  const std::string fifo = dir.path("never_written");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto regressor = testing::run_command(
      "timeout 20 " + std::string(LINLEARN_EXE) + " train --predictor_type binary_classifier --train " + fifo +
          " --output-dir " + dir.path("out") + " --initial-model " + dir.path("regressor"),
      dir.path());
  EXPECT_EQ(regressor.exit_code, kExitUsage);
  EXPECT_NE(regressor.err.find("a regressor cannot start a binary_classifier"), std::string::npos) << regressor.err;
  const auto narrow = run_linlearn("train --predictor_type multiclass_classifier --num_classes 10 --train " +
                                       data_path("digits/train.csv") + " --output-dir " + dir.path("out") +
                                       " --initial-model " + dir.path("churn12"),
                                   dir.path());
  EXPECT_EQ(narrow.exit_code, kExitUsage);
  const auto wide =
      run_linlearn("train --predictor_type binary_classifier --train " + dir.write("wide.csv", "1,2,3\n") +
                       " --output-dir " + dir.path("out") + " --initial-model " + dir.path("churn12"),
                   dir.path());
  EXPECT_EQ(wide.exit_code, kExitUsage);
  EXPECT_NE(wide.err.find("it has 12 features, the training data 2"), std::string::npos) << wide.err;
}

TEST(RetrainCli, ResumeWithNothingToResumeTrainsFromTheStartAndAFinishedRunLeavesNoCheckpoint) {
  testing::TempDir dir;
  ASSERT_EQ(run_linlearn(churn(dir, "plain") + "--epochs 4", dir.path()).exit_code, 0);
  ASSERT_EQ(run_linlearn(churn(dir, "resumed") + "--epochs 4 --resume", dir.path()).exit_code, 0);
  EXPECT_EQ(slurp(dir.path("plain/model.pb")), slurp(dir.path("resumed/model.pb")));
  EXPECT_EQ(files_in(dir.path("plain")),
            (std::vector<std::string>{"metrics.json", "model.json", "model.pb", "report.html"}));
  // A checkpoint directory the user gave is theirs: it stays, and resuming from a finished run's
  // checkpoint derives the same artifacts again.
  const std::string kept = " --checkpoint-dir " + dir.path("kept");
  ASSERT_EQ(run_linlearn(churn(dir, "owned") + "--epochs 4" + kept, dir.path()).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.path("kept/checkpoint.pb")));
  ASSERT_EQ(run_linlearn(churn(dir, "again") + "--epochs 4 --resume" + kept, dir.path()).exit_code, 0);
  EXPECT_EQ(slurp(dir.path("again/model.pb")), slurp(dir.path("owned/model.pb")));
}

}  // namespace
}  // namespace linlearn
