// `linlearn train --sagemaker-root ROOT`: a job run from SageMaker's layout alone, as the
// container contract has it (File and Pipe mode, the failure file, SageMaker's metric lines).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "pipeline/sagemaker_root.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::lines_of;
using testing::run_command;
using testing::run_linlearn;
using testing::SageMakerRoot;
using testing::slurp;
using testing::TempDir;

const nlohmann::json kTuningJob{{"predictor_type", "binary_classifier"},
                                {"epochs", "3"},
                                {"_tuning_objective_metric", "validation:binary_f_beta"},
                                {"_kvstore", "dist_sync"},
                                {"_num_gpus", "auto"},
                                {"_num_kv_servers", "auto"},
                                {"_log_level", "info"},
                                {"_enable_profiler", "false"},
                                {"force_dense", "true"}};

nlohmann::json metrics_of(const SageMakerRoot& root) {
  return nlohmann::json::parse(slurp(root.path("output/data/metrics.json")));
}

// The value of the first line of `text` that Linear Learner's metric definition `regex` matches.
double first_match(const std::string& text, const std::string& regex) {
  const std::regex definition(regex);
  for (const std::string& line : lines_of(text)) {
    std::smatch m;
    if (std::regex_search(line, m, definition)) return std::stod(m[1]);
  }
  ADD_FAILURE() << "no line matches " << regex << "\n" << text;
  return NAN;
}

TEST(SageMakerContainerCli, FileModeTrainsFromTheLayoutAlone) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn(kTuningJob);
  const auto r = run_linlearn("train --sagemaker-root " + root.path(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"model/model.pb", "model/model.json", "model/model_algo-1", "output/data/metrics.json",
                           "output/data/report.html", "checkpoints/checkpoint.pb"})
    EXPECT_TRUE(std::filesystem::exists(root.path(file))) << file;
  EXPECT_FALSE(std::filesystem::exists(root.path("output/failure")));
  EXPECT_FALSE(std::filesystem::exists(root.path("output/cache")));
  const nlohmann::json metrics = metrics_of(root);
  EXPECT_EQ(metrics["hyperparameters"]["num_models"], 1);  // a tuning job trains one model
  EXPECT_EQ(metrics["hyperparameters"]["binary_classifier_model_selection_criteria"], "f_beta");
  EXPECT_FALSE(metrics["hyperparameters"].contains("_kvstore"));
  EXPECT_EQ(metrics["data"]["train"]["files"].size(), 2U);
  EXPECT_EQ(metrics["data"]["validation"]["records"], 1000);
  EXPECT_NE(r.err.find("SageMaker's _kvstore=dist_sync: "), std::string::npos) << r.err;
  // Linear Learner's own metric definitions find the metrics on stdout.
  EXPECT_EQ(first_match(r.out, R"(#quality_metric: host=\S+, validation binary_f_\S+ <score>=(\S+))"),
            metrics["final_metrics"]["validation:binary_f_beta"].get<double>());
  first_match(r.out, R"(#quality_metric: host=\S+, epoch=\S+, train \S+_objective <loss>=(\S+))");
  first_match(r.out, R"(#quality_metric: host=\S+, epoch=\S+, validation \S+_objective <loss>=(\S+))");
  first_match(r.out, R"(#progress_metric: host=\S+, completed (\S+) %)");
  for (const std::string& line : lines_of(r.out)) EXPECT_EQ(line.front(), '#') << line;

  // SageMaker's model_algo-1 scores as linlearn's model.pb does.
  const std::string test = data_path("churn/test.csv");
  const auto ours = run_linlearn("predict --has-label --model " + root.path("model") + " --input " + test, dir.path());
  const auto theirs =
      run_linlearn("predict --has-label --model " + root.path("model/model_algo-1") + " --input " + test, dir.path());
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  EXPECT_EQ(theirs.out, ours.out);
}

TEST(SageMakerContainerCli, ABadShardFailsWithItsReasonInOutputFailure) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}});
  dir.write("ml/input/data/train/part-00002-of-00002.csv",
            "1,2,3,4,5,6,7,8,9,10,11,12,13\n0,1,2,x,4,5,6,7,8,9,10,11,12\n");
  const auto r = run_linlearn("train --sagemaker-root " + root.path(), dir.path());
  EXPECT_EQ(r.exit_code, kExitInput) << r.err;
  const std::string failure = slurp(root.path("output/failure"));
  const std::string place = root.path("input/data/train/part-00002-of-00002.csv") + ":2:";
  EXPECT_EQ(failure.rfind(place, 0), 0U) << failure;
  EXPECT_EQ(lines_of(failure).size(), 1U) << failure;
  EXPECT_NE(r.err.find(failure), std::string::npos) << r.err;  // the line main prints
  EXPECT_FALSE(std::filesystem::exists(root.path("model/model.pb")));
}

TEST(SageMakerContainerCli, LayoutErrorsAreReportedInOutputFailureToo) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}});
  root.hosts({"algo-1", "algo-2"});
  const auto r = run_linlearn("train --sagemaker-root " + root.path(), dir.path());
  EXPECT_EQ(r.exit_code, kExitUsage) << r.err;
  EXPECT_NE(slurp(root.path("output/failure")).find("2 hosts (algo-1, algo-2)"), std::string::npos)
      << slurp(root.path("output/failure"));
}

// SageMaker writes the first pass into train_0 and would open train_1 for a second: linlearn reads
// train_0 once and never opens train_1 (nobody writes it here, so opening it would hang).
TEST(SageMakerContainerCli, PipeModeReadsTheFirstFifoOnce) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}, {"epochs", "3"}});
  root.channel("train", "text/csv", "Pipe");
  std::filesystem::remove_all(root.path("input/data/train"));
  const std::string fifo = root.path("input/data/train_0");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(::mkfifo(root.path("input/data/train_1").c_str(), 0600), 0);
  const std::string writer = "timeout 60 sh -c 'cat " + data_path("churn/train.csv") + " > " + fifo + "' & ";
  const auto r =
      run_command(writer + "timeout 120 " + LINLEARN_EXE + " train --sagemaker-root " + root.path(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json metrics = metrics_of(root);
  EXPECT_EQ(metrics["data"]["train"]["records"], 4000);
  EXPECT_EQ(metrics["data"]["train"]["files"], nlohmann::json::array({fifo}));
  EXPECT_EQ(metrics["epochs"].size(), 3U);
  EXPECT_NE(r.err.find("Pipe mode: " + fifo + " read once"), std::string::npos) << r.err;
}

TEST(SageMakerContainerCli, ContainerModeIsTheLayoutsOrAUsageError) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}});
  auto r = run_linlearn("train --sagemaker-root " + root.path() + " --output-dir elsewhere", dir.path());
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_NE(r.err.find("--output-dir cannot be given in SageMaker's container mode"), std::string::npos) << r.err;
  // No --train and no job where the environment points: the old message, with the way out.
  r = run_command("SAGEMAKER_BASE_DIR=" + dir.path("nothing") + " " + LINLEARN_EXE +
                      " train --predictor_type "
                      "binary_classifier",
                  dir.path());
  EXPECT_EQ(r.exit_code, kExitUsage);
  EXPECT_NE(r.err.find("--train is required (or --sagemaker-root DIR"), std::string::npos) << r.err;
}

TEST(SageMakerContainerCli, SageMakersKeysAreHiddenFromHelpButNamedInItsFooter) {
  TempDir dir;
  const auto r = run_linlearn("train --help", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("--_kvstore"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("--force_dense"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("_tuning_objective_metric"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--sagemaker-root"), std::string::npos) << r.out;
  // Hidden, not gone: a wrapper may pass them on the command line.
  EXPECT_EQ(run_linlearn("train --_kvstore nowhere --train x --predictor_type binary_classifier", dir.path()).exit_code,
            kExitUsage);
}

}  // namespace
}  // namespace linlearn
