#pragma once
// MPI jobs of the real executable for the CLI tests: mpirun's command line, jobs run in the
// background (to signal their ranks), the processes of a job's ranks, and synthetic data.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_runner.h"

extern char** environ;

namespace linlearn::testing {

inline bool mpirun_available() {
  return std::system("command -v mpirun >/dev/null 2>&1") == 0;
}

// Why this build cannot run an MPI job here ("" when it can): tests of jobs skip with it.
inline std::string why_no_mpi_job() {
#ifndef LINLEARN_WITH_MPI
  return "built without MPI (LINLEARN_WITH_MPI is off)";
#else
  return mpirun_available() ? "" : "mpirun is not on PATH";
#endif
}

// `timeout` turns a hung job into a failure (exit 124) instead of a stuck test run. Each job keeps its
// Open MPI session files under its own scratch folder: jobs started at once (ctest -j) would
// otherwise race to create the same /tmp/ompi.* folder. Under the sanitizer build, Open MPI's own
// allocations outlive MPI_Finalize (in components it has unloaded, so no suppression can name them):
// leak checking is off for the ranks, address checking stays on. `tcp_only` keeps the ranks off
// shared memory, as ranks on separate hosts talk.
inline std::string mpirun_command(int ranks, const std::string& scratch, bool tcp_only = false) {
  return "env ASAN_OPTIONS=\"${ASAN_OPTIONS}:detect_leaks=0\" timeout 120 mpirun --allow-run-as-root --oversubscribe "
         "--mca orte_tmpdir_base " +
         scratch + (tcp_only ? " --mca btl tcp,self" : "") + " -np " + std::to_string(ranks) + " ";
}

inline CliResult run_mpi(int ranks, const std::string& args, const std::string& scratch, bool tcp_only = false) {
  return run_command(mpirun_command(ranks, scratch, tcp_only) + LINLEARN_EXE + " " + args, scratch);
}

// Sends `signal` to the one process `pid`; never to a group or to every process (kill's meaning of
// 0 and negative pids), whatever a failed lookup returned.
inline bool signal_process(pid_t pid, int signal) {
  return pid > 1 && kill(pid, signal) == 0;
}

// A shell command line running in the background, its output captured under `scratch` (as
// run_command does); ended with SIGTERM if still running when the object goes.
class BackgroundJob {
 public:
  BackgroundJob(const std::string& command_line, const std::string& scratch) : scratch_(scratch) {
    const std::string command =
        "exec " + command_line + " >" + scratch + "/stdout.txt 2>" + scratch + "/stderr.txt </dev/null";
    const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) pid_ = -1;
  }
  ~BackgroundJob() {
    if (pid_ <= 1) return;
    if (running()) signal_process(pid_, SIGTERM);
    wait();
  }
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  bool started() const { return pid_ > 0; }
  bool running() {
    if (pid_ <= 0 || ended_) return false;
    ended_ = waitpid(pid_, &status_, WNOHANG) == pid_;
    return !ended_;
  }
  // Waits for the end: the exit code (128 + N when signal N ended it) and the output.
  CliResult wait() {
    CliResult r;
    if (pid_ > 0 && !ended_) ended_ = waitpid(pid_, &status_, 0) == pid_;
    if (ended_) r.exit_code = WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
    pid_ = -1;
    r.out = slurp(scratch_ + "/stdout.txt");
    r.err = slurp(scratch_ + "/stderr.txt");
    return r;
  }

 private:
  std::string scratch_;
  pid_t pid_ = -1;
  bool ended_ = false;
  int status_ = 0;
};

// Waits (polling) until `path` exists; false when `job` ended first or after `limit`.
inline bool wait_for_file(const std::string& path, BackgroundJob& job, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!std::filesystem::exists(path)) {
    if (!job.running() || std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The processes whose command line holds `marker` and whose environment makes them rank `rank`
// of an Open MPI job (mpirun, its `timeout` and shells are not ranks: they have no such variable).
inline std::vector<pid_t> rank_processes(const std::string& marker, int rank) {
  const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = slurp(entry.path().string() + "/cmdline");
    std::string env = slurp(entry.path().string() + "/environ");
    for (auto* text : {&cmdline, &env})
      for (char& c : *text)
        if (c == '\0') c = '\n';
    if (cmdline.find(marker) == std::string::npos || cmdline.find("mpirun") != std::string::npos) continue;
    if (("\n" + env).find("\n" + wanted + "\n") != std::string::npos) out.push_back(std::stoi(name));
  }
  return out;
}

// CSV records over `features` features in [-1, 1] (3 decimals) whose label follows a fixed linear
// rule with 10% of the labels flipped; record i of the stream is the same in every file that
// holds it (a splitmix64 stream from `first`).
inline std::string dense_records(std::uint64_t first, std::size_t rows, int features) {
  const auto next = [](std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  std::string out;
  char number[16];
  std::vector<int> values(static_cast<std::size_t>(features));
  for (std::size_t r = 0; r < rows; ++r) {
    std::uint64_t state = (first + r) * 0x100000001B3ULL;
    long margin = 0;
    for (int j = 0; j < features; ++j) {
      values[static_cast<std::size_t>(j)] = static_cast<int>(next(state) % 2001) - 1000;
      margin += (j % 3 == 0 ? -1 : 1) * (j + 1) * values[static_cast<std::size_t>(j)];
    }
    const bool flip = next(state) % 10 == 0;
    out += (margin > 0) != flip ? '1' : '0';
    for (int v : values) {
      std::snprintf(number, sizeof number, ",%.3f", v / 1000.0);
      out += number;
    }
    out += '\n';
  }
  return out;
}

}  // namespace linlearn::testing
