// The command line as shells and wrappers use it: repeated options, values out of range, outputs
// that cannot be written, unknown commands, thread counts.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/hyperparameters.h"
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
  // Without --quiet, which shows errors only.
  const std::string args = "train --predictor_type binary_classifier --train " + data_path("churn/train.csv") +
                           " --output-dir " + dir.path("many") + " --epochs 2 --threads 64";
  const auto r = run_linlearn(args, dir.path());
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

namespace linlearn {
namespace {

// A value the declaration refuses: of the wrong type, or just outside its range.
std::string bad_value(const HyperparameterSpec& spec) {
  switch (spec.kind) {
    case ValueKind::kChoice:
      return "no_such_value";
    case ValueKind::kBool:
      return "maybe";
    case ValueKind::kUnsigned:
      return "-1";
    case ValueKind::kInt:
      return spec.has_range && std::isfinite(spec.max) ? std::to_string(static_cast<long long>(spec.max) + 1) : "1.5";
    case ValueKind::kFloat:
      return spec.has_range && std::isfinite(spec.min) ? std::to_string(spec.min - 1) : "fast";
    case ValueKind::kText:
      break;  // any text is allowed
  }
  return "";
}

// Every bad value exits 2 before any data is read: the training channel is a FIFO that nobody
// writes, so a check that came after reading would hang (and time out).
TEST(OptionsCli, EveryBadHyperparameterIsRefusedBeforeAnyDataIsRead) {
  testing::TempDir dir;
  const std::string fifo = dir.path("never_written");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& spec : hyperparameter_specs()) {
    const std::string value = bad_value(spec);
    if (spec.kind == ValueKind::kText) continue;
    SCOPED_TRACE(spec.name + " " + value);
    const std::string type = spec.name == "predictor_type" ? "" : "--predictor_type binary_classifier ";
    const auto r =
        testing::run_command("timeout 20 " + std::string(LINLEARN_EXE) + " train " + type + "--train " + fifo +
                                 " --output-dir " + dir.path("out") + " --" + spec.name + " '" + value + "'",
                             dir.path());
    EXPECT_EQ(r.exit_code, kExitUsage) << r.err;
    EXPECT_NE(r.err.find("--" + spec.name), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace linlearn

namespace linlearn {
namespace {

// The hyperparameters.json SageMaker's Python SDK writes lists every hyperparameter, most at their
// defaults: none of them draws a "has no effect" warning.
TEST(OptionsCli, ASageMakerHyperparametersFileAtItsDefaultsWarnsOfNothing) {
  testing::TempDir dir;
  nlohmann::json hp = nlohmann::json::object();
  for (const auto& spec : hyperparameter_specs())
    if (spec.sagemaker && !spec.default_value.empty()) hp[spec.name] = spec.default_value;
  hp["predictor_type"] = "binary_classifier";
  hp["mini_batch_size"] = "1000";  // SageMaker's own default, written out
  hp["epochs"] = "15";
  const auto r = testing::run_linlearn("train --hyperparameters " + dir.write("hp.json", hp.dump()) + " --train " +
                                           testing::data_path("churn/train.csv") + " --epochs 2 --output-dir " +
                                           dir.path("out"),
                                       dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("has no effect"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace linlearn
