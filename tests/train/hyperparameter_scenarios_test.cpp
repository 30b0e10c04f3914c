// End-to-end behaviour of the SageMaker hyperparameters on seeded synthetic data: each loss,
// l1, class weighting, threshold calibration and num_models do what their names promise.
#include <gtest/gtest.h>

#include <cmath>

#include <spdlog/sinks/null_sink.h>

#include "linlearn/class_weights.h"
#include "linlearn/random.h"
#include "linlearn/scoring.h"
#include "linlearn/trainer.h"

namespace linlearn {
namespace {

struct Split {
  Dataset train, validation, test;
};

// y = x . w + noise; `outliers` of the training labels are shifted far away.
Split regression_data(std::size_t rows, const std::vector<double>& w, double outliers, std::uint64_t seed) {
  Split s;
  Rng rng(seed, RandomStream::kShuffle, 7);
  for (Dataset* d : {&s.train, &s.validation, &s.test}) {
    d->feature_dim = w.size();
    const std::size_t n = d == &s.train ? rows : rows / 2;
    for (std::size_t r = 0; r < n; ++r) {
      double y = 1.0;
      for (double wj : w) {
        const double x = rng.normal();
        d->dense.push_back(static_cast<float>(x));
        y += wj * x;
      }
      y += rng.normal();
      if (d == &s.train && rng.uniform() < outliers) y += 200 + 100 * rng.uniform();
      d->labels.push_back(static_cast<float>(y));
    }
  }
  return s;
}

// Binary data whose positives are a `positive_rate` minority.
Split binary_data(std::size_t rows, std::size_t dim, double positive_rate, std::uint64_t seed) {
  Split s;
  Rng rng(seed, RandomStream::kShuffle, 8);
  const double bias = std::log(positive_rate / (1 - positive_rate)) - 1.0;
  for (Dataset* d : {&s.train, &s.validation, &s.test}) {
    d->feature_dim = dim;
    const std::size_t n = d == &s.train ? rows : rows / 2;
    for (std::size_t r = 0; r < n; ++r) {
      double margin = bias;
      for (std::size_t j = 0; j < dim; ++j) {
        const double x = rng.normal();
        d->dense.push_back(static_cast<float>(x));
        if (j < 4) margin += 1.2 * x;
      }
      d->labels.push_back(rng.uniform() < 1 / (1 + std::exp(-margin)) ? 1.0F : 0.0F);
    }
  }
  return s;
}

struct TrainedRun {
  TrainOutcome outcome;
  TrainConfig config;
};

TrainedRun train(const Split& data, HyperparameterValues values) {
  static auto log = spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  values.emplace("num_models", "1");
  values.emplace("seed", "3");
  const DataFacts facts = describe_training_data(data.train, resolve_config(values));
  TrainConfig c = resolve_config(values, &facts);
  ThreadPool pool(2);
  return {train_models(c, Channels{&data.train, &data.validation, &data.test}, pool, log), c};
}

std::vector<float> predictions(const LinearModel& model, const Dataset& data) {
  ThreadPool pool(1);
  const RowMatrix m = compute_margins(data, stacked_weights(model), stacked_bias(model), pool);
  const auto loss = make_loss(model.loss, model.loss_params);
  std::vector<float> out(data.rows());
  for (std::size_t r = 0; r < out.size(); ++r) loss->link(m.row(static_cast<Eigen::Index>(r)).data(), &out[r]);
  return out;
}

MetricMap binary_test_metrics(const TrainedRun& run, const Dataset& data) {
  const std::vector<float> weights(data.rows(), 1.0F);
  return binary_metrics(predictions(run.outcome.model, data), data.labels, weights, run.outcome.model.threshold, 1.0);
}

TEST(Scenarios, QuantileLossPredictsTheQuantile) {
  const Split data = regression_data(6000, {2.0, -1.0, 0.5}, 0.0, 1);
  const TrainedRun run = train(data, {{"predictor_type", "regressor"},
                                      {"loss", "quantile_loss"},
                                      {"quantile", "0.9"},
                                      {"epochs", "20"},
                                      {"mini_batch_size", "100"}});
  const auto pred = predictions(run.outcome.model, data.test);
  double below = 0;
  for (std::size_t r = 0; r < pred.size(); ++r) below += data.test.labels[r] < pred[r];
  EXPECT_NEAR(below / static_cast<double>(pred.size()), 0.9, 0.02);
}

TEST(Scenarios, HuberResistsOutliersThatPullSquaredLoss) {
  const std::vector<double> truth{3.0, -2.0, 1.0, 0.5};
  const Split data = regression_data(4000, truth, 0.05, 2);
  const auto weight_error = [&](const LinearModel& m) {
    double e = 0;
    for (std::size_t j = 0; j < truth.size(); ++j) e += std::abs(m.weights[j] - truth[j]);
    return e + std::abs(m.bias[0] - 1.0);
  };
  const HyperparameterValues common{{"predictor_type", "regressor"}, {"epochs", "20"}, {"mini_batch_size", "100"}};
  HyperparameterValues huber = common, squared = common;
  huber["loss"] = "huber_loss";
  huber["huber_delta"] = "2";
  squared["loss"] = "squared_loss";
  const double huber_error = weight_error(train(data, huber).outcome.model);
  const double squared_error = weight_error(train(data, squared).outcome.model);
  EXPECT_LT(huber_error, 1.0);
  EXPECT_GT(squared_error, 3 * huber_error);
}

TEST(Scenarios, L1ZeroesIrrelevantFeaturesExactly) {
  const Split data = binary_data(4000, 20, 0.5, 3);
  const TrainedRun run = train(data, {{"predictor_type", "binary_classifier"},
                                      {"l1", "0.02"},
                                      {"epochs", "10"},
                                      {"mini_batch_size", "100"},
                                      {"optimizer", "sgd"}});
  int zero_irrelevant = 0;
  for (std::size_t j = 4; j < 20; ++j) zero_irrelevant += run.outcome.model.weights[j] == 0.0F;
  EXPECT_GE(zero_irrelevant, 14);
  for (std::size_t j = 0; j < 4; ++j) EXPECT_NE(run.outcome.model.weights[j], 0.0F) << j;
}

TEST(Scenarios, PrecisionAtTargetRecallReachesTheRecall) {
  const Split data = binary_data(4000, 8, 0.3, 4);
  const TrainedRun run = train(data, {{"predictor_type", "binary_classifier"},
                                      {"binary_classifier_model_selection_criteria", "precision_at_target_recall"},
                                      {"target_recall", "0.9"},
                                      {"epochs", "5"}});
  EXPECT_GE(binary_test_metrics(run, data.validation).at("recall"), 0.9);
}

TEST(Scenarios, BalancedWeightsRaiseMinorityRecall) {
  const Split data = binary_data(20000, 8, 0.02, 5);
  const HyperparameterValues common{{"predictor_type", "binary_classifier"},
                                    {"epochs", "5"},
                                    {"binary_classifier_model_selection_criteria", "loss_function"}};
  HyperparameterValues balanced = common;
  balanced["positive_example_weight_mult"] = "balanced";
  const double plain_recall = binary_test_metrics(train(data, common), data.test).at("recall");
  const double balanced_recall = binary_test_metrics(train(data, balanced), data.test).at("recall");
  EXPECT_GT(balanced_recall, plain_recall + 0.2);
}

TEST(Scenarios, MoreModelsSelectAtLeastAsGoodAModel) {
  const Split data = binary_data(4000, 10, 0.4, 6);
  const TrainedRun one = train(data, {{"predictor_type", "binary_classifier"}, {"epochs", "4"}});
  const TrainedRun eight = train(data, {{"predictor_type", "binary_classifier"}, {"epochs", "4"}, {"num_models", "8"}});
  const auto score = [](const TrainedRun& r) {
    return r.outcome.models[static_cast<std::size_t>(r.outcome.selected)].selection_score;
  };
  EXPECT_EQ(eight.outcome.models.size(), 8U);
  EXPECT_GE(score(eight), score(one) - 1e-3);
}

}  // namespace
}  // namespace linlearn
