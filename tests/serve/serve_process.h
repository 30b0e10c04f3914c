#pragma once
// A `linlearn serve` child process for the CLI tests: its port read off the start line, its
// signals and exit code.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "cli/cli_runner.h"

extern char** environ;

namespace linlearn::testing {

// A `linlearn serve` child; its stderr goes to a file, read for the start line.
class ServeProcess {
 public:
  // `launcher`: the command that starts the server ("" for linlearn serve), `args` appended to it.
  ServeProcess(const std::string& args, const std::string& scratch, const std::string& launcher = "")
      : log_(scratch + "/serve.log") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string command = (launcher.empty() ? std::string(LINLEARN_EXE) + " serve" : launcher) + " " + args;
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

}  // namespace linlearn::testing
