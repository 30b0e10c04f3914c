// The command line as shells and wrappers use it: repeated options, values out of range, outputs
// that cannot be written, unknown commands, thread counts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/thread_pool.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::slurp;

std::string churn(const std::string& out_dir) {
  return "train --predictor_type binary_classifier --train " + data_path("churn/train.csv") + " --output-dir " +
         out_dir + " --quiet ";
}

TEST(OptionsCli, ARepeatedOptionTakesItsLastValue) {
  testing::TempDir dir;
  const auto r = run_linlearn(churn(dir.path("out")) + "--epochs 1 --epochs 2 --seed 5 --seed 7", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = nlohmann::json::parse(slurp(dir.path("out/metrics.json")));
  EXPECT_EQ(metrics["hyperparameters"]["epochs"], 2);
  EXPECT_EQ(metrics["seed"], 7);
}

TEST(OptionsCli, SeedsOutsideUnsigned64BitsAreUsageErrors) {
  testing::TempDir dir;
  for (const char* seed : {"-1", "18446744073709551616", "1.5", "x"}) {
    SCOPED_TRACE(seed);
    const auto r = run_linlearn(churn(dir.path("out")) + "--seed " + seed, dir.path());
    EXPECT_EQ(r.exit_code, kExitUsage);
    EXPECT_NE(r.err.find("--seed: '" + std::string(seed) + "' is not allowed"), std::string::npos) << r.err;
  }
  const auto max = run_linlearn(churn(dir.path("out")) + "--epochs 1 --seed 18446744073709551615", dir.path());
  EXPECT_EQ(max.exit_code, 0) << max.err;
}

TEST(OptionsCli, BoundsThatHelpCallsExclusiveAreRefused) {
  testing::TempDir dir;
  for (const char* option : {"--quantile 1", "--quantile 0", "--beta_1 1", "--beta_2 1", "--momentum 1"}) {
    SCOPED_TRACE(option);
    const auto r = run_linlearn(churn(dir.path("out")) + option, dir.path());
    EXPECT_EQ(r.exit_code, kExitUsage) << r.err;
  }
}

TEST(OptionsCli, AnOutputDirectoryThatIsAFileIsAnOutputError) {
  testing::TempDir dir;
  const std::string file = dir.write("taken", "x");
  const auto r = run_linlearn(churn(file) + "--epochs 1", dir.path());
  EXPECT_EQ(r.exit_code, kExitOutput) << r.err;
  EXPECT_NE(r.err.find(file + ": cannot create output directory"), std::string::npos) << r.err;
}

TEST(OptionsCli, AnUnknownCommandListsTheCommands) {
  testing::TempDir dir;
  for (const char* args : {"trian", ""}) {
    SCOPED_TRACE(args);
    const auto r = run_linlearn(args, dir.path());
    EXPECT_EQ(r.exit_code, kExitUsage);
    EXPECT_NE(r.err.find("check, convert, convert-model, evaluate, inspect, predict, serve, train"), std::string::npos)
        << r.err;
  }
}

TEST(OptionsCli, MoreThreadsThanCpusRunOnTheCpusAndSayHowMany) {
  testing::TempDir dir;
  const auto r = run_linlearn(churn(dir.path("many")) + "--epochs 2 --threads 64", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto many = nlohmann::json::parse(slurp(dir.path("many/metrics.json")));
  EXPECT_EQ(many["threads"], usable_cpus());
  EXPECT_NE(r.err.find("--threads 64: this process may use"), std::string::npos) << r.err;
  const auto one = run_linlearn(churn(dir.path("one")) + "--epochs 2 --threads 1", dir.path());
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(slurp(dir.path("one/model.pb")), slurp(dir.path("many/model.pb")));
}

// A CI gate on a run whose every model diverged: the metric it could not produce fails (exit 4).
TEST(OptionsCli, CheckOfADivergedRunFailsTheRequirement) {
  testing::TempDir dir;
  const auto train = run_linlearn(churn(dir.path("out")) + "--validation " + data_path("churn/validation.csv") +
                                      " --optimizer sgd --learning_rate 100000 --num_models 2 --normalize_data false",
                                  dir.path());
  ASSERT_EQ(train.exit_code, kExitNotConverged) << train.err;
  const auto r = run_linlearn(
      "check " + dir.path("out/metrics.json") + " --require 'validation:binary_classification_accuracy >= 0.5'",
      dir.path());
  EXPECT_EQ(r.exit_code, kExitNotConverged) << r.err;
  EXPECT_NE(r.out.find("the run failed (convergence.status diverged) | FAIL"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace linlearn
