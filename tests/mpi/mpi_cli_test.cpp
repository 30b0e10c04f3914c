// `linlearn train` as a 2-rank MPI job on the bundled churn data: same quality as one process,
// deterministic model bytes, world_size in metrics.json, and a bad shard on one rank ending the job.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "io/temp_dir.h"
#include "mpi/mpi_job.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::run_mpi;
using testing::slurp;

std::string churn_args(const std::string& train, const std::string& out_dir) {
  return "train --predictor_type binary_classifier --train " + train + " --validation " +
         data_path("churn/validation.csv") + " --output-dir " + out_dir + " --epochs 6 --threads 1 --quiet";
}

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(slurp(path));
}

class MpiTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = testing::why_no_mpi_job(); !why.empty()) GTEST_SKIP() << why;
  }
};

TEST_F(MpiTrain, TwoRanksMatchOneProcessOnValidation) {
  testing::TempDir dir;
  const std::string train = data_path("churn/train.csv");
  const auto single = run_linlearn(churn_args(train, dir.path("one")), dir.path());
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const auto job = run_mpi(2, churn_args(train, dir.path("two")), dir.path());
  ASSERT_EQ(job.exit_code, 0) << job.err;

  const auto one = read_json(dir.path("one/metrics.json"));
  const auto two = read_json(dir.path("two/metrics.json"));
  EXPECT_EQ(one["world_size"], 1);
  EXPECT_EQ(two["world_size"], 2);
  EXPECT_FALSE(one["timing"].contains("exchange_seconds"));
  const double exchange = two["timing"]["exchange_seconds"].get<double>();
  EXPECT_GT(exchange, 0.0);
  EXPECT_LT(exchange, two["timing"]["train_seconds"].get<double>());
  EXPECT_EQ(two["data"]["train"]["records"], 4000);
  EXPECT_EQ(two["data"]["validation"]["records"], 1000);
  const char* key = "validation:binary_classification_accuracy";
  // Two ranks shuffle their halves apart from one process, so the models differ by noise: 5 records in 1000.
  EXPECT_NEAR(two["final_metrics"][key].get<double>(), one["final_metrics"][key].get<double>(), 0.005);
}

TEST_F(MpiTrain, RepeatedJobsWriteTheSameModelBytes) {
  testing::TempDir dir;
  const std::string train = data_path("churn/train.csv");
  const auto first = run_mpi(2, churn_args(train, dir.path("a")), dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto second = run_mpi(2, churn_args(train, dir.path("b")), dir.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const std::string model = slurp(dir.path("a/model.pb"));
  EXPECT_FALSE(model.empty());
  EXPECT_EQ(model, slurp(dir.path("b/model.pb")));
}

TEST_F(MpiTrain, OnlyRankZeroLogsEvenWithVerbose) {
  testing::TempDir dir;
  const std::string train = data_path("churn/train.csv");
  std::string args = churn_args(train, dir.path("v"));
  args.replace(args.find("--quiet"), 7, "--verbose");
  const auto job = run_mpi(2, args, dir.path());
  ASSERT_EQ(job.exit_code, 0) << job.err;
  const std::string line = "data: train 4000 records";
  const auto first = job.err.find(line);
  ASSERT_NE(first, std::string::npos) << job.err;
  EXPECT_EQ(job.err.find(line, first + 1), std::string::npos) << "a rank other than 0 logged:\n" << job.err;
}

TEST_F(MpiTrain, BadShardOnOneRankEndsTheJobWithExit3) {
  testing::TempDir dir;
  // Two shards, round-robin: rank 0 reads the good one, rank 1 the one with a word in a number column.
  std::ifstream churn(data_path("churn/train.csv"));
  std::string good, line;
  for (int i = 0; i < 200 && std::getline(churn, line); ++i) good += line + "\n";
  dir.write("shards/part-1.csv", good);
  const std::string bad_shard =
      dir.write("shards/part-2.csv", "1,2,3,4,5,6,7,8,9,10,11,12,13\n0,1,2,oops,4,5,6,7,8,9,10,11,12\n");
  const auto job = run_mpi(2, churn_args(dir.path("shards"), dir.path("out")), dir.path());
  EXPECT_EQ(job.exit_code, 3) << job.err;
  EXPECT_NE(job.err.find(bad_shard), std::string::npos) << job.err;
  EXPECT_NE(job.err.find("oops"), std::string::npos) << job.err;
}

// Records over 30 features in LIBSVM, `tenths` of them present (2: about 6 per record, so that
// mini-batches of 4 records per rank touch different features on each rank).
std::string write_sparse_records(testing::TempDir& dir, const std::string& name, int first, int last, int tenths = 2) {
  std::string out;
  for (int r = first; r < last; ++r) {
    std::string features;
    double score = 0.5 * std::sin(r);
    for (int j = 0; j < 30; ++j) {
      if ((r * 7 + j * 13) % 10 >= tenths) continue;
      const double value = 0.5 + ((r * j) % 7) / 4.0;
      score += (j % 2 == 1 ? 1 : -1) * (1 + j % 3) * value;
      features.append(" ").append(std::to_string(j + 1)).append(":").append(std::to_string(value));
    }
    out.append(score > 0 ? "1" : "0").append(features).append("\n");
  }
  return dir.write(name, out);
}

// A LIBSVM training job's arguments but its output directory, on records written into `dir` with
// `tenths` of their features present.
std::string sparse_job_args(testing::TempDir& dir, int tenths = 2,
                            const std::string& options = "--feature_dim 30 --quiet") {
  std::ostringstream command;
  command << "train --predictor_type binary_classifier --content-type text/libsvm " << options << " --train "
          << write_sparse_records(dir, "train.libsvm", 0, 3000, tenths) << " --validation "
          << write_sparse_records(dir, "validation.libsvm", 3000, 4000, tenths)
          << " --num_models 1 --mini_batch_size 8 --epochs 3 --threads 1 ";
  return command.str();
}

// The metrics of one process and of a two-rank job on the same LIBSVM records (`tenths` of their
// features present), whose validation accuracies must agree; and the job's log.
struct OneAndTwoRanks {
  nlohmann::json one, two;
  std::string job_log;
};

OneAndTwoRanks train_libsvm_on_one_and_two_ranks(int tenths, const std::string& options) {
  testing::TempDir dir;
  const std::string args = sparse_job_args(dir, tenths, options) + "--output-dir ";
  const auto single = run_linlearn(args + dir.path("one"), dir.path());
  EXPECT_EQ(single.exit_code, 0) << single.err;
  const auto job = run_mpi(2, args + dir.path("two"), dir.path());
  EXPECT_EQ(job.exit_code, 0) << job.err;
  OneAndTwoRanks out{read_json(dir.path("one/metrics.json")), read_json(dir.path("two/metrics.json")), job.err};
  const char* key = "validation:binary_classification_accuracy";
  EXPECT_GT(out.one["final_metrics"][key].get<double>(), 0.8);
  EXPECT_NEAR(out.two["final_metrics"][key].get<double>(), out.one["final_metrics"][key].get<double>(), 0.03);
  return out;
}

// Sparse batches carry each rank's touched rows only; the ranks' sum must put them back in place.
TEST_F(MpiTrain, TwoRanksMatchOneProcessOnSparseData) {
  const OneAndTwoRanks runs = train_libsvm_on_one_and_two_ranks(2, "--feature_dim 30 --quiet");
  EXPECT_EQ(runs.two["data"]["train"]["sparse"], true);
}

// LIBSVM records dense enough over every rank go dense on every rank together.
TEST_F(MpiTrain, TwoRanksDensifyLikeOneProcess) {
  const OneAndTwoRanks runs = train_libsvm_on_one_and_two_ranks(6, "");
  EXPECT_NE(runs.job_log.find("training data densified"), std::string::npos) << runs.job_log;
  EXPECT_EQ(runs.one["data"]["train"]["sparse"], false);
  EXPECT_EQ(runs.two["data"]["train"]["sparse"], false);
  EXPECT_EQ(runs.two["data"]["validation"]["sparse"], false);
}

// Two models step each rank's own rows; once halving leaves one, every rank steps every row again
// from the optimizer state the ranks shared. The ranks check that they end with the same models
// (exit 1 otherwise), and two runs give the same bytes.
TEST_F(MpiTrain, RanksSteppingTheirOwnRowsUntilHalvingLeavesOneModelAgree) {
  testing::TempDir dir;
  const std::string args = "train --predictor_type binary_classifier --feature_dim 30 --quiet --train " +
                           write_sparse_records(dir, "train.libsvm", 0, 3000) + " --validation " +
                           write_sparse_records(dir, "validation.libsvm", 3000, 4000) +
                           " --num_models 2 --mini_batch_size 8 --epochs 4 --threads 1 --output-dir ";
  for (const std::string out : {"a", "b"}) {
    const auto job = run_mpi(2, args + dir.path(out), dir.path());
    ASSERT_EQ(job.exit_code, 0) << job.err;
  }
  EXPECT_EQ(slurp(dir.path("a/model.pb")), slurp(dir.path("b/model.pb")));
  const auto metrics = read_json(dir.path("a/metrics.json"));
  EXPECT_EQ(metrics["epochs"][3]["models"][1]["status"], "pruned") << "halving did not leave one model";
  EXPECT_EQ(metrics["data"]["train"]["sparse"], true);
}

// One rank's shard holds index 0, the other's does not: the channel is 0-based on every rank, as
// for one process reading both (index 2 of the second shard is the third feature, not the second),
// in memory and streamed.
TEST_F(MpiTrain, RanksReadShardsOfOneLibsvmChannelWithOneIndexBase) {
  testing::TempDir dir;
  std::string zero_based, one_based;
  for (int r = 0; r < 40; ++r) {
    const std::string label = r % 2 == 0 ? "1" : "0";
    zero_based += label + " 0:" + std::to_string(r % 5) + " 1:1\n";
    one_based += label + " 1:1 2:" + std::to_string(r % 3) + "\n";
  }
  const std::string shards = dir.path("shards");
  dir.write("shards/a.libsvm", zero_based);
  dir.write("shards/b.libsvm", one_based);
  for (const std::string memory : {"", " --max-memory 200"}) {
    const std::string args = "train --predictor_type binary_classifier --train " + shards +
                             " --epochs 1 --threads 1 --quiet" + memory + " --output-dir ";
    const auto single = run_linlearn(args + dir.path("one"), dir.path());
    ASSERT_EQ(single.exit_code, 0) << single.err;
    const auto job = run_mpi(2, args + dir.path("two"), dir.path());
    ASSERT_EQ(job.exit_code, 0) << job.err;
    EXPECT_EQ(read_json(dir.path("one/metrics.json"))["data"]["train"]["feature_dim"], 3) << memory;
    const auto two = read_json(dir.path("two/metrics.json"))["data"]["train"];
    EXPECT_EQ(two["feature_dim"], 3) << memory;
    EXPECT_EQ(two.contains("evaluation_sample"), !memory.empty()) << "streamed or not";
  }
}

// Sparse shares streamed through each rank's cache, and an optimizer that steps per record (ftrl,
// which under several ranks steps each touched row's summed gradient once): the same bytes on a
// second run, and the accuracy of one process.
TEST_F(MpiTrain, TwoRanksStreamSparseSharesAndStepFtrlRepeatably) {
  testing::TempDir dir;
  const std::string args = sparse_job_args(dir);
  const auto single = run_linlearn(args + "--output-dir " + dir.path("one"), dir.path());
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const char* key = "validation:binary_classification_accuracy";
  const double accuracy = read_json(dir.path("one/metrics.json"))["final_metrics"][key].get<double>();
  for (const std::string variant : {"--max-memory 32K", "--optimizer ftrl"}) {
    const std::string a = dir.path(variant.substr(2, 3) + "-a");
    const std::string b = dir.path(variant.substr(2, 3) + "-b");
    for (const std::string& out : {a, b}) {
      const auto job = run_mpi(2, args + variant + " --output-dir " + out, dir.path());
      ASSERT_EQ(job.exit_code, 0) << variant << ": " << job.err;
    }
    EXPECT_EQ(slurp(a + "/model.pb"), slurp(b + "/model.pb")) << variant;
    const auto two = read_json(a + "/metrics.json");
    EXPECT_NEAR(two["final_metrics"][key].get<double>(), accuracy, 0.03) << variant;
    EXPECT_EQ(two["data"]["train"].contains("evaluation_sample"), variant.starts_with("--max-memory"))
        << variant << ": streamed or not";
  }
}

}  // namespace
}  // namespace linlearn
