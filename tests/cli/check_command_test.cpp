// `linlearn check` as the command line sees it: option parsing, output and exit codes.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

class CheckCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("linlearn_check_command_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
    metrics_ = write("metrics.json", R"({"final_metrics": {"validation:objective_loss": 0.25},
                                         "convergence": {"status": "converged"}})");
    baseline_ = write("baseline.json", R"({"final_metrics": {"validation:objective_loss": 0.2}})");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << content;
    return path;
  }

  // Parses `args` after "linlearn check" and runs the action; stdout lands in output_.
  int run(std::vector<std::string> args) {
    CLI::App app;
    const CommandAction action = add_check_command(app);
    args.insert(args.begin(), "check");
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments reversed
    app.parse(args);
    ::testing::internal::CaptureStdout();
    int code = -1;
    try {
      code = action();
    } catch (...) {
      output_ = ::testing::internal::GetCapturedStdout();
      throw;
    }
    output_ = ::testing::internal::GetCapturedStdout();
    return code;
  }

  std::filesystem::path dir_;
  std::string metrics_;
  std::string baseline_;
  std::string output_;
};

TEST_F(CheckCommandTest, AllPassingExitsZero) {
  EXPECT_EQ(
      run({metrics_, "--require", "validation:objective_loss < 0.3", "--require", "convergence.status == converged"}),
      kExitOk);
  EXPECT_NE(output_.find("check: 2 passed, 0 failed"), std::string::npos) << output_;
}

TEST_F(CheckCommandTest, AFailureExitsFour) {
  EXPECT_EQ(run({metrics_, "--require", "validation:objective_loss < 0.2"}), kExitNotConverged);
  EXPECT_NE(output_.find("FAIL"), std::string::npos);
}

TEST_F(CheckCommandTest, PositionalAfterRequireIsTheMetricsFile) {
  EXPECT_EQ(run({"--require", "validation:objective_loss < 0.3", metrics_}), kExitOk);
}

TEST_F(CheckCommandTest, BaselineRegression) {
  EXPECT_EQ(run({metrics_, "--baseline", baseline_, "--max-regression", "validation:objective_loss=0.1"}), kExitOk);
  EXPECT_EQ(run({metrics_, "--baseline", baseline_, "--max-regression", "validation:objective_loss=0.01"}),
            kExitNotConverged);
}

TEST_F(CheckCommandTest, UsageErrors) {
  EXPECT_THROW(run({metrics_}), UsageError);
  EXPECT_THROW(run({metrics_, "--require", "validation:objective_loss <"}), UsageError);
  EXPECT_THROW(run({metrics_, "--require", "nope < 1"}), UsageError);
  EXPECT_THROW(run({metrics_, "--max-regression", "validation:objective_loss=0.1"}), CLI::ParseError);
}

TEST_F(CheckCommandTest, MissingFileIsAnInputError) {
  EXPECT_THROW(run({(dir_ / "absent.json").string(), "--require", "a < 1"}), InputError);
}

}  // namespace
}  // namespace linlearn
