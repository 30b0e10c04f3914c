// The model set alone: successive halving, early stopping and an optimizer step fed constant
// gradients, without data or a trainer.
#include "train/model_set.h"

#include <gtest/gtest.h>

#include <cmath>

#include <spdlog/sinks/null_sink.h>

namespace linlearn {
namespace {

spdlog::logger quiet() {
  return spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

TEST(Halving, StopsTheWorseHalfAfterEpochsTwoFourEight) {
  const std::vector<std::pair<double, std::size_t>> five{{0.5, 0}, {0.1, 1}, {0.9, 2}, {0.3, 3}, {0.7, 4}};
  EXPECT_TRUE(models_to_halve(0, five).empty());
  EXPECT_EQ(models_to_halve(1, five), (std::vector<std::size_t>{4, 2}));  // keeps 3 of 5: 1, 3, 0
  EXPECT_TRUE(models_to_halve(2, five).empty());
  EXPECT_EQ(models_to_halve(3, five), (std::vector<std::size_t>{4, 2}));
  EXPECT_TRUE(models_to_halve(4, five).empty());
  EXPECT_EQ(models_to_halve(7, five).size(), 2U);
  EXPECT_TRUE(models_to_halve(1, {{0.2, 3}}).empty());
}

TEST(Halving, TiesKeepTheLowerIndex) {
  EXPECT_EQ(models_to_halve(1, {{0.5, 2}, {0.5, 0}, {0.5, 1}, {0.5, 3}}), (std::vector<std::size_t>{1, 3}));
}

TEST(EarlyStopping, StopsAfterPatienceEpochsWithoutARelativeImprovement) {
  EarlyStopping s({2, 0.01});
  EXPECT_EQ(s.update(0, 1.0), EarlyStopping::Verdict::kImproved);
  EXPECT_EQ(s.update(1, 0.95), EarlyStopping::Verdict::kImproved);
  EXPECT_EQ(s.update(2, 0.945), EarlyStopping::Verdict::kNoImprovement);  // 0.5% is under the 1% tolerance
  EXPECT_TRUE(s.still_improving() == false);
  EXPECT_EQ(s.update(3, 0.9449), EarlyStopping::Verdict::kStop);
  EXPECT_EQ(s.best_epoch(), 1);
  EXPECT_DOUBLE_EQ(s.best(), 0.95);
}

TEST(EarlyStopping, DivergenceIsNanOrTenTimesTheFirstOrUntrainedLoss) {
  EarlyStopping s({3, 0.001});
  s.set_initial_loss(0.7);
  EXPECT_FALSE(s.diverges(0.6));
  EXPECT_TRUE(s.diverges(7.5));
  EXPECT_TRUE(s.diverges(NAN));
  EarlyStopping t({3, 0.001});
  EXPECT_EQ(t.update(0, 2.0), EarlyStopping::Verdict::kImproved);
  EXPECT_EQ(t.update(1, 25.0), EarlyStopping::Verdict::kDiverged);
  EXPECT_EQ(t.update(2, INFINITY), EarlyStopping::Verdict::kDiverged);
}

TEST(EarlyStopping, TheLastImprovementIsOverTheBestBeforeIt) {
  EarlyStopping s({3, 0.001});
  s.update(0, 1.0);
  s.update(1, 0.9995);  // not an improvement: the best stays 1.0
  s.update(2, 0.9985);
  EXPECT_NEAR(s.last_improvement(), 0.0015, 1e-12);
  EXPECT_TRUE(s.still_improving());
}

TrainConfig sgd_config(const std::string& num_models) {
  const DataFacts facts{100, 3, false, {50, 50}};
  return resolve_config({{"predictor_type", "binary_classifier"},
                         {"optimizer", "sgd"},
                         {"momentum", "0"},
                         {"learning_rate", "0.5"},
                         {"use_lr_scheduler", "false"},
                         {"num_models", num_models}},
                        &facts);
}

// As xgboost tests an updater: constant gradients, known steps.
TEST(ModelSet, SgdStepsEveryActiveModelAgainstItsOwnGradient) {
  const TrainConfig config = sgd_config("2");
  auto log = quiet();
  ModelParameters zero{{0.0F, 0.0F, 0.0F}, {0.0F}};
  ModelSet models(config, {zero, zero}, false, log);
  models.start_epoch(0, true);
  ASSERT_EQ(models.active().size(), 2U);
  BatchGradient g;
  g.grads = {{{1.0F, -2.0F, 0.5F}, {4.0F}}, {{0.0F, 1.0F, 0.0F}, {-1.0F}}};
  g.loss_sum = {0.7, 0.6};
  g.weight_sum = 1.0;
  ThreadPool pool(2);
  models.step(g, 0, pool);
  EXPECT_EQ(models.state(0).params.weights, (std::vector<float>{-0.5F, 1.0F, -0.25F}));
  EXPECT_EQ(models.state(0).params.bias, (std::vector<float>{-2.0F}));
  // Model 1 is the grid's learning rate x 0.3.
  EXPECT_FLOAT_EQ(models.state(1).params.weights[1], -0.15F);
  EXPECT_FLOAT_EQ(models.state(1).params.bias[0], 0.15F);
  EXPECT_DOUBLE_EQ(models.running_loss(1.0), 0.7);
}

TEST(ModelSet, AnEpochWithoutImprovementStopsAModelAfterPatience) {
  TrainConfig config = sgd_config("1");
  config.early_stopping = {1, 0.01};
  auto log = quiet();
  ModelSet models(config, {ModelParameters{{0.0F, 0.0F, 0.0F}, {0.0F}}}, false, log);
  std::vector<EpochRecord> history;
  for (int epoch = 0; epoch < 2; ++epoch) {
    models.start_epoch(epoch, true);
    EpochRecord record{epoch, 0, 0, std::vector<ModelEpoch>(1)};
    record.models[0].progressive_loss = 0.5;
    record.models[0].validation["objective_loss"] = 0.5;
    models.judge_epoch(epoch, record, history, true);
    history.push_back(record);
  }
  EXPECT_EQ(models.outcomes()[0].status, ModelStatus::kEarlyStopped);
  EXPECT_EQ(models.outcomes()[0].best_epoch, 0);
  EXPECT_FALSE(models.any_training());
}

}  // namespace
}  // namespace linlearn
