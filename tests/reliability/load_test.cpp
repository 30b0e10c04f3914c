// Load (issue 7): a training set split into 10,000 small shards trains correctly through the CLI,
// and reading a directory of shards leaves no file handle open.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

constexpr int kShards = 10000;
constexpr int kRowsPerShard = 3;

// Writes DIR/shard-NNNNN.csv, kRowsPerShard separable rows each: label 1 when x0 > x1.
std::string write_shards(const testing::TempDir& dir) {
  const std::string shards = dir.path("shards");
  std::filesystem::create_directories(shards);
  for (int s = 0; s < kShards; ++s) {
    char name[32];
    std::snprintf(name, sizeof name, "/shard-%05d.csv", s);
    std::ofstream out(shards + name);
    for (int r = 0; r < kRowsPerShard; ++r) {
      const int a = (s * 7 + r * 13) % 19;
      const int b = (s * 11 + r * 5) % 17;
      out << (a > b ? 1 : 0) << ',' << a << ',' << b << '\n';
    }
  }
  return shards;
}

std::size_t open_file_descriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

TEST(Load, TenThousandShardsTrainThroughTheCli) {
  testing::TempDir dir;
  const std::string shards = write_shards(dir);
  const auto r = testing::run_linlearn("train --predictor_type binary_classifier --epochs 2 --quiet --train " + shards +
                                           " --output-dir " + dir.path("out"),
                                       dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = nlohmann::json::parse(testing::slurp(dir.path("out/metrics.json")));
  EXPECT_EQ(metrics["data"]["train"]["records"], kShards * kRowsPerShard);
  EXPECT_EQ(metrics["data"]["train"]["feature_dim"], 2);
  EXPECT_GE(metrics["final_metrics"]["train:binary_classification_accuracy"].get<double>(), 0.9);
}

TEST(Load, ReadingShardsLeaksNoFileHandles) {
  testing::TempDir dir;
  const std::string shards = write_shards(dir);
  ReadOptions opts;
  opts.threads = 2;
  const std::size_t before = open_file_descriptors();
  const Dataset data = read_channel({shards}, opts);
  EXPECT_EQ(open_file_descriptors(), before);
  EXPECT_EQ(data.rows(), static_cast<std::size_t>(kShards * kRowsPerShard));
  EXPECT_EQ(data.files.size(), static_cast<std::size_t>(kShards));

  // A broken last shard: every file opened before it must be closed on the way out too.
  dir.write("shards/shard-99999.csv", "1,2,x\n");
  EXPECT_THROW(read_channel({shards}, opts), InputError);
  EXPECT_EQ(open_file_descriptors(), before);
}

}  // namespace
}  // namespace linlearn
