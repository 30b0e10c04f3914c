#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <spdlog/sinks/null_sink.h>

#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/trainer.h"
#include "synthetic.h"
#include "train/batch_gradient.h"
#include "train/stop_after_epoch.h"

namespace linlearn {
namespace {

spdlog::logger quiet_logger() {
  return spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// The config resolved as train resolves it once `train` is read.
TrainConfig final_config(const HyperparameterValues& values, const Dataset& train, int threads) {
  const DataFacts facts = describe_training_data(train, resolve_config(values));
  TrainConfig c = resolve_config(values, &facts);
  c.threads = threads;
  return c;
}

TrainConfig binary_config(const Dataset& train, int threads, const std::string& num_models = "1") {
  return final_config({{"predictor_type", "binary_classifier"},
                       {"mini_batch_size", "200"},
                       {"epochs", "6"},
                       {"num_models", num_models},
                       {"seed", "11"}},
                      train, threads);
}

TEST(Trainer, LearnsAndIsBitIdenticalForAnyThreadCount) {
  const Dataset train = testing::logistic_data(3000, 8, 1);
  const Dataset validation = testing::logistic_data(1000, 8, 2);
  auto log = quiet_logger();
  std::vector<LinearModel> models;
  for (int threads : {1, 2, 3}) {
    const TrainConfig c = binary_config(train, threads, "3");
    ThreadPool pool(threads);
    const TrainOutcome out = train_models(c, Channels{&train, &validation, nullptr}, pool, log);
    EXPECT_GE(out.models[static_cast<std::size_t>(out.selected)].selection_score, 0.8);
    models.push_back(out.model);
  }
  for (std::size_t i = 1; i < models.size(); ++i) {
    EXPECT_EQ(models[i].weights, models[0].weights);
    EXPECT_EQ(models[i].bias, models[0].bias);
    EXPECT_EQ(models[i].threshold, models[0].threshold);
  }
}

TEST(Trainer, LabelSortedInputTrainsLikeShuffledInput) {
  Dataset shuffled = testing::logistic_data(4000, 6, 3);
  Dataset sorted = shuffled;
  sorted.dense.clear();
  sorted.labels.clear();
  for (float label : {0.0F, 1.0F})
    for (std::size_t r = 0; r < shuffled.rows(); ++r)
      if (shuffled.labels[r] == label) {
        sorted.labels.push_back(label);
        sorted.dense.insert(sorted.dense.end(), shuffled.dense.begin() + static_cast<std::ptrdiff_t>(r * 6),
                            shuffled.dense.begin() + static_cast<std::ptrdiff_t>((r + 1) * 6));
      }
  const Dataset validation = testing::logistic_data(2000, 6, 4);
  auto log = quiet_logger();
  ThreadPool pool(2);
  std::vector<double> scores;
  for (const Dataset* train : {&shuffled, &sorted}) {
    const TrainConfig c = binary_config(*train, 2);
    const TrainOutcome out = train_models(c, Channels{train, &validation, nullptr}, pool, log);
    scores.push_back(out.models[static_cast<std::size_t>(out.selected)].selection_score);
  }
  EXPECT_NEAR(scores[0], scores[1], 0.01);
}

// Successive halving stops the worse half of the training models after epochs 1 and 3 (0-based), by
// that epoch's validation loss; the models that go on train as they would without pruning (up to float
// rounding: the kernel's register tiles group the models differently).
TEST(Trainer, PruningStopsTheWorseHalfAndLeavesTheSurvivorsUnchanged) {
  const Dataset train = testing::logistic_data(3000, 8, 6);
  const Dataset validation = testing::logistic_data(1000, 8, 7);
  auto log = quiet_logger();
  ThreadPool pool(2);
  std::vector<TrainOutcome> outcomes;
  for (bool prune : {true, false}) {
    const TrainConfig c = final_config({{"predictor_type", "binary_classifier"},
                                        {"mini_batch_size", "200"},
                                        {"epochs", "4"},
                                        {"num_models", "4"},
                                        {"early_stopping_patience", "10"},
                                        {"seed", "11"},
                                        {"prune_models", prune ? "true" : "false"}},
                                       train, 2);
    outcomes.push_back(train_models(c, Channels{&train, &validation, nullptr}, pool, log));
  }
  const TrainOutcome& pruned = outcomes[0];
  const TrainOutcome& full = outcomes[1];
  const auto loss = [](const EpochRecord& e, std::size_t m) { return e.models[m].validation.at("objective_loss"); };
  std::vector<std::size_t> after_first;
  for (std::size_t m = 0; m < 4; ++m) {
    EXPECT_NE(full.models[m].status, ModelStatus::kPruned);
    if (pruned.epochs[1].models[m].status != ModelStatus::kPruned) after_first.push_back(m);
  }
  ASSERT_EQ(after_first.size(), 2U);
  for (std::size_t m = 0; m < 4; ++m) {
    const bool kept = m == after_first[0] || m == after_first[1];
    if (kept) continue;
    for (std::size_t k : after_first) EXPECT_LE(loss(pruned.epochs[1], k), loss(pruned.epochs[1], m));
    EXPECT_TRUE(std::isnan(pruned.epochs[2].models[m].train_loss)) << "pruned models are not trained";
  }
  int survivors = 0;
  for (std::size_t m = 0; m < 4; ++m) {
    if (pruned.models[m].status == ModelStatus::kPruned) continue;
    ++survivors;
    EXPECT_NEAR(loss(pruned.epochs[3], m), loss(full.epochs[3], m), 1e-5) << "model " << m;
  }
  EXPECT_EQ(survivors, 1);
  EXPECT_NE(pruned.models[static_cast<std::size_t>(pruned.selected)].status, ModelStatus::kPruned);
}

// The kernel folds normalization into the weights; check its gradient against finite differences of
// the mean batch loss computed directly on normalized features.
TEST(BatchGradientKernel, MatchesFiniteDifferences) {
  const Dataset data = testing::logistic_data(300, 5, 5);
  NormalizationConfig nc;
  const Normalization norm = compute_normalization(data, nc, 0);
  const auto loss = make_loss(LossKind::kLogistic, LossParams{});
  const std::vector<float> weights(data.rows(), 1.0F);
  ThreadPool pool(2);
  BatchGradientKernel kernel(data, weights, norm, *loss, *loss, 1, pool);
  std::vector<ModelParameters> params(1);
  params[0].weights = {0.1F, -0.2F, 0.3F, 0.05F, -0.1F};
  params[0].bias = {0.2F};
  std::vector<std::uint32_t> batch(200);
  for (std::uint32_t i = 0; i < 200; ++i) batch[i] = (i * 7) % 300;
  const BatchGradient g = kernel.compute(batch, {&params[0]}, static_cast<double>(batch.size()));

  const auto mean_loss = [&](const std::vector<double>& w, double b) {
    double total = 0;
    for (std::uint32_t r : batch) {
      double m = b;
      for (std::size_t j = 0; j < 5; ++j) m += w[j] * (data.dense[r * 5 + j] - norm.mean[j]) / norm.scale[j];
      const auto mf = static_cast<float>(m);
      total += loss->value_and_gradient(&mf, data.labels[r], nullptr);
    }
    return total / static_cast<double>(batch.size());
  };
  std::vector<double> w(params[0].weights.begin(), params[0].weights.end());
  const double h = 1e-3;
  for (std::size_t j = 0; j < 5; ++j) {
    auto up = w, down = w;
    up[j] += h;
    down[j] -= h;
    EXPECT_NEAR(g.grads[0].weights[j], (mean_loss(up, 0.2) - mean_loss(down, 0.2)) / (2 * h), 2e-3) << j;
  }
  EXPECT_NEAR(g.grads[0].bias[0], (mean_loss(w, 0.2 + h) - mean_loss(w, 0.2 - h)) / (2 * h), 2e-3);
}

// A sparse batch gradient's rows of model m, gathered from its parts: each row once, k outputs.
std::map<std::uint32_t, std::vector<float>> touched_rows(const BatchGradient& g, std::size_t m, std::size_t k) {
  std::map<std::uint32_t, std::vector<float>> rows;
  for (const TouchedRows& part : g.parts)
    for (std::size_t i = 0; i < part.rows.size(); ++i) {
      EXPECT_EQ(rows.count(part.rows[i]), 0U) << "row " << part.rows[i] << " twice";
      rows[part.rows[i]].assign(part.grads[m].begin() + static_cast<std::ptrdiff_t>(i * k),
                                part.grads[m].begin() + static_cast<std::ptrdiff_t>((i + 1) * k));
    }
  return rows;
}

// The CSR kernel computes what the dense kernel computes on the same (uncentred) data, for several
// models and softmax outputs at once, and the same bits whatever the thread count.
TEST(BatchGradientKernel, SparseMatchesDenseForEveryModelAndThreadCount) {
  Dataset dense = testing::logistic_data(400, 6, 10);
  for (std::size_t r = 0; r < dense.rows(); ++r) {
    dense.labels[r] = static_cast<float>(r % 3);
    for (std::size_t j = 0; j < 6; ++j)
      if ((r + j) % 3 == 0) dense.dense[r * 6 + j] = 0.0F;  // real zeros, so rows differ in length
  }
  Dataset sparse = dense;
  sparse.to_sparse();
  NormalizationConfig nc;
  nc.unbias_data = false;
  const Normalization norm = compute_normalization(dense, nc, 0);
  LossParams lp;
  lp.num_classes = 3;
  const auto loss = make_loss(LossKind::kSoftmax, lp);
  const std::vector<float> weights(dense.rows(), 1.0F);
  std::vector<ModelParameters> params(3);
  for (std::size_t m = 0; m < params.size(); ++m) {
    for (std::size_t i = 0; i < 6 * 3; ++i)
      params[m].weights.push_back(0.05F * static_cast<float>((i * (m + 2)) % 7) - 0.15F);
    params[m].bias = {0.1F, -0.1F * static_cast<float>(m), 0.0F};
  }
  const ModelRefs refs = {&params[0], &params[1], &params[2]};
  std::vector<std::uint32_t> batch(256);
  for (std::uint32_t i = 0; i < batch.size(); ++i) batch[i] = (i * 11) % 400;
  ThreadPool one(1), two(2);
  BatchGradientKernel dense_kernel(dense, weights, norm, *loss, *loss, 3, two);
  BatchGradientKernel sparse_one(sparse, weights, norm, *loss, *loss, 3, one);
  BatchGradientKernel sparse_two(sparse, weights, norm, *loss, *loss, 3, two);
  const BatchGradient expected = dense_kernel.compute(batch, refs, 256.0);
  const BatchGradient a = sparse_one.compute(batch, refs, 256.0);
  const BatchGradient b = sparse_two.compute(batch, refs, 256.0);
  EXPECT_EQ(a.parts.size(), 1U);
  EXPECT_EQ(b.parts.size(), 2U);
  for (std::size_t m = 0; m < 3; ++m) {
    const auto rows = touched_rows(a, m, 3);
    EXPECT_EQ(rows, touched_rows(b, m, 3));
    EXPECT_EQ(a.grads[m].bias, b.grads[m].bias);
    EXPECT_EQ(rows.size(), 6U);
    for (const auto& [j, grad] : rows)
      for (std::size_t o = 0; o < 3; ++o)
        EXPECT_NEAR(grad[o], expected.grads[m].weights[j * 3 + o], 1e-5) << "model " << m << " feature " << j;
    for (std::size_t o = 0; o < 3; ++o) EXPECT_NEAR(a.grads[m].bias[o], expected.grads[m].bias[o], 1e-5);
    EXPECT_NEAR(a.loss_sum[m], expected.loss_sum[m], 1e-3);
  }
  EXPECT_GT(std::abs(expected.grads[1].weights[4]), 1e-3F);
}

// A sparse batch's gradient holds the rows of the features it touches only, each once; checked
// against a direct sum on narrow data and on 2^20 features.
TEST(BatchGradientKernel, SparseGradientHoldsTheTouchedRowsOnce) {
  for (const std::size_t d : {std::size_t{200}, std::size_t{1} << 20}) {
    Dataset data;
    data.sparse = true;
    data.feature_dim = d;
    for (std::uint32_t r = 0; r < 300; ++r) {
      for (std::uint32_t n = 0; n < 3; ++n) {
        data.col_idx.push_back(static_cast<std::uint32_t>((r * 7919ULL + n * 104729ULL) % d));
        data.values.push_back(0.5F + 0.25F * static_cast<float>((r + n) % 5));
      }
      std::sort(data.col_idx.end() - 3, data.col_idx.end());
      data.row_ptr.push_back(data.col_idx.size());
      data.labels.push_back(static_cast<float>(r % 2));
    }
    NormalizationConfig nc;
    nc.unbias_data = false;
    const Normalization norm = compute_normalization(data, nc, 0);
    const auto loss = make_loss(LossKind::kLogistic, LossParams{});
    const std::vector<float> weights(data.rows(), 1.0F);
    ModelParameters params;
    for (std::size_t j = 0; j < d; ++j) params.weights.push_back(0.01F * static_cast<float>(j % 13) - 0.06F);
    params.bias = {0.1F};
    std::vector<std::uint32_t> batch(64);
    for (std::uint32_t i = 0; i < batch.size(); ++i) batch[i] = (i * 37) % 300;
    ThreadPool pool(2);
    BatchGradientKernel kernel(data, weights, norm, *loss, *loss, 1, pool);
    const BatchGradient g = kernel.compute(batch, {&params}, 64.0);

    std::map<std::uint32_t, double> expected;
    for (std::uint32_t r : batch) {
      double margin = params.bias[0];
      for (std::uint64_t p = data.row_ptr[r]; p < data.row_ptr[r + 1]; ++p)
        margin += params.weights[data.col_idx[p]] * data.values[p] / norm.scale[data.col_idx[p]];
      const auto m = static_cast<float>(margin);
      float dloss = 0;
      loss->value_and_gradient(&m, data.labels[r], &dloss);
      for (std::uint64_t p = data.row_ptr[r]; p < data.row_ptr[r + 1]; ++p)
        expected[data.col_idx[p]] += dloss * data.values[p] / norm.scale[data.col_idx[p]] / 64.0;
    }
    const auto rows = touched_rows(g, 0, 1);
    ASSERT_EQ(rows.size(), expected.size()) << d;
    for (const auto& [feature, value] : expected) {
      ASSERT_EQ(rows.count(feature), 1U) << d;
      EXPECT_NEAR(rows.at(feature)[0], value, 1e-5) << "d " << d << " feature " << feature;
    }
  }
}

}  // namespace
}  // namespace linlearn

namespace linlearn {
namespace {

TEST(Trainer, ResumeAfterInterruptionGivesTheSameModel) {
  const Dataset train = testing::logistic_data(2000, 6, 8);
  const Dataset validation = testing::logistic_data(500, 6, 9);
  auto log = quiet_logger();
  ThreadPool pool(2);
  const TrainConfig c = binary_config(train, 2, "2");
  const Channels channels{&train, &validation, nullptr};
  const LinearModel uninterrupted = train_models(c, channels, pool, log).model;

  testing::TempDir dir;
  TrainControl control;
  control.checkpoint_path = dir.path("checkpoint.pb");
  std::atomic<int> flag{15};  // raised before the run: stops after the first mini-batch
  control.stop_signal = &flag;
  try {
    train_models(c, channels, pool, log, control);
    FAIL() << "not interrupted";
  } catch (const Interrupted& e) {
    EXPECT_EQ(e.exit_code(), 143);
  }
  flag.store(0);
  testing::StopAfterEpoch stop_after_two(flag, 2);  // then once more at an epoch boundary
  control.observer = &stop_after_two;
  control.resume = true;
  EXPECT_THROW(train_models(c, channels, pool, log, control), Interrupted);
  flag.store(0);
  control.observer = nullptr;
  const LinearModel resumed = train_models(c, channels, pool, log, control).model;
  EXPECT_EQ(resumed.weights, uninterrupted.weights);
  EXPECT_EQ(resumed.bias, uninterrupted.bias);
  EXPECT_EQ(resumed.threshold, uninterrupted.threshold);

  // Other options: refused.
  const TrainConfig other = binary_config(train, 2, "3");
  EXPECT_THROW(train_models(other, channels, pool, log, control), UsageError);
}

// The default checkpoint folder waits for some training time: a run shorter than that writes no
// epoch checkpoint, but a signal still writes one at once.
TEST(Trainer, EpochCheckpointsWaitForTheirFirstTime) {
  const Dataset train = testing::logistic_data(500, 4, 8);
  auto log = quiet_logger();
  ThreadPool pool(2);
  const TrainConfig c = binary_config(train, 1);
  const Channels channels{&train, nullptr, nullptr};
  testing::TempDir dir;
  TrainControl control;
  control.checkpoint_path = dir.path("checkpoint.pb");
  control.first_checkpoint_after_seconds = 3600;
  train_models(c, channels, pool, log, control);
  EXPECT_FALSE(std::filesystem::exists(control.checkpoint_path));

  std::atomic<int> flag{0};
  testing::StopAfterEpoch stop_after_one(flag, 1);
  control.observer = &stop_after_one;
  control.stop_signal = &flag;
  EXPECT_THROW(train_models(c, channels, pool, log, control), Interrupted);
  EXPECT_TRUE(std::filesystem::exists(control.checkpoint_path));

  std::filesystem::remove(control.checkpoint_path);
  control.observer = nullptr;
  control.stop_signal = nullptr;
  control.first_checkpoint_after_seconds = 0;
  train_models(c, channels, pool, log, control);
  EXPECT_TRUE(std::filesystem::exists(control.checkpoint_path));
}

}  // namespace
}  // namespace linlearn
