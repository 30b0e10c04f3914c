// adagrad and ftrl against their definitions: a constant gradient fed through the updater (as
// xgboost tests its updaters) must give the closed forms of the papers step by step, and the
// per-record sparse steps must be the online algorithm's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "linlearn/optimizer.h"

namespace linlearn {
namespace {

std::unique_ptr<Optimizer> optimizer_of(OptimizerKind kind) {
  OptimizerParams params;
  params.kind = kind;
  return make_optimizer(params);
}

// AdaGrad (Duchi et al. 2011): w_t = w_{t-1} - lr g / (sqrt(t g^2) + eps).
TEST(SparseOptimizerTest, AdagradOnAConstantGradientFollowsItsClosedForm) {
  const auto adagrad = optimizer_of(OptimizerKind::kAdagrad);
  const std::vector<float> g = {0.5F, -2.0F, 0.0F};
  std::vector<float> w = {0.25F, 0.25F, 0.25F};
  const double lr = 0.3;
  std::vector<double> expected(w.begin(), w.end());
  for (int t = 1; t <= 50; ++t) {
    adagrad->step(0, w.data(), g.data(), w.size(), {lr, 0.0, 0.0});
    for (std::size_t i = 0; i < w.size(); ++i) {
      expected[i] -= lr * g[i] / (std::sqrt(t * static_cast<double>(g[i]) * g[i]) + 1e-8);
      ASSERT_NEAR(w[i], expected[i], 1e-5 * (1 + std::abs(expected[i]))) << "step " << t << " w" << i;
    }
  }
  EXPECT_EQ(w[2], 0.25F);  // no gradient, no penalty: untouched
}

// FTRL-Proximal (McMahan et al. 2013, algorithm 1) with beta = 1: n += g^2, sigma = (sqrt(n) -
// sqrt(n_before)) / alpha, z += g - sigma w, w = -(z - sign(z) l1) / ((beta + sqrt(n)) / alpha + l2),
// or 0 when |z| <= l1; the penalties l1 and l2 weigh per record, so after t single-record steps
// they are t l1 and t l2.
TEST(SparseOptimizerTest, FtrlOnAConstantGradientFollowsTheAlgorithmOfThePaper) {
  for (const StepSettings settings : {StepSettings{0.5, 0.0, 0.0}, StepSettings{0.5, 0.01, 0.1}}) {
    const auto ftrl = optimizer_of(OptimizerKind::kFtrl);
    const std::vector<float> g = {0.5F, -2.0F};
    std::vector<float> w = {0.0F, 0.0F};
    std::vector<double> z(2, 0.0), n(2, 0.0), reference(2, 0.0);
    const double alpha = settings.learning_rate;
    for (int t = 1; t <= 50; ++t) {
      ftrl->step(0, w.data(), g.data(), w.size(), settings);
      const double l1 = settings.l1 * t;
      const double l2 = settings.wd * t;
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double squares = n[i] + static_cast<double>(g[i]) * g[i];
        z[i] += g[i] - (std::sqrt(squares) - std::sqrt(n[i])) / alpha * reference[i];
        n[i] = squares;
        reference[i] =
            std::abs(z[i]) <= l1 ? 0.0 : -(z[i] - std::copysign(l1, z[i])) / ((1.0 + std::sqrt(n[i])) / alpha + l2);
        ASSERT_NEAR(w[i], reference[i], 1e-4 * (1 + std::abs(reference[i]))) << "step " << t << " w" << i;
      }
    }
    EXPECT_NE(w[1], 0.0F);
  }
}

// A per-record l1 above the gradient keeps an FTRL weight at exactly 0 (the sparsity FTRL is for).
TEST(SparseOptimizerTest, FtrlWithL1AboveTheGradientKeepsExactZeros) {
  const auto ftrl = optimizer_of(OptimizerKind::kFtrl);
  const std::vector<float> g = {0.5F, -0.05F};
  std::vector<float> w = {0.0F, 0.0F};
  for (int t = 0; t < 20; ++t) ftrl->step(0, w.data(), g.data(), w.size(), {0.5, 0.0, 0.1});
  EXPECT_LT(w[0], 0.0F);
  EXPECT_EQ(w[1], 0.0F);
}

// On sparse data adagrad and ftrl step on each record in turn: a row listed twice in one sparse
// step takes both gradients in order, as two single-record steps would.
TEST(SparseOptimizerTest, ARowListedTwiceIsSteppedTwiceInOrder) {
  for (const OptimizerKind kind : {OptimizerKind::kAdagrad, OptimizerKind::kFtrl}) {
    ASSERT_TRUE(steps_per_record(kind));
    const auto once = optimizer_of(kind);
    const auto twice = optimizer_of(kind);
    std::vector<float> a(3 * 2, 0.1F);
    std::vector<float> b = a;
    const std::vector<float> grads = {0.5F, -1.0F, 2.0F, 0.25F};  // row 1's two records
    once->step_rows(0, a.data(), grads.data(), a.size(), {1, 1}, 2, {0.4, 0.0, 0.0});
    twice->step_rows(0, b.data(), grads.data(), b.size(), {1}, 2, {0.4, 0.0, 0.0});
    twice->step_rows(0, b.data(), grads.data() + 2, b.size(), {1}, 2, {0.4, 0.0, 0.0});
    EXPECT_EQ(a, b) << optimizer_kind_name(kind);
    EXPECT_NE(a[2], 0.1F);
    EXPECT_EQ(a[0], 0.1F);  // rows not listed are left alone
  }
  EXPECT_FALSE(steps_per_record(OptimizerKind::kAdam));
}

// The proximal step of adagrad under `s` at `rate` (Duchi et al.'s composite mirror descent with
// McMahan et al.'s per-record lambda_1 and lambda_2: `records` records' worth of each).
double adagrad_proximal(double w, double rate, const StepSettings& s) {
  const double shift = rate * s.records * s.l1;
  const double shrunk = w > shift ? w - shift : (w < -shift ? w + shift : 0.0);
  return shrunk / (1.0 + rate * s.records * s.wd);
}

// wd and l1 weigh per record: one sparse step of `records` records gives each row its records'
// worth once, however many of them hold the row (as a row no record holds is caught up by one
// step's worth). Here the row's first record has a gradient and the others 0 there: they do not
// move it, so the step must end where a step of that one record ends, the closed form.
TEST(SparseOptimizerTest, AdagradPenalizesARowOncePerStepHoweverManyRecordsHoldIt) {
  for (const StepSettings settings : {StepSettings{0.4, 0.05, 0.0, 4.0}, StepSettings{0.4, 0.0, 0.01, 4.0}}) {
    for (std::size_t holding = 1; holding <= 3; ++holding) {
      const auto adagrad = optimizer_of(OptimizerKind::kAdagrad);
      std::vector<float> w(2 * 2, 0.5F);
      std::vector<float> grads(2 * holding, 0.0F);
      grads[0] = 0.25F;  // mean contributions: times `records`, gradients 1 and -2
      grads[1] = -0.5F;
      adagrad->step_rows(0, w.data(), grads.data(), w.size(), std::vector<std::uint32_t>(holding, 1), 2, settings);
      for (std::size_t col = 0; col < 2; ++col) {
        const double g = grads[col] * settings.records;
        const double rate = settings.learning_rate / (std::abs(g) + 1e-8);
        const double expected = adagrad_proximal(0.5 - rate * g, rate, settings);
        EXPECT_NEAR(w[2 + col], expected, 1e-6) << holding << " records hold the row, col " << col;
      }
      EXPECT_EQ(w[0], 0.5F);  // row 0: no record, no step (its penalty comes with its catch-up)
    }
  }
}

// The penalties go with a row's last update in the step, as after a dense step: a large l1 leaves
// the row's weight at exactly 0 after the step, whatever its records did before.
TEST(SparseOptimizerTest, AdagradL1LeavesExactZerosAfterAStepOfSeveralRecords) {
  const auto adagrad = optimizer_of(OptimizerKind::kAdagrad);
  std::vector<float> w = {0.5F};
  const std::vector<float> grads = {0.1F, -0.05F, 0.02F};
  adagrad->step_rows(0, w.data(), grads.data(), w.size(), {0, 0, 0}, 1, {0.1, 0.0, 0.5, 3.0});
  EXPECT_EQ(w[0], 0.0F);
}

}  // namespace
}  // namespace linlearn
