// Selection alone: candidates scored on a channel, the best by the criterion with its threshold,
// pruned and diverged models skipped, and the selected model's scores handed back.
#include "train/selector.h"

#include <gtest/gtest.h>

#include <cmath>

#include <spdlog/sinks/null_sink.h>

#include "train/synthetic.h"

namespace linlearn {
namespace {

Normalization identity(std::size_t d) {
  Normalization n;
  n.mean.assign(d, 0.0);
  n.scale.assign(d, 1.0);
  return n;
}

// The synthetic model's signs (+1.5 / -1 per feature, divided by its scale), times `strength`.
ModelParameters signs(std::size_t d, float strength) {
  ModelParameters p;
  for (std::size_t j = 0; j < d; ++j) {
    const double scale = std::pow(10.0, static_cast<double>(j % 4) - 1.0);
    p.weights.push_back(strength * static_cast<float>((j % 2 == 0 ? 1.5 : -1.0) / scale));
  }
  p.bias = {0.0F};
  return p;
}

struct Fixture {
  Dataset validation = testing::logistic_data(2000, 4, 21);
  TrainConfig config;
  spdlog::logger log{"test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  Normalization norm = identity(4);
  std::unique_ptr<Loss> loss;
  ClassWeights weights;
  ThreadPool pool{2};
  LocalCommunicator comm;

  Fixture() {
    const DataFacts facts{2000, 4, false, {1000, 1000}};
    config = resolve_config({{"predictor_type", "binary_classifier"}, {"num_models", "4"}}, &facts);
    loss = make_loss(config.loss, config.loss_params);
  }
};

// Model 0 is noise (weights of the wrong sign), 1 the right direction, 2 better but pruned, 3 has
// no best epoch: only 0 and 1 are candidates and 1 wins.
TEST(Selector, PicksTheBestCandidateAndReturnsItsScores) {
  Fixture f;
  ModelSet models(f.config, {signs(4, -1), signs(4, 0.5F), signs(4, 1), signs(4, 1)}, false, f.log);
  for (std::size_t m = 0; m < 4; ++m) {
    models.state(m).best = models.state(m).params;
    models.outcomes()[m].best_epoch = m == 3 ? -1 : 0;
  }
  models.outcomes()[2].status = ModelStatus::kPruned;
  TrainOutcome outcome;
  outcome.epochs.resize(1);
  outcome.epochs[0].models.resize(4);
  Selector selector(f.config, f.norm, *f.loss, f.weights, f.pool, f.comm);
  selector.select(models, {"validation", &f.validation, nullptr}, outcome);
  ASSERT_EQ(outcome.selected, 1);
  EXPECT_EQ(outcome.selected_on, "validation");
  EXPECT_EQ(outcome.selection_criterion, "accuracy");
  EXPECT_EQ(outcome.calibration_records, 2000U);
  EXPECT_GT(models.outcomes()[1].selection_score, models.outcomes()[0].selection_score);
  ASSERT_TRUE(outcome.selected_scores.has_value());
  const RowMatrix again =
      compute_margins(f.validation, stacked_weights(outcome.model), stacked_bias(outcome.model), f.pool);
  EXPECT_TRUE(again == outcome.selected_scores->margins);
  EXPECT_EQ(outcome.model.threshold, models.outcomes()[1].threshold);
}

TEST(Selector, ACandidateWithANonFiniteLossIsMarkedDiverged) {
  Fixture f;
  ModelParameters broken = signs(4, 1);
  broken.weights[0] = NAN;
  ModelSet models(f.config, {broken, signs(4, 0.5F), signs(4, 1), signs(4, 1)}, false, f.log);
  for (std::size_t m = 0; m < 4; ++m) {
    models.state(m).best = models.state(m).params;
    models.outcomes()[m].best_epoch = m < 2 ? 0 : -1;
  }
  TrainOutcome outcome;
  Selector selector(f.config, f.norm, *f.loss, f.weights, f.pool, f.comm);
  selector.select(models, {"validation", &f.validation, nullptr}, outcome);
  EXPECT_EQ(models.outcomes()[0].status, ModelStatus::kDiverged);
  EXPECT_EQ(outcome.selected, 1);
}

}  // namespace
}  // namespace linlearn
