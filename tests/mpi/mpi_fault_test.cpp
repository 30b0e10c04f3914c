// A 2-rank job over TCP whose ranks fail: SIGTERM to the ranks checkpoints and exits 143, SIGKILL of
// a rank ends the job at once, a rank that stops answering (a lost host) is named by the watchdog of
// its neighbour, and --resume after any of them gives the model bytes of an uninterrupted run.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "mpi/mpi_job.h"

namespace linlearn {
namespace {

using testing::BackgroundJob;
using testing::CliResult;
using testing::rank_processes;
using testing::signal_process;
using testing::slurp;
using testing::wait_for_file;
using namespace std::chrono_literals;

// Enough epochs of small steps that a job is still training well after its first checkpoint; no
// early stopping or halving, so every run takes all of them.
std::string job_args(const std::string& train, const std::string& out_dir, const std::string& extra = "") {
  return "train --predictor_type binary_classifier --train " + train + " --output-dir " + out_dir +
         " --epochs 40 --mini_batch_size 20 --num_models 2 --early_stopping_patience 1000 --prune-models false "
         "--threads 1 --quiet " +
         extra;
}

// The CSV records as LIBSVM with about a fifth of their features (each record its own), sparse
// enough to train on the sparse layout.
std::string sparse_records(const std::string& csv) {
  std::istringstream lines(csv);
  std::string line, out;
  for (int r = 0; std::getline(lines, line); ++r) {
    std::istringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');
    out += field;
    for (int j = 1; std::getline(fields, field, ','); ++j)
      if ((r * 7 + j * 13) % 10 < 2) out.append(" ").append(std::to_string(j)).append(":").append(field);
    out += '\n';
  }
  return out;
}

class MpiFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = testing::why_no_mpi_job(); !why.empty()) GTEST_SKIP() << why;
    train_ = dir_.write("train.csv", testing::dense_records(0, 4000, 8));
  }

  // The model of the same job run without interruption.
  std::string uninterrupted(const std::string& extra = "") {
    const CliResult r = testing::run_mpi(2, job_args(train_, dir_.path("whole"), extra), dir_.path(), true);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return slurp(dir_.path("whole/model.pb"));
  }

  // Starts the job in the background and waits for its first checkpoint.
  std::unique_ptr<BackgroundJob> start_and_checkpoint(const std::string& extra = "") {
    auto job = std::make_unique<BackgroundJob>(testing::mpirun_command(2, dir_.path(), true) + LINLEARN_EXE + " " +
                                                   job_args(train_, out(), checkpoints() + extra),
                                               dir_.path());
    EXPECT_TRUE(job->started());
    if (!wait_for_file(out() + "/checkpoint/checkpoint.pb", *job, 60s))
      ADD_FAILURE() << "no checkpoint: " << job->wait().err;
    return job;
  }

  // The process of rank `rank` of the running job; 0 (no process) when there is not exactly one.
  pid_t rank_pid(int rank) {
    const auto pids = rank_processes(out(), rank);
    EXPECT_EQ(pids.size(), 1U) << "processes of rank " << rank;
    return pids.size() == 1 ? pids.front() : 0;
  }

  // SIGTERM to both ranks, as Slurm or Kubernetes stop a job. Both are looked up first: one signal
  // already stops the job after the step the ranks agree on, so by the time a second lookup ran the
  // other rank might have exited.
  void terminate_ranks() {
    const pid_t first = rank_pid(0);
    const pid_t second = rank_pid(1);
    ASSERT_TRUE(signal_process(first, SIGTERM));
    ASSERT_GT(second, 1);
    signal_process(second, SIGTERM);  // fails only when the job has already stopped on the first
  }

  CliResult resume(const std::string& extra = "") {
    return testing::run_mpi(2, job_args(train_, out(), "--resume " + checkpoints() + extra), dir_.path(), true);
  }

  std::string out() const { return dir_.path("out"); }
  // Given, so that the first epoch writes one (the default folder waits for some training time).
  std::string checkpoints() const { return "--checkpoint-dir " + out() + "/checkpoint "; }

  testing::TempDir dir_;
  std::string train_;
};

TEST_F(MpiFaults, SigtermToTheRanksCheckpointsExits143AndResumesToTheSameBytes) {
  auto job = start_and_checkpoint();
  terminate_ranks();
  const CliResult stopped = job->wait();
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  EXPECT_NE(stopped.err.find("interrupted by signal 15"), std::string::npos) << stopped.err;
  ASSERT_FALSE(std::filesystem::exists(out() + "/model.pb")) << "the job finished before the signal";
  const CliResult resumed = resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(slurp(out() + "/model.pb"), uninterrupted());
}

// Ranks that stream their shares through their caches (each share is larger than --max-memory)
// checkpoint and resume the same way: the stream's position is in the checkpoint.
TEST_F(MpiFaults, StreamedRanksInterruptedBySigtermResumeToTheSameBytes) {
  const std::string streamed = "--max-memory 64K";
  auto job = start_and_checkpoint(streamed);
  terminate_ranks();
  const CliResult stopped = job->wait();
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  ASSERT_FALSE(std::filesystem::exists(out() + "/model.pb")) << "the job finished before the signal";
  const CliResult resumed = resume(streamed);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(slurp(out() + "/model.pb"), uninterrupted(streamed));
  const std::string metrics = slurp(out() + "/metrics.json");
  EXPECT_NE(metrics.find("evaluation_sample"), std::string::npos) << "the job did not stream";
}

// Ranks on sparse data step their own rows and hold those rows' optimizer state alone; the
// checkpoint gathers every rank's, so the resumed job steps every row from its true state.
TEST_F(MpiFaults, SparseRanksSteppingTheirOwnRowsResumeToTheSameBytes) {
  train_ = dir_.write("train.libsvm", sparse_records(testing::dense_records(0, 4000, 40)));
  auto job = start_and_checkpoint();
  terminate_ranks();
  const CliResult stopped = job->wait();
  EXPECT_EQ(stopped.exit_code, 143) << stopped.err;
  ASSERT_FALSE(std::filesystem::exists(out() + "/model.pb")) << "the job finished before the signal";
  const CliResult resumed = resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(slurp(out() + "/model.pb"), uninterrupted());
  EXPECT_NE(slurp(out() + "/metrics.json").find("\"sparse\": true"), std::string::npos) << "trained dense";
}

TEST_F(MpiFaults, SigkillOfARankEndsTheJobAndResumeDoesNotHang) {
  auto job = start_and_checkpoint();
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(signal_process(rank_pid(1), SIGKILL));
  const CliResult ended = job->wait();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_NE(ended.exit_code, 0);
  EXPECT_NE(ended.exit_code, 124) << "the job hung until `timeout` ended it";
  EXPECT_NE(ended.err.find("rank 1"), std::string::npos) << ended.err;
  EXPECT_LT(seconds, 30.0);
  ASSERT_FALSE(std::filesystem::exists(out() + "/model.pb")) << "the job finished before the kill";
  const CliResult resumed = resume();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(slurp(out() + "/model.pb"), uninterrupted());
}

// SIGSTOP freezes rank 1 with its connections open, as a host that drops off the network does: no
// process exits, so only the heartbeats tell the job that it lost the rank.
TEST_F(MpiFaults, ASilentRankIsNamedAndTheJobEndsAfterThePeerTimeout) {
  auto job = start_and_checkpoint("--peer-timeout 2");
  const auto stopped = std::chrono::steady_clock::now();
  ASSERT_TRUE(signal_process(rank_pid(1), SIGSTOP));
  const CliResult ended = job->wait();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped).count();
  EXPECT_NE(ended.exit_code, 0);
  EXPECT_NE(ended.exit_code, 124) << "the job hung until `timeout` ended it";
  EXPECT_NE(ended.err.find("lost rank 1 of 2"), std::string::npos) << ended.err;
  EXPECT_LT(seconds, 60.0);
}

}  // namespace
}  // namespace linlearn
