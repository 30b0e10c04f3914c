#include "linlearn/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

// f(w) = sum_i a_i (w_i - c_i)^2, strongly convex with its minimum at w = c.
struct Quadratic {
  std::vector<double> a;
  std::vector<double> c;

  std::vector<float> gradient(const std::vector<float>& w) const {
    std::vector<float> g(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) g[i] = static_cast<float>(2.0 * a[i] * (w[i] - c[i]));
    return g;
  }
  // Minimizer of f(w) + wd/2 |w|^2 + l1 |w|_1: soft-thresholded, then shrunk by the L2 term.
  double optimum(std::size_t i, double wd, double l1) const {
    const double pull = 2.0 * a[i] * c[i];
    if (std::abs(pull) <= l1) return 0.0;
    return (pull - std::copysign(l1, pull)) / (2.0 * a[i] + wd);
  }
};

const Quadratic kQuadratic{{0.5, 1.0, 2.0, 1.5}, {1.0, -2.0, 0.5, 3.0}};

struct Case {
  std::string name;
  OptimizerParams params;
  double learning_rate;
  int steps;
  double tolerance;
};

std::vector<Case> all_optimizers() {
  OptimizerParams sgd;
  sgd.kind = OptimizerKind::kSgd;
  OptimizerParams momentum = sgd;
  momentum.momentum = 0.9;
  OptimizerParams adam;
  adam.kind = OptimizerKind::kAdam;
  OptimizerParams rmsprop;
  rmsprop.kind = OptimizerKind::kRmsprop;
  rmsprop.beta_2 = 0.9;
  OptimizerParams rmsprop_momentum = rmsprop;
  rmsprop_momentum.momentum = 0.9;
  OptimizerParams adagrad;
  adagrad.kind = OptimizerKind::kAdagrad;
  OptimizerParams ftrl;
  ftrl.kind = OptimizerKind::kFtrl;
  // RMSprop's steps stay near lr in size close to the minimum, hence its small lr and loose tolerance.
  return {{"sgd", sgd, 0.1, 300, 1e-4},
          {"sgd+momentum", momentum, 0.05, 400, 1e-4},
          {"adam", adam, 0.05, 2000, 1e-3},
          {"rmsprop", rmsprop, 0.002, 4000, 1e-2},
          {"rmsprop+momentum", rmsprop_momentum, 0.002, 4000, 1e-2},
          {"adagrad", adagrad, 0.5, 2000, 1e-3},
          {"ftrl", ftrl, 0.5, 3000, 1e-3}};
}

std::vector<float> minimize(Optimizer& optimizer, const Quadratic& f, const StepSettings& settings, int steps) {
  std::vector<float> w(f.a.size(), 0.0F);
  for (int t = 0; t < steps; ++t) {
    const std::vector<float> g = f.gradient(w);
    optimizer.step(0, w.data(), g.data(), w.size(), settings);
  }
  return w;
}

TEST(OptimizerTest, NamesRoundTrip) {
  for (const auto& [kind, name] :
       {std::pair{OptimizerKind::kSgd, "sgd"}, std::pair{OptimizerKind::kAdam, "adam"},
        std::pair{OptimizerKind::kRmsprop, "rmsprop"}, std::pair{OptimizerKind::kAdagrad, "adagrad"},
        std::pair{OptimizerKind::kFtrl, "ftrl"}}) {
    EXPECT_EQ(optimizer_kind_name(kind), name);
    EXPECT_EQ(parse_optimizer_kind(name), kind);
  }
  try {
    parse_optimizer_kind("auto");
    FAIL() << "expected UsageError";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(), "optimizer: 'auto' is not one of sgd, adam, rmsprop, adagrad, ftrl");
  }
}

TEST(OptimizerTest, EachOptimizerReachesTheMinimum) {
  for (const Case& c : all_optimizers()) {
    const auto optimizer = make_optimizer(c.params);
    const std::vector<float> w = minimize(*optimizer, kQuadratic, {c.learning_rate, 0.0, 0.0}, c.steps);
    for (std::size_t i = 0; i < w.size(); ++i) {
      EXPECT_NEAR(w[i], kQuadratic.c[i], c.tolerance) << c.name << " w" << i;
    }
  }
}

TEST(OptimizerTest, WeightDecayShiftsTheMinimumToTheRidgeSolution) {
  const double wd = 0.8;
  for (const Case& c : all_optimizers()) {
    const auto optimizer = make_optimizer(c.params);
    const std::vector<float> w = minimize(*optimizer, kQuadratic, {c.learning_rate, wd, 0.0}, c.steps);
    for (std::size_t i = 0; i < w.size(); ++i) {
      EXPECT_NEAR(w[i], kQuadratic.optimum(i, wd, 0.0), c.tolerance) << c.name << " w" << i;
      EXPECT_GT(std::abs(kQuadratic.c[i] - kQuadratic.optimum(i, wd, 0.0)), 0.05);  // a real shift
    }
  }
}

TEST(OptimizerTest, L1ReachesTheSoftThresholdedMinimumWithExactZeros) {
  // |2 a c| = 1, 4, 2, 9: l1 = 2.5 zeroes coordinates 0 and 2 and shrinks 1 and 3.
  const double l1 = 2.5;
  const double wd = 0.2;
  ASSERT_NE(kQuadratic.optimum(1, wd, l1), 0.0);
  ASSERT_NE(kQuadratic.optimum(3, wd, l1), 0.0);
  for (const Case& c : all_optimizers()) {
    const auto optimizer = make_optimizer(c.params);
    const std::vector<float> w = minimize(*optimizer, kQuadratic, {c.learning_rate, wd, l1}, c.steps);
    EXPECT_EQ(w[0], 0.0F) << c.name;
    EXPECT_EQ(w[2], 0.0F) << c.name;
    EXPECT_NEAR(w[1], kQuadratic.optimum(1, wd, l1), c.tolerance) << c.name;
    EXPECT_NEAR(w[3], kQuadratic.optimum(3, wd, l1), c.tolerance) << c.name;
  }
}

TEST(OptimizerTest, L1ThresholdIsTheStepPerUnitGradientTimesL1) {
  const std::vector<float> grads = {0.0F, 0.0F, 4.0F};
  const StepSettings settings{0.1, 0.0, 2.0};
  // Plain SGD: soft-threshold by learning_rate * l1 = 0.2.
  OptimizerParams params;
  params.kind = OptimizerKind::kSgd;
  std::vector<float> w = {1.0F, -0.15F, 1.0F};
  make_optimizer(params)->step(0, w.data(), grads.data(), 3, settings);
  EXPECT_FLOAT_EQ(w[0], 0.8F);
  EXPECT_EQ(w[1], 0.0F);
  EXPECT_FLOAT_EQ(w[2], 1.0F - 0.4F - 0.2F);
  // SGD with momentum 0.5: a steady velocity is twice lr * g, so the threshold doubles to 0.4.
  params.momentum = 0.5;
  w = {1.0F, -0.15F, 1.0F};
  make_optimizer(params)->step(0, w.data(), grads.data(), 3, settings);
  EXPECT_FLOAT_EQ(w[0], 0.6F);
  EXPECT_FLOAT_EQ(w[2], 1.0F - 0.4F - 0.4F);
  // Adam's first step moves by lr / (|g| + eps) per unit of gradient: threshold 0.2 / 4 for w[2].
  params.kind = OptimizerKind::kAdam;
  params.momentum = 0.0;
  w = {1.0F, -0.15F, 1.0F};
  make_optimizer(params)->step(0, w.data(), grads.data(), 3, settings);
  EXPECT_NEAR(w[2], 1.0 - 0.1 - 0.05, 1e-6);
}

TEST(OptimizerTest, FirstStepsFollowTheUpdateRules) {
  const std::vector<float> g1 = {0.5F, -2.0F};
  const std::vector<float> g2 = {1.0F, 1.0F};
  const double lr = 0.1;

  OptimizerParams params;
  params.kind = OptimizerKind::kSgd;
  params.momentum = 0.5;
  auto sgd = make_optimizer(params);
  std::vector<float> w = {1.0F, 1.0F};
  sgd->step(0, w.data(), g1.data(), 2, {lr, 0.0, 0.0});
  sgd->step(0, w.data(), g2.data(), 2, {lr, 0.0, 0.0});
  for (int i = 0; i < 2; ++i) {
    const double v2 = 0.5 * (-lr * g1[i]) - lr * g2[i];
    EXPECT_NEAR(w[i], 1.0 - lr * g1[i] + v2, 1e-6) << i;
  }

  // Adam's first bias-corrected step moves each coordinate by lr against the gradient's sign.
  params.kind = OptimizerKind::kAdam;
  auto adam = make_optimizer(params);
  w = {1.0F, 1.0F};
  adam->step(0, w.data(), g1.data(), 2, {lr, 0.0, 0.0});
  EXPECT_NEAR(w[0], 1.0 - lr, 1e-6);
  EXPECT_NEAR(w[1], 1.0 + lr, 1e-6);

  // RMSprop's first step: s = (1 - beta_2) g^2, so the step is lr / sqrt(1 - beta_2) in size;
  // with momentum the second step adds mu times the first.
  params.kind = OptimizerKind::kRmsprop;
  params.beta_2 = 0.9;
  params.momentum = 0.0;
  auto rmsprop = make_optimizer(params);
  w = {1.0F, 1.0F};
  rmsprop->step(0, w.data(), g1.data(), 2, {lr, 0.0, 0.0});
  EXPECT_NEAR(w[0], 1.0 - lr / std::sqrt(0.1), 1e-5);
  EXPECT_NEAR(w[1], 1.0 + lr / std::sqrt(0.1), 1e-5);
  params.momentum = 0.5;
  auto rmsprop_momentum = make_optimizer(params);
  w = {1.0F, 1.0F};
  const std::vector<float> same = {1.0F, 1.0F};
  rmsprop_momentum->step(0, w.data(), same.data(), 2, {lr, 0.0, 0.0});
  rmsprop_momentum->step(0, w.data(), same.data(), 2, {lr, 0.0, 0.0});
  const double first = lr / std::sqrt(0.1);
  const double second = lr / std::sqrt(0.9 * 0.1 + 0.1) + 0.5 * first;
  EXPECT_NEAR(w[0], 1.0 - first - second, 1e-5);
}

TEST(OptimizerTest, StepRowsTouchesOnlyTheGivenRows) {
  constexpr std::size_t kRows = 5;
  constexpr std::size_t kCols = 3;
  const std::vector<std::uint32_t> touched = {1, 3};
  std::vector<float> grads(kRows * kCols);
  for (std::size_t i = 0; i < grads.size(); ++i) grads[i] = 0.25F * static_cast<float>(i + 1);
  const StepSettings settings{0.1, 0.01, 0.001};

  for (const Case& c : all_optimizers()) {
    const auto sparse = make_optimizer(c.params);
    const auto dense = make_optimizer(c.params);
    std::vector<float> w(kRows * kCols, 1.0F);
    std::vector<float> reference = w;
    std::vector<float> touched_grads;
    for (std::uint32_t row : touched)
      touched_grads.insert(touched_grads.end(), grads.begin() + row * kCols, grads.begin() + (row + 1) * kCols);
    sparse->step_rows(0, w.data(), touched_grads.data(), w.size(), touched, kCols, settings);
    dense->step(0, reference.data(), grads.data(), reference.size(), settings);
    for (std::size_t row = 0; row < kRows; ++row) {
      const bool is_touched = row == 1 || row == 3;
      for (std::size_t col = 0; col < kCols; ++col) {
        const std::size_t i = row * kCols + col;
        EXPECT_EQ(w[i], is_touched ? reference[i] : 1.0F) << c.name << " row " << row << " col " << col;
      }
    }
  }
}

TEST(OptimizerTest, StepRowsLeavesTheStateOfUntouchedRowsAlone) {
  // With momentum, a row stepped for the first time moves by exactly lr * g: its velocity is still
  // zero although other rows have built up momentum.
  OptimizerParams params;
  params.kind = OptimizerKind::kSgd;
  params.momentum = 0.9;
  const auto optimizer = make_optimizer(params);
  std::vector<float> w(4 * 2, 0.0F);
  const std::vector<float> grads(w.size(), 1.0F);
  const StepSettings settings{0.5, 0.0, 0.0};
  optimizer->step_rows(0, w.data(), grads.data(), w.size(), {1, 2}, 2, settings);
  optimizer->step_rows(0, w.data(), grads.data(), w.size(), {1, 2}, 2, settings);
  optimizer->step_rows(0, w.data(), grads.data(), w.size(), {0, 1}, 2, settings);
  EXPECT_FLOAT_EQ(w[0], -0.5F);                   // first step of row 0
  EXPECT_FLOAT_EQ(w[2], -0.5F - 0.95F - 1.355F);  // third step of row 1
  EXPECT_FLOAT_EQ(w[4], -0.5F - 0.95F);           // row 2 stopped after two
  EXPECT_FLOAT_EQ(w[6], 0.0F);                    // row 3 never moved
}

// A row skipped by some sparse steps gets their weight decay and l1 when it is next stepped: with
// zero gradients, plain SGD ends where dense steps on every row would.
TEST(OptimizerTest, StepRowsCatchesUpTheRegularizationOfSkippedSteps) {
  OptimizerParams params;
  params.kind = OptimizerKind::kSgd;
  for (const StepSettings settings : {StepSettings{0.1, 0.5, 0.0}, StepSettings{0.1, 0.0, 0.25}}) {
    const auto sparse = make_optimizer(params);
    const auto dense = make_optimizer(params);
    std::vector<float> w = {1.0F, -2.0F, 3.0F};
    std::vector<float> reference = w;
    const std::vector<float> zero(w.size(), 0.0F);
    for (int t = 0; t < 5; ++t) {
      const std::vector<std::uint32_t> rows =
          t == 0 || t == 4 ? std::vector<std::uint32_t>{0, 1} : std::vector<std::uint32_t>{1};
      sparse->step_rows(0, w.data(), zero.data(), w.size(), rows, 1, settings);
      dense->step(0, reference.data(), zero.data(), reference.size(), settings);
    }
    EXPECT_FLOAT_EQ(w[0], reference[0]);
    EXPECT_FLOAT_EQ(w[1], reference[1]);
    EXPECT_EQ(w[2], 3.0F);  // never stepped: caught up on its next step
    EXPECT_LT(std::abs(reference[0]), 1.0F);
  }
}

TEST(OptimizerTest, StepRowsRejectsRowsOutsideTheBlock) {
  const auto optimizer = make_optimizer(OptimizerParams{});
  std::vector<float> w(6, 0.0F);
  const std::vector<float> grads(6, 1.0F);
  EXPECT_THROW(optimizer->step_rows(0, w.data(), grads.data(), 6, {3}, 2, {}), std::invalid_argument);
  EXPECT_THROW(optimizer->step_rows(0, w.data(), grads.data(), 6, {0}, 4, {}), std::invalid_argument);
}

TEST(OptimizerTest, BlocksKeepSeparateStateAndSize) {
  const auto optimizer = make_optimizer(OptimizerParams{});  // adam
  std::vector<float> weights(3, 0.0F);
  std::vector<float> bias(1, 0.0F);
  const std::vector<float> grads(3, 1.0F);
  optimizer->step(0, weights.data(), grads.data(), 3, {0.1, 0.0, 0.0});
  optimizer->step(1, bias.data(), grads.data(), 1, {0.1, 0.0, 0.0});
  EXPECT_FLOAT_EQ(bias[0], weights[0]);  // the bias block starts its own step count at 1
  EXPECT_THROW(optimizer->step(1, bias.data(), grads.data(), 3, {0.1, 0.0, 0.0}), std::invalid_argument);
}

// Runs a mix of dense and row steps on two blocks.
void train(Optimizer& optimizer, std::vector<float>& weights, std::vector<float>& bias, int first, int last) {
  for (int t = first; t < last; ++t) {
    std::vector<float> g(weights.size());
    for (std::size_t i = 0; i < g.size(); ++i) {
      g[i] = static_cast<float>(std::sin(0.7 * t + static_cast<double>(i)) + 0.3 * weights[i]);
    }
    const StepSettings settings{0.05, 0.01, t % 2 == 0 ? 0.02 : 0.0};
    if (t % 3 == 0) {
      const std::vector<std::uint32_t> rows = {static_cast<std::uint32_t>(t % 4)};
      optimizer.step_rows(0, weights.data(), g.data() + 2 * rows[0], g.size(), rows, 2, settings);
    } else {
      optimizer.step(0, weights.data(), g.data(), g.size(), settings);
    }
    const float bias_grad = static_cast<float>(std::cos(0.3 * t)) + bias[0];
    optimizer.step(1, bias.data(), &bias_grad, 1, settings);
  }
}

TEST(OptimizerTest, RestoredStateContinuesBitIdentically) {
  for (const Case& c : all_optimizers()) {
    const auto uninterrupted = make_optimizer(c.params);
    std::vector<float> weights(8, 0.5F);
    std::vector<float> bias(1, -0.5F);
    train(*uninterrupted, weights, bias, 0, 40);

    const auto before = make_optimizer(c.params);
    std::vector<float> resumed_weights(8, 0.5F);
    std::vector<float> resumed_bias(1, -0.5F);
    train(*before, resumed_weights, resumed_bias, 0, 17);
    const OptimizerState state = before->save_state();
    const auto after = make_optimizer(c.params);
    after->load_state(state);
    EXPECT_EQ(after->save_state(), state) << c.name;
    train(*after, resumed_weights, resumed_bias, 17, 40);

    EXPECT_EQ(resumed_weights, weights) << c.name;
    EXPECT_EQ(resumed_bias, bias) << c.name;
  }
}

TEST(OptimizerTest, LoadStateRejectsForeignOrDamagedState) {
  OptimizerParams adam_params;
  adam_params.kind = OptimizerKind::kAdam;
  OptimizerParams rmsprop_params;
  rmsprop_params.kind = OptimizerKind::kRmsprop;
  const auto adam = make_optimizer(adam_params);
  std::vector<float> w(3, 1.0F);
  const std::vector<float> g(3, 1.0F);
  adam->step(0, w.data(), g.data(), 3, {0.1, 0.0, 0.0});
  const OptimizerState state = adam->save_state();
  ASSERT_EQ(state.moments.size(), 6U);  // the first and second moments of the 3 weights
  EXPECT_NO_THROW(make_optimizer(adam_params)->load_state(state));

  EXPECT_THROW(make_optimizer(rmsprop_params)->load_state(state), InputError);
  const std::vector<std::pair<const char*, std::function<void(OptimizerState&)>>> damages = {
      {"a value short", [](OptimizerState& s) { s.values.pop_back(); }},
      {"a value extra", [](OptimizerState& s) { s.values.push_back(0.0); }},
      {"a moment short", [](OptimizerState& s) { s.moments.pop_back(); }},
      {"a moment extra", [](OptimizerState& s) { s.moments.push_back(0.0F); }},
      {"empty", [](OptimizerState& s) { s = {}; }},
  };
  for (const auto& [what, damage] : damages) {
    OptimizerState damaged = state;
    damage(damaged);
    EXPECT_THROW(make_optimizer(adam_params)->load_state(damaged), InputError) << what;
  }
}

}  // namespace
}  // namespace linlearn
