// Training from data larger than --max-memory: the training channel is streamed through an on-disk
// cache, and the model matches the in-memory one in quality and is the same on every run.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/null_sink.h>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/out_of_core.h"
#include "linlearn/reader.h"
#include "linlearn/trainer.h"
#include "train/stop_after_epoch.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::slurp;

double test_accuracy(const std::string& out_dir) {
  return nlohmann::json::parse(slurp(out_dir + "/metrics.json"))["final_metrics"]["test:binary_classification_accuracy"]
      .get<double>();
}

// No validation channel: early stopping, selection and the final training metrics all read the cache.
std::string churn_args(const std::string& out_dir) {
  return "train --predictor_type binary_classifier --train " + data_path("churn/train.csv") + " --test " +
         data_path("churn/test.csv") + " --output-dir " + out_dir + " --epochs 6 --num_models 2 --threads 2";
}

TEST(OutOfCore, StreamedTrainingMatchesInMemoryAndIsDeterministic) {
  testing::TempDir dir;
  const auto in_memory = run_linlearn(churn_args(dir.path("memory")), dir.path());
  ASSERT_EQ(in_memory.exit_code, 0) << in_memory.err;
  EXPECT_NE(in_memory.err.find("in memory"), std::string::npos) << in_memory.err;

  // 64 KiB for 215 KB of CSV: streamed in blocks of 8 KiB through a 500-record shuffle buffer.
  const std::string streamed_args = " --max-memory 64K --shuffle-buffer 500 --cache-dir " + dir.path("cache");
  const auto first = run_linlearn(churn_args(dir.path("s1")) + streamed_args, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("streaming it through an on-disk cache"), std::string::npos) << first.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path("cache/train.cache")));
  const auto second = run_linlearn(churn_args(dir.path("s2")) + streamed_args, dir.path());
  ASSERT_EQ(second.exit_code, 0) << second.err;

  const std::string model = slurp(dir.path("s1/model.pb"));
  EXPECT_FALSE(model.empty());
  EXPECT_EQ(model, slurp(dir.path("s2/model.pb")));
  EXPECT_NEAR(test_accuracy(dir.path("s1")), test_accuracy(dir.path("memory")), 0.01);
  const auto metrics = nlohmann::json::parse(slurp(dir.path("s1/metrics.json")));
  EXPECT_EQ(metrics["data"]["train"]["records"], 4000);
  EXPECT_TRUE(metrics["final_metrics"].contains("train:objective_loss"));
}

TEST(OutOfCore, StreamedPassKeepsCountsSampleAndEveryRecord) {
  testing::TempDir dir;
  TrainConfig config = resolve_config({{"predictor_type", "binary_classifier"}, {"num_point_for_scaler", "300"}}, 5, 1, true);
  const std::vector<std::string> specs{data_path("churn/train.csv")};
  const StreamedTrain s = build_streamed_train(specs, ReadOptions{}, 8192, dir.path("c/train.cache"), config);
  const Dataset all = read_channel(specs, ReadOptions{});
  EXPECT_GT(s.cache->blocks(), 10U);
  EXPECT_EQ(s.cache->records(), all.rows());
  EXPECT_EQ(s.class_counts, count_classes(all.labels, config));
  EXPECT_EQ(s.scaler_sample.rows(), 300U);
  EXPECT_EQ(s.scaler_sample.feature_dim, all.feature_dim);
  EXPECT_EQ(s.files, specs);
  // The same pass gives the same sample and hash.
  const StreamedTrain again = build_streamed_train(specs, ReadOptions{}, 8192, dir.path("c2/train.cache"), config);
  EXPECT_EQ(again.scaler_sample.dense, s.scaler_sample.dense);
  EXPECT_EQ(again.content_hash, s.content_hash);
}


TEST(OutOfCore, StreamedResumeMidEpochAndAtEpochEndGivesTheSameModel) {
  testing::TempDir dir;
  TrainConfig c = resolve_config({{"predictor_type", "binary_classifier"}, {"mini_batch_size", "300"},
                                  {"epochs", "4"}, {"num_models", "2"}},
                                 3, 2, true);
  StreamedTrain s = build_streamed_train({data_path("churn/train.csv")}, ReadOptions{}, 16384, dir.path("train.cache"), c);
  s.shuffle_buffer = 700;
  resolve_data_dependent(c, s.cache->records(), s.cache->feature_dim(), s.cache->sparse());
  Channels channels;
  channels.streamed_train = &s;
  auto log = spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  ThreadPool pool(2);
  const LinearModel uninterrupted = train_models(c, channels, pool, log).model;

  TrainControl control;
  control.checkpoint_path = dir.path("checkpoint.pb");
  std::atomic<int> flag{15};  // raised before the run: stops after the first mini-batch
  control.stop_signal = &flag;
  EXPECT_THROW(train_models(c, channels, pool, log, control), Interrupted);
  flag.store(0);
  testing::StopAfterEpoch stop_after_one(flag, 1);
  control.observer = &stop_after_one;
  control.resume = true;
  EXPECT_THROW(train_models(c, channels, pool, log, control), Interrupted);
  flag.store(0);
  control.observer = nullptr;
  const LinearModel resumed = train_models(c, channels, pool, log, control).model;
  EXPECT_EQ(resumed.weights, uninterrupted.weights);
  EXPECT_EQ(resumed.bias, uninterrupted.bias);
  EXPECT_EQ(resumed.threshold, uninterrupted.threshold);
}

TEST(OutOfCore, MemorySizesAndInputEstimates) {
  EXPECT_EQ(parse_memory_size("1000"), 1000U);
  EXPECT_EQ(parse_memory_size("64K"), 64U << 10);
  EXPECT_EQ(parse_memory_size("64m"), 64U << 20);
  EXPECT_EQ(parse_memory_size("2G"), std::size_t{2} << 30);
  for (const char* bad : {"", "M", "12X", "1.5G", "-3", "0", "64MB"}) EXPECT_THROW(parse_memory_size(bad), UsageError) << bad;
  EXPECT_GT(default_max_memory(), 0U);
  testing::TempDir dir;
  const std::string plain = dir.write("a.csv", std::string(1000, 'x'));
  const std::string gzipped = dir.write("b.csv.gz", std::string(100, 'x'));
  EXPECT_EQ(estimated_input_bytes({plain, gzipped}), 1400U);
  EXPECT_EQ(estimated_input_bytes({"-"}), 0U);
}

}  // namespace
}  // namespace linlearn
