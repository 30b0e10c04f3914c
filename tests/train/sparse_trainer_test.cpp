// Training on sparse data: unseen features weigh exactly 0, the same bytes whatever the thread
// count, resumes that match uninterrupted runs, and sparse models that round-trip through model.pb.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>

#include <spdlog/sinks/null_sink.h>

#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/random.h"
#include "linlearn/trainer.h"
#include "train/stop_after_epoch.h"

namespace linlearn {
namespace {

constexpr std::size_t kFeatureDim = 1000;
constexpr std::uint32_t kOccurring = 120;  // only features below this occur: the rest are unseen

spdlog::logger quiet_logger() {
  return spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Sparse logistic data: 6 distinct features a row among the first kOccurring, values 1 or 2, the
// label drawn from a known model (even features for, odd ones against).
Dataset sparse_logistic_data(std::size_t rows, std::uint64_t seed) {
  Rng rng(seed, RandomStream::kShuffle, 7);
  Dataset d;
  d.sparse = true;
  d.feature_dim = kFeatureDim;
  for (std::size_t r = 0; r < rows; ++r) {
    double margin = -0.2;
    const auto first = static_cast<std::uint32_t>(rng.uniform() * (kOccurring - 60));
    for (std::uint32_t j = first; j < first + 60; j += 10) {
      const std::uint32_t feature = j + static_cast<std::uint32_t>(rng.uniform() * 10);
      const float value = rng.uniform() < 0.5 ? 1.0F : 2.0F;
      d.col_idx.push_back(feature);
      d.values.push_back(value);
      margin += (feature % 2 == 0 ? 0.8 : -0.8) * value;
    }
    d.row_ptr.push_back(d.col_idx.size());
    d.labels.push_back(rng.uniform() < 1 / (1 + std::exp(-margin)) ? 1.0F : 0.0F);
  }
  return d;
}

TrainConfig sparse_config(const Dataset& train, int threads, const std::string& optimizer,
                          const std::string& num_models = "3") {
  const HyperparameterValues values = {{"predictor_type", "binary_classifier"},
                                       {"mini_batch_size", "100"},
                                       {"epochs", "4"},
                                       {"num_models", num_models},
                                       {"optimizer", optimizer},
                                       {"l1", "0.001"},
                                       {"seed", "5"}};
  const DataFacts facts = describe_training_data(train, resolve_config(values));
  TrainConfig c = resolve_config(values, &facts);
  c.threads = threads;
  return c;
}

TEST(SparseTrainer, UnseenFeaturesWeighExactlyZeroAndTheModelLearns) {
  const Dataset train = sparse_logistic_data(3000, 1);
  const Dataset validation = sparse_logistic_data(1000, 2);
  auto log = quiet_logger();
  ThreadPool pool(2);
  for (const std::string optimizer : {"auto", "adam", "adagrad", "ftrl"}) {
    const TrainConfig c = sparse_config(train, 2, optimizer);
    ASSERT_NE(c.init.method == InitMethod::kUniform ? c.init.scale : c.init.sigma, 0.0);  // random init
    const TrainOutcome out = train_models(c, Channels{&train, &validation, nullptr}, pool, log);
    EXPECT_GE(out.models[static_cast<std::size_t>(out.selected)].selection_score, 0.75) << optimizer;
    ASSERT_TRUE(out.model.sparse) << optimizer;
    ASSERT_FALSE(out.model.keys.empty());
    EXPECT_LT(out.model.keys.back(), kOccurring) << optimizer;
    const LinearModel dense = densified(out.model);
    for (std::size_t j = kOccurring; j < kFeatureDim; ++j) ASSERT_EQ(dense.weights[j], 0.0F) << optimizer << " " << j;
  }
}

TEST(SparseTrainer, SameModelWhateverTheThreadCount) {
  const Dataset train = sparse_logistic_data(2000, 3);
  auto log = quiet_logger();
  for (const std::string optimizer : {"ftrl", "adagrad", "adam"}) {
    std::vector<std::string> bytes;
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      const TrainOutcome out = train_models(sparse_config(train, threads, optimizer), Channels{&train}, pool, log);
      bytes.push_back(serialize_model_pb(out.model));
    }
    EXPECT_EQ(bytes[1], bytes[0]) << optimizer;
    EXPECT_EQ(bytes[2], bytes[0]) << optimizer;
  }
}

// Values of few kinds stored as byte codes (Dataset::code_values) train the same model.
TEST(SparseTrainer, ValuesStoredAsCodesTrainTheSameModel) {
  const Dataset train = sparse_logistic_data(2000, 6);
  const Dataset validation = sparse_logistic_data(500, 7);
  Dataset coded_train = train;
  Dataset coded_validation = validation;
  ASSERT_TRUE(coded_train.code_values());
  ASSERT_TRUE(coded_validation.code_values());
  auto log = quiet_logger();
  ThreadPool pool(2);
  for (const std::string optimizer : {"adam", "ftrl"}) {
    const TrainConfig c = sparse_config(train, 2, optimizer);
    const TrainOutcome plain = train_models(c, Channels{&train, &validation, nullptr}, pool, log);
    const TrainOutcome coded = train_models(c, Channels{&coded_train, &coded_validation, nullptr}, pool, log);
    EXPECT_EQ(serialize_model_pb(coded.model), serialize_model_pb(plain.model)) << optimizer;
    EXPECT_EQ(coded.models[0].selection_score, plain.models[0].selection_score) << optimizer;
  }
}

TEST(SparseTrainer, ResumeAfterInterruptionGivesTheSameModel) {
  const Dataset train = sparse_logistic_data(2000, 4);
  auto log = quiet_logger();
  ThreadPool pool(2);
  for (const std::string optimizer : {"ftrl", "adagrad"}) {
    const TrainConfig c = sparse_config(train, 2, optimizer, "2");
    const LinearModel uninterrupted = train_models(c, Channels{&train}, pool, log).model;
    testing::TempDir dir;
    TrainControl control;
    control.checkpoint_path = dir.path("checkpoint.pb");
    std::atomic<int> flag{0};
    testing::StopAfterEpoch stop(flag, 1);
    control.stop_signal = &flag;
    control.observer = &stop;
    EXPECT_THROW(train_models(c, Channels{&train}, pool, log, control), Interrupted);
    flag.store(0);
    control.observer = nullptr;
    control.resume = true;
    const LinearModel resumed = train_models(c, Channels{&train}, pool, log, control).model;
    EXPECT_EQ(serialize_model_pb(resumed), serialize_model_pb(uninterrupted)) << optimizer;
  }
}

TEST(SparseTrainer, SparseModelRoundTripsThroughModelPbAndItsJsonListsKeysAndValues) {
  const Dataset train = sparse_logistic_data(1000, 6);
  auto log = quiet_logger();
  ThreadPool pool(1);
  const LinearModel model = train_models(sparse_config(train, 1, "ftrl", "1"), Channels{&train}, pool, log).model;
  ASSERT_TRUE(model.sparse);
  const std::string bytes = serialize_model_pb(model);
  const LinearModel back = parse_model_pb(bytes, "model.pb");
  EXPECT_TRUE(back.sparse);
  EXPECT_EQ(back.keys, model.keys);
  EXPECT_EQ(back.weights, model.weights);
  EXPECT_EQ(back.bias, model.bias);
  EXPECT_EQ(back.feature_dim, kFeatureDim);
  EXPECT_EQ(serialize_model_pb(back), bytes);
  // A cut in the keys is refused, not read as a smaller model.
  EXPECT_THROW(parse_model_pb(bytes.substr(0, bytes.size() - 2), "model.pb"), InputError);

  std::string json;
  write_model_json(model, [&](std::string_view piece) { json += piece; });
  const nlohmann::json parsed = nlohmann::json::parse(json);
  EXPECT_EQ(parsed["format_version"], 2);
  EXPECT_EQ(parsed["weights"]["keys"].get<std::vector<std::uint32_t>>(), model.keys);
  const auto values = parsed["weights"]["values"].get<std::vector<float>>();
  ASSERT_EQ(values.size(), model.keys.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_FLOAT_EQ(values[i], model.stored_weight(0, i));
}

}  // namespace
}  // namespace linlearn
