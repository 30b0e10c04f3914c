#include <gtest/gtest.h>

#include <cmath>

#include "linlearn/config.h"
#include "linlearn/errors.h"
#include "linlearn/model_grid.h"

namespace linlearn {
namespace {

TrainConfig resolve(HyperparameterValues v) {
  return resolve_config(v);
}

// The final resolution, once the data is read.
TrainConfig resolve(HyperparameterValues v, std::size_t records, std::size_t feature_dim, bool sparse,
                    std::vector<double> class_counts = {}) {
  const DataFacts facts{records, feature_dim, sparse, std::move(class_counts)};
  return resolve_config(v, &facts);
}

TEST(TrainConfig, ResolvesAutoPerPredictorType) {
  const TrainConfig binary = resolve({{"predictor_type", "binary_classifier"}});
  EXPECT_EQ(binary.loss, LossKind::kLogistic);
  EXPECT_EQ(binary.mini_batch_size, 1000);
  EXPECT_EQ(binary.epochs, 15);
  EXPECT_EQ(binary.models.size(), static_cast<std::size_t>(kAutoNumModels));
  EXPECT_EQ(binary.models[0].optimizer.kind, OptimizerKind::kAdam);
  EXPECT_DOUBLE_EQ(binary.models[0].learning_rate, 0.02);
  EXPECT_FALSE(binary.normalization.normalize_label);
  EXPECT_EQ(binary.resolved["loss"], "logistic");
  EXPECT_EQ(binary.resolved["num_models"], kAutoNumModels);
  EXPECT_TRUE(binary.resolved["use_bias"].is_boolean());

  const TrainConfig regressor = resolve({{"predictor_type", "regressor"}, {"num_models", "1"}});
  EXPECT_EQ(regressor.loss, LossKind::kSquared);
  EXPECT_TRUE(regressor.normalization.normalize_label);
  EXPECT_TRUE(regressor.normalization.unbias_label);
  EXPECT_EQ(regressor.models.size(), 1U);

  const TrainConfig multi = resolve({{"predictor_type", "multiclass_classifier"}, {"num_classes", "10"}});
  EXPECT_EQ(multi.loss, LossKind::kSoftmax);
  EXPECT_EQ(multi.num_classes, 10);
}

TEST(TrainConfig, RejectsBadInputWithTheOptionName) {
  EXPECT_THROW(resolve({}), UsageError);
  EXPECT_THROW(resolve({{"predictor_type", "multiclass_classifier"}}), UsageError);
  try {
    resolve({{"predictor_type", "binary_classifier"}, {"mini_batch_size", "0"}});
    FAIL() << "mini_batch_size 0 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--mini_batch_size: '0'"), std::string::npos) << e.what();
  }
  try {
    resolve({{"predictor_type", "binary_classifier"}, {"loss", "squared_loss"}});
    FAIL() << "squared_loss accepted for a binary classifier";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--loss"), std::string::npos);
  }
  EXPECT_THROW(resolve({{"predictor_type", "binary_classifier"}, {"no_such_option", "1"}}), UsageError);
  EXPECT_THROW(resolve({{"predictor_type", "binary_classifier"}, {"learning_rate", "fast"}}), UsageError);
  EXPECT_THROW(resolve({{"predictor_type", "binary_classifier"}, {"epochs", "2.5"}}), UsageError);
}

std::vector<std::string> warnings_for(const HyperparameterValues& given, bool sparse = false) {
  const DataFacts facts{1000, 10, sparse, {500, 500}};
  return no_effect_warnings(given, resolve_config(given, &facts), facts);
}

TEST(TrainConfig, WarnsAboutOptionsWithoutEffect) {
  const auto w =
      warnings_for({{"predictor_type", "binary_classifier"}, {"optimizer", "sgd"}, {"beta_1", "0.8"}, {"margin", "2"}});
  ASSERT_EQ(w.size(), 2U);
  EXPECT_NE(w[0].find("--beta_1 0.8 has no effect: it applies only with optimizer=adam"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("--margin 2 has no effect: it applies only with loss=hinge_loss"), std::string::npos) << w[1];
  EXPECT_TRUE(warnings_for({{"predictor_type", "binary_classifier"}}).empty());
  ASSERT_EQ(warnings_for({{"predictor_type", "binary_classifier"}, {"unbias_data", "true"}}, true).size(), 1U);
}

// A SageMaker hyperparameters.json lists hyperparameters at their defaults: they change nothing.
TEST(TrainConfig, ValuesAtTheirDefaultsWarnOfNothing) {
  EXPECT_TRUE(warnings_for({{"predictor_type", "binary_classifier"},
                            {"optimizer", "sgd"},
                            {"beta_1", "auto"},
                            {"margin", "1.0"},
                            {"quantile", "0.50"},
                            {"huber_delta", "1"},
                            {"target_recall", "0.8"},
                            {"balance_multiclass_weights", "False"},
                            {"unbias_label", "auto"}})
                  .empty());
}

TEST(TrainConfig, BalancedPositiveWeightResolvesToTheNumberUsed) {
  const TrainConfig c = resolve({{"predictor_type", "binary_classifier"}, {"positive_example_weight_mult", "balanced"}},
                                400, 3, false, {300, 100});
  EXPECT_EQ(c.resolved["positive_example_weight_mult"], 3.0);
  EXPECT_EQ(c.weighting.per_class, (std::vector<double>{1.0, 3.0}));
  EXPECT_TRUE(
      resolve({{"predictor_type", "binary_classifier"}}, 400, 3, false, {300, 100}).weighting.per_class.empty());
  const TrainConfig multi = resolve(
      {{"predictor_type", "multiclass_classifier"}, {"num_classes", "3"}, {"balance_multiclass_weights", "true"}}, 600,
      3, false, {300, 200, 100});
  EXPECT_EQ(multi.weighting.per_class, (std::vector<double>{600.0 / 900, 600.0 / 600, 600.0 / 300}));
}

TEST(TrainConfig, DataDependentResolution) {
  TrainConfig c = resolve({{"predictor_type", "binary_classifier"}, {"mini_batch_size", "100"}}, 1050, 20, true);
  EXPECT_EQ(c.models[0].schedule.step, 11);
  EXPECT_FALSE(c.normalization.unbias_data);  // sparse data is scaled, not centred
  EXPECT_EQ(c.resolved["feature_dim"], 20);
}

// num_models=auto keeps the models' state within kAutoModelsStateBudget; a given count is kept.
TEST(TrainConfig, AutoNumModelsShrinksForWideModels) {
  const auto models_for = [](HyperparameterValues v, std::size_t feature_dim) {
    DataFacts facts{100000, feature_dim, true, {}};
    facts.validation = true;
    TrainConfig c = resolve_config(v, &facts);
    EXPECT_EQ(c.resolved["num_models"], static_cast<int>(c.models.size()));
    return c.models.size();
  };
  const HyperparameterValues binary = {{"predictor_type", "binary_classifier"}};
  EXPECT_EQ(models_for(binary, 784), 8U);
  EXPECT_EQ(models_for(binary, std::size_t{1} << 18), 8U);
  EXPECT_EQ(models_for(binary, std::size_t{1} << 20), 3U);  // 64 MiB / (20 B x 2^20)
  EXPECT_EQ(models_for(binary, std::size_t{1} << 24), 1U);
  EXPECT_EQ(models_for({{"predictor_type", "multiclass_classifier"}, {"num_classes", "10"}}, std::size_t{1} << 18), 1U);
  EXPECT_EQ(models_for({{"predictor_type", "binary_classifier"}, {"num_models", "8"}}, std::size_t{1} << 20), 8U);
  // The smaller grid is the larger one's prefix.
  const TrainConfig wide = resolve(binary, 100000, std::size_t{1} << 20, false);
  const TrainConfig full = resolve(binary);
  for (std::size_t m = 0; m < wide.models.size(); ++m)
    EXPECT_DOUBLE_EQ(wide.models[m].learning_rate, full.models[m].learning_rate);
}

// Without a validation channel the grid's models are selected on the training data; on sparse data
// that favours the one memorizing rare features, so auto trains model 0 alone there.
TEST(TrainConfig, AutoNumModelsIsOneOnSparseDataSelectedOnTrainingData) {
  const HyperparameterValues binary = {{"predictor_type", "binary_classifier"}};
  EXPECT_EQ(resolve(binary, 100000, 1000, true).models.size(), 1U);
  EXPECT_EQ(resolve(binary, 100000, 1000, false).models.size(), static_cast<std::size_t>(kAutoNumModels));
  DataFacts validated{100000, 1000, true, {}};
  validated.validation = true;
  EXPECT_EQ(resolve_config(binary, &validated).models.size(), static_cast<std::size_t>(kAutoNumModels));
  EXPECT_EQ(resolve({{"predictor_type", "binary_classifier"}, {"num_models", "4"}}, 100000, 1000, true).models.size(),
            4U);
}

// Adam's auto rate shrinks with the records of sparse data beyond 100000 (by their square root).
TEST(TrainConfig, AutoAdamRateShrinksOnlyForSparseDataOfManyRecords) {
  const HyperparameterValues binary = {{"predictor_type", "binary_classifier"}};
  const auto rate = [](const HyperparameterValues& v, std::size_t records, bool sparse) {
    return resolve(v, records, 1 << 20, sparse).models.front().learning_rate;
  };
  EXPECT_DOUBLE_EQ(rate(binary, 2000000, true), 0.02 * std::sqrt(0.05));
  EXPECT_DOUBLE_EQ(rate(binary, 400000, true), 0.01);
  EXPECT_DOUBLE_EQ(rate(binary, 100000, true), 0.02);
  EXPECT_DOUBLE_EQ(rate(binary, 2000000, false), 0.02);
  EXPECT_DOUBLE_EQ(rate({{"predictor_type", "binary_classifier"}, {"optimizer", "adagrad"}}, 2000000, true), 0.5);
  EXPECT_DOUBLE_EQ(rate({{"predictor_type", "binary_classifier"}, {"learning_rate", "0.03"}}, 2000000, true), 0.03);
}

TEST(TrainConfig, AutoLearningRateFactorAnnealsOnlyEpochsOfManyBatches) {
  TrainConfig c = resolve({{"predictor_type", "binary_classifier"}, {"epochs", "15"}}, 60000, 784, false);
  // 100 updates an epoch, 14 decays: the last epoch runs at 1/1000 of the initial rate.
  EXPECT_NEAR(std::pow(c.models[0].schedule.factor, 14), 1e-3, 1e-12);
  TrainConfig few = resolve({{"predictor_type", "binary_classifier"}, {"mini_batch_size", "1000"}}, 1500, 64, false);
  EXPECT_EQ(few.updates_per_epoch, 2);
  EXPECT_EQ(few.models[0].schedule.factor, 1.0);
  TrainConfig given =
      resolve({{"predictor_type", "binary_classifier"}, {"lr_scheduler_factor", "0.9"}}, 60000, 784, false);
  EXPECT_EQ(given.models[0].schedule.factor, 0.9);
}

TEST(TrainConfig, AutoMiniBatchSizeGivesSmallDataAHundredUpdatesAnEpoch) {
  EXPECT_EQ(auto_mini_batch_size(0), 1);
  EXPECT_EQ(auto_mini_batch_size(120), 2);
  EXPECT_EQ(auto_mini_batch_size(1438), 15);
  EXPECT_EQ(auto_mini_batch_size(60000), 600);
  EXPECT_EQ(auto_mini_batch_size(100000), 1000);
  EXPECT_EQ(auto_mini_batch_size(5000000), 1000);
  TrainConfig c = resolve({{"predictor_type", "binary_classifier"}}, 4000, 12, false);
  EXPECT_EQ(c.mini_batch_size, 40);
  EXPECT_EQ(c.resolved["mini_batch_size"], 40);
  EXPECT_EQ(c.updates_per_epoch, 100);
  TrainConfig given = resolve({{"predictor_type", "binary_classifier"}, {"mini_batch_size", "1000"}}, 4000, 12, false);
  EXPECT_EQ(given.mini_batch_size, 1000);
}

TEST(ModelGrid, FollowsTheDocumentedGrid) {
  ModelSettings base;
  base.learning_rate = 0.1;
  base.optimizer.kind = OptimizerKind::kAdam;
  const auto grid = build_model_grid(base, 9, [](OptimizerKind) { return 0.5; });
  ASSERT_EQ(grid.size(), 9U);
  EXPECT_DOUBLE_EQ(grid[0].learning_rate, 0.1);
  EXPECT_DOUBLE_EQ(grid[1].learning_rate, 0.1 * 0.3);
  EXPECT_DOUBLE_EQ(grid[2].learning_rate, 0.1 * 3);
  EXPECT_DOUBLE_EQ(grid[4].wd, 1e-5);
  EXPECT_EQ(grid[5].optimizer.kind, OptimizerKind::kSgd);
  EXPECT_DOUBLE_EQ(grid[5].learning_rate, 0.5);
  EXPECT_DOUBLE_EQ(grid[6].l1, 1e-5);
  EXPECT_DOUBLE_EQ(grid[8].learning_rate, 0.1 * 0.3 * 0.5);  // second round halves
}

}  // namespace
}  // namespace linlearn
