// `linlearn serve` as a child process: its start line, container mode, and SIGTERM / SIGINT while
// a request is in flight.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "serve/inference_test_data.h"
#include "serve/serve_process.h"

// Last: see serve/server.h.
#include "serve/slow_client.h"

namespace linlearn::testing {
namespace {

std::string train_binary(const TempDir& dir) {
  const std::string model = dir.path("model");
  const CliResult r =
      run_linlearn("train --predictor_type binary_classifier --epochs 2 --num_models 1 --quiet --train " +
                       data_path("churn/validation.csv") + " --output-dir " + model,
                   dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return model;
}

void expect_request_in_flight_is_answered(int signal_number) {
  TempDir dir;
  const std::string model = train_binary(dir);
  const std::string input = dir.write("input.csv", csv_body(read_feature_rows(data_path("churn/test.csv"), 200)));
  const CliResult predicted =
      run_linlearn("predict --accept application/json --model " + model + " --input " + input, dir.path());
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;

  ServeProcess serve("--port 0 --model " + model, dir.path());
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.log();
  const auto ping = httplib::Client("127.0.0.1", port).Get("/ping");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200);

  std::promise<void> half_sent;
  auto answer = std::async(std::launch::async,
                           [&] { return post_slowly(port, slurp(input), half_sent, std::chrono::milliseconds(300)); });
  half_sent.get_future().wait();
  serve.signal(signal_number);
  const auto response = answer.get();
  ASSERT_TRUE(response) << httplib::to_string(response.error()) << "\n" << serve.log();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, predicted.out);
  EXPECT_EQ(serve.exit_code(), 0) << serve.log();
  EXPECT_FALSE(httplib::Client("127.0.0.1", port).Get("/ping"));
}

TEST(ServeCli, SigtermAnswersTheRequestInFlightAndExitsZero) {
  expect_request_in_flight_is_answered(SIGTERM);
}

TEST(ServeCli, SigintDoesTheSame) {
  expect_request_in_flight_is_answered(SIGINT);
}

TEST(ServeCli, ContainerModeServesRootModelOnAllInterfaces) {
  TempDir dir;
  const std::string root = dir.path("ml");
  std::filesystem::create_directories(root);
  std::filesystem::copy(train_binary(dir), root + "/model");
  ServeProcess serve("--port 0 --sagemaker-root " + root, dir.path());
  ASSERT_GT(serve.port(), 0) << serve.log();
  EXPECT_NE(serve.log().find(root + "/model"), std::string::npos) << serve.log();
  EXPECT_NE(serve.log().find("container mode on http://0.0.0.0:"), std::string::npos) << serve.log();
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.exit_code(), 0) << serve.log();
}

TEST(ServeCli, MissingModelAndBadOptionsAreUsageErrors) {
  TempDir dir;
  if (!std::filesystem::exists("/opt/ml/model")) {
    const CliResult r = run_linlearn("serve --port 0", dir.path());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("no model"), std::string::npos) << r.err;
  }
  CliResult r = run_linlearn("serve --model m --sagemaker-root r", dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_linlearn("serve --model m --port 70000", dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_linlearn("serve --model " + dir.path("none") + " --port 0", dir.path());
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

}  // namespace
}  // namespace linlearn::testing
