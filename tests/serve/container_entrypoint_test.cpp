// The Dockerfile's image as SageMaker runs it: `docker run IMAGE train`, then `docker run IMAGE
// serve` on the model the training left. Docker does not run here: the test runs the image's
// ENTRYPOINT (read from the Dockerfile, with this build's binary for linlearn) with the same
// argument, against a temporary root that SAGEMAKER_BASE_DIR points to instead of /opt/ml.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "pipeline/sagemaker_root.h"
#include "serve/inference_test_data.h"
#include "serve/serve_process.h"

// Last: see serve/server.h.
#include <httplib.h>

namespace linlearn::testing {
namespace {

// The image's command for `docker run IMAGE ARGUMENT`: the ENTRYPOINT's words, then ARGUMENT.
std::string entrypoint_command(const std::string& argument) {
  std::ifstream dockerfile(std::string(LINLEARN_SOURCE_DIR) + "/Dockerfile");
  nlohmann::json words;
  for (std::string line; std::getline(dockerfile, line);)
    if (line.rfind("ENTRYPOINT ", 0) == 0) words = nlohmann::json::parse(line.substr(11));
  EXPECT_TRUE(words.is_array() && !words.empty()) << "no ENTRYPOINT [\"...\"] line in the Dockerfile";
  std::string command;
  for (const auto& word : words) {
    const std::string w = word.get<std::string>();
    // The image installs linlearn on the PATH; here it is this build's binary.
    command += (w == "linlearn" || w == "/usr/local/bin/linlearn" ? std::string(LINLEARN_EXE) : w) + " ";
  }
  return command + argument;
}

TEST(ContainerEntrypoint, TrainThenServeAsSageMakerRunsTheImage) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}, {"epochs", "2"}, {"num_models", "2"}});
  const std::string env = "env SAGEMAKER_BASE_DIR=" + root.path() + " ";
  const CliResult trained = run_command(env + entrypoint_command("train"), dir.path());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_NE(trained.out.find("#quality_metric: host=algo-1, epoch=1, validation "), std::string::npos) << trained.out;

  const std::string input = dir.write("input.csv", csv_body(read_feature_rows(data_path("churn/test.csv"), 50)));
  const CliResult predicted =
      run_linlearn("predict --accept application/json --model " + root.path("model") + " --input " + input, dir.path());
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  // The port is the one liberty taken: SageMaker's 8080 may be taken on a test machine.
  ServeProcess serve("--port 0", dir.path(), env + entrypoint_command("serve"));
  const int port = serve.port();
  ASSERT_GT(port, 0) << serve.log();
  EXPECT_NE(serve.log().find("container mode on http://0.0.0.0:"), std::string::npos) << serve.log();
  httplib::Client client("127.0.0.1", port);
  const auto ping = client.Get("/ping");
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->status, 200);
  const auto answer = client.Post("/invocations", slurp(input), "text/csv");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, predicted.out);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.exit_code(), 0) << serve.log();
}

}  // namespace
}  // namespace linlearn::testing
