// Training from data larger than --max-memory: the training channel is streamed through an on-disk
// cache, and the model matches the in-memory one in quality and is the same on every run.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include <spdlog/sinks/null_sink.h>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "linlearn/out_of_core.h"
#include "linlearn/random.h"
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
         data_path("churn/test.csv") + " --output-dir " + out_dir + " --epochs 6 --num_models 2 --threads 2 --verbose";
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
  TrainConfig config =
      resolve_config({{"predictor_type", "binary_classifier"}, {"num_point_for_scaler", "300"}, {"seed", "5"}});
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
  const HyperparameterValues c_values{{"predictor_type", "binary_classifier"},
                                      {"mini_batch_size", "300"},
                                      {"epochs", "4"},
                                      {"num_models", "2"},
                                      {"seed", "3"}};
  TrainConfig c = resolve_config(c_values);
  StreamedTrain s =
      build_streamed_train({data_path("churn/train.csv")}, ReadOptions{}, 16384, dir.path("train.cache"), c);
  s.shuffle_buffer = 700;
  const DataFacts facts = describe_training_data(s);
  c = resolve_config(c_values, &facts);
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

// A model to score with: small seeded weights, one column per output.
void seeded_model(std::size_t dim, int outputs, RowMatrix& weights, Eigen::RowVectorXf& bias) {
  Rng rng(7, RandomStream::kInit);
  weights.resize(static_cast<Eigen::Index>(dim), outputs);
  for (Eigen::Index i = 0; i < weights.size(); ++i) weights.data()[i] = static_cast<float>(rng.normal() * 1e-3);
  bias = Eigen::RowVectorXf::Constant(outputs, 0.1F);
}

struct EvaluationCase {
  const char* file;
  LossKind loss;
  PredictorType type;
  std::vector<double> class_weights;
};

void PrintTo(const EvaluationCase& c, std::ostream* os) {
  *os << c.file;
}

class CacheEvaluationTest : public ::testing::TestWithParam<EvaluationCase> {};

// Without a validation channel, selection and the final training metrics read the cache in bounded
// memory: the metrics are those of the records in memory, but roc_auc_score, which comes from a
// seeded uniform sample of the scores (all of them when the sample is at least the data).
TEST_P(CacheEvaluationTest, MetricsAreExactAndTheSampleIsUniformAndRepeatable) {
  const EvaluationCase& c = GetParam();
  testing::TempDir dir;
  TrainConfig config =
      resolve_config({{"predictor_type", predictor_type_name(c.type)}, {"num_classes", "10"}, {"seed", "0"}});
  const std::vector<std::string> specs{data_path(c.file)};
  const StreamedTrain s = build_streamed_train(specs, ReadOptions{}, 4096, dir.path("train.cache"), config);
  ASSERT_GT(s.cache->blocks(), 3U);
  const Dataset all = read_channel(specs, ReadOptions{});
  const auto loss = make_loss(c.loss, LossParams{10});
  RowMatrix weights;
  Eigen::RowVectorXf bias;
  seeded_model(all.feature_dim, loss->outputs(), weights, bias);
  const ClassWeights class_weights{c.class_weights};
  const EvaluationSettings settings{c.type, 0.5, 3, 1.0};
  ThreadPool pool(2);
  const Evaluation expected = evaluate_margins(compute_margins(all, weights, bias, pool), 0, *loss, all.labels,
                                               class_weights.for_records(all), settings);

  const CacheEvaluation whole =
      evaluate_cache(*s.cache, weights, bias, *loss, settings, class_weights, all.rows(), 3, pool);
  ASSERT_EQ(whole.models.size(), 1U);
  EXPECT_EQ(whole.labels, all.labels);
  ASSERT_EQ(whole.models[0].scores.size(), expected.scores.size());
  for (std::size_t i = 0; i < expected.scores.size(); ++i)
    ASSERT_NEAR(whole.models[0].scores[i], expected.scores[i], 1e-5);
  for (const auto& [name, value] : expected.metrics) EXPECT_NEAR(whole.models[0].metrics.at(name), value, 1e-6) << name;

  const std::size_t sample = all.rows() / 4;
  const CacheEvaluation sampled =
      evaluate_cache(*s.cache, weights, bias, *loss, settings, class_weights, sample, 3, pool);
  EXPECT_EQ(sampled.labels.size(), sample);
  EXPECT_EQ(sampled.weights.size(), sample);
  EXPECT_EQ(sampled.models[0].scores.size(), sample * static_cast<std::size_t>(loss->outputs()));
  for (const auto& [name, value] : expected.metrics) {
    const double tolerance = name == "roc_auc_score" ? 0.03 : 1e-6;
    EXPECT_NEAR(sampled.models[0].metrics.at(name), value, tolerance) << name;
  }
  const CacheEvaluation again =
      evaluate_cache(*s.cache, weights, bias, *loss, settings, class_weights, sample, 3, pool);
  EXPECT_EQ(again.labels, sampled.labels);
  EXPECT_EQ(again.models[0].scores, sampled.models[0].scores);
  EXPECT_EQ(again.models[0].metrics, sampled.models[0].metrics);
}

INSTANTIATE_TEST_SUITE_P(
    PredictorTypes, CacheEvaluationTest,
    ::testing::Values(EvaluationCase{"churn/train.csv", LossKind::kLogistic, PredictorType::kBinary, {1.0, 3.0}},
                      EvaluationCase{"digits/train.csv", LossKind::kSoftmax, PredictorType::kMulticlass, {}},
                      EvaluationCase{"diabetes/train.csv", LossKind::kSquared, PredictorType::kRegressor, {}}),
    [](const ::testing::TestParamInfo<EvaluationCase>& info) { return predictor_type_name(info.param.type); });

// A block of more records than are scored at a time is scored in pieces, with the same result.
TEST(OutOfCore, CacheEvaluationScoresLargeBlocksInPieces) {
  testing::TempDir dir;
  Dataset data;
  data.feature_dim = 3;
  Rng rng(11, RandomStream::kInit);
  for (int r = 0; r < 20000; ++r) {
    for (int j = 0; j < 3; ++j) data.dense.push_back(static_cast<float>(rng.normal()));
    data.labels.push_back(rng.uniform() < 0.5 ? 0.0F : 1.0F);
  }
  RecordCacheWriter writer = RecordCacheWriter::create(dir.path("one.cache"));
  writer.append(data);
  writer.finish();
  const RecordCache cache = RecordCache::open(dir.path("one.cache"));
  ASSERT_EQ(cache.blocks(), 1U);
  const auto loss = make_loss(LossKind::kLogistic, {});
  RowMatrix weights(3, 2);  // two models
  weights << 0.5F, -1.0F, 1.0F, 0.25F, -2.0F, 0.0F;
  const Eigen::RowVectorXf bias = Eigen::RowVectorXf::Constant(2, 0.1F);
  const EvaluationSettings settings{PredictorType::kBinary, 0.5, 3, 1.0};
  ThreadPool pool(2);
  const CacheEvaluation scored = evaluate_cache(cache, weights, bias, *loss, settings, ClassWeights{}, 20000, 0, pool);
  const RowMatrix margins = compute_margins(data, weights, bias, pool);
  ASSERT_EQ(scored.models.size(), 2U);
  for (int m = 0; m < 2; ++m) {
    const Evaluation expected =
        evaluate_margins(margins, m, *loss, data.labels, std::vector<float>(20000, 1.0F), settings);
    EXPECT_EQ(scored.models[static_cast<std::size_t>(m)].scores, expected.scores);
    EXPECT_EQ(scored.models[static_cast<std::size_t>(m)].metrics, expected.metrics);
  }
}

TEST(OutOfCore, SelectionCalibratesOnTheBoundedSampleRepeatably) {
  testing::TempDir dir;
  const HyperparameterValues c_values{{"predictor_type", "binary_classifier"},
                                      {"epochs", "3"},
                                      {"num_models", "3"},
                                      {"binary_classifier_model_selection_criteria", "f_beta"},
                                      {"seed", "1"}};
  TrainConfig c = resolve_config(c_values);
  StreamedTrain s =
      build_streamed_train({data_path("churn/train.csv")}, ReadOptions{}, 16384, dir.path("train.cache"), c);
  const DataFacts facts = describe_training_data(s);
  c = resolve_config(c_values, &facts);
  Channels channels;
  channels.streamed_train = &s;
  auto log = spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  ThreadPool pool(2);
  const TrainOutcome all = train_models(c, channels, pool, log);
  EXPECT_EQ(all.calibration_records, 4000U);
  s.evaluation_sample = 600;
  const TrainOutcome sampled = train_models(c, channels, pool, log);
  EXPECT_EQ(sampled.calibration_records, 600U);
  ASSERT_GE(sampled.selected, 0);
  EXPECT_EQ(sampled.model.weights, train_models(c, channels, pool, log).model.weights);
  EXPECT_EQ(sampled.model.threshold, train_models(c, channels, pool, log).model.threshold);
  // A threshold calibrated on 600 of 4000 records lands near the one calibrated on all of them.
  EXPECT_NEAR(sampled.model.threshold, all.model.threshold, 0.15);
}

TEST(OutOfCore, MetricsAndReportSayWhichTrainingMetricsComeFromASample) {
  testing::TempDir dir;
  const auto r = run_linlearn(
      churn_args(dir.path("out")) + " --max-memory 64K --num_calibration_samples 1000 --cache-dir " + dir.path("cache"),
      dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = nlohmann::json::parse(slurp(dir.path("out/metrics.json")));
  EXPECT_EQ(metrics["data"]["train"]["evaluation_sample"]["records"], 1000);
  EXPECT_NE(metrics["data"]["train"]["evaluation_sample"]["note"].get<std::string>().find("roc_auc_score"),
            std::string::npos);
  EXPECT_TRUE(metrics["final_metrics"].contains("train:roc_auc_score"));
  const std::string report = slurp(dir.path("out/report.html"));
  EXPECT_NE(report.find("a uniform sample of 1000 of its 4000 records"), std::string::npos);
}

TEST(OutOfCore, MemorySizesAndInputEstimates) {
  EXPECT_EQ(parse_memory_size("1000"), 1000U);
  EXPECT_EQ(parse_memory_size("64K"), 64U << 10);
  EXPECT_EQ(parse_memory_size("64m"), 64U << 20);
  EXPECT_EQ(parse_memory_size("2G"), std::size_t{2} << 30);
  for (const char* bad : {"", "M", "12X", "1.5G", "-3", "0", "64MB"})
    EXPECT_THROW(parse_memory_size(bad), UsageError) << bad;
  EXPECT_GT(default_max_memory(), 0U);
  testing::TempDir dir;
  const std::string plain = dir.write("a.csv", std::string(1000, 'x'));
  const std::string gzipped = dir.write("b.csv.gz", std::string(100, 'x'));
  EXPECT_EQ(estimated_input_bytes({plain, gzipped}), 1400U);
  EXPECT_EQ(estimated_input_bytes({"-"}), 0U);
}

}  // namespace
}  // namespace linlearn
