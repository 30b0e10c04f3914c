// `linlearn serve` as a child process: its start line, container mode, and SIGTERM / SIGINT while
// a request is in flight.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <thread>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "serve/inference_test_data.h"

// Last: see serve/server.h.
#include "serve/slow_client.h"

extern char** environ;

namespace linlearn::testing {
namespace {

// A `linlearn serve` child; its stderr goes to a file, read for the start line.
class ServeProcess {
 public:
  ServeProcess(const std::string& args, const std::string& scratch) : log_(scratch + "/serve.log") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string command = std::string(LINLEARN_EXE) + " serve " + args;
    const char* argv[] = {"/bin/sh", "-c", nullptr, nullptr};
    const std::string exec = "exec " + command;
    argv[2] = exec.c_str();
    spawned_ = posix_spawn(&pid_, "/bin/sh", &actions, nullptr, const_cast<char**>(argv), environ) == 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // The port of the start line "... on http://HOST:PORT ...", or 0 when the server exited first or
  // logged none within 20 s.
  int port() {
    for (int i = 0; spawned_ && i < 400; ++i) {
      const std::string text = log();
      const auto url = text.find(" on http://");
      const auto colon = url == std::string::npos ? url : text.find(':', url + 11);
      // The whole line, the words after the port included, has been written.
      if (colon != std::string::npos && text.find(" with ", colon) != std::string::npos)
        return std::atoi(text.c_str() + colon + 1);
      if (waitpid(pid_, &status_, WNOHANG) == pid_) {
        exited_ = true;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  // The exit code, waiting for it; -1 when killed by a signal.
  int exit_code() {
    if (!exited_) waitpid(pid_, &status_, 0);
    exited_ = true;
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }

  void signal(int number) const { kill(pid_, number); }
  std::string log() const { return slurp(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool spawned_ = false;
  bool exited_ = false;
  int status_ = 0;
};

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
