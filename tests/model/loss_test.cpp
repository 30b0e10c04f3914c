#include "linlearn/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

const std::vector<LossKind> kAllKinds = {
    LossKind::kLogistic,
    LossKind::kSoftmax,
    LossKind::kSquared,
    LossKind::kHinge,
    LossKind::kAbsolute,
    LossKind::kEpsInsensitiveSquared,
    LossKind::kEpsInsensitiveAbsolute,
    LossKind::kQuantile,
    LossKind::kHuber,
};

LossParams test_params() {
  LossParams params;
  params.num_classes = 4;
  params.margin = 1.0;
  params.quantile = 0.8;
  params.loss_insensitivity = 0.5;
  params.huber_delta = 1.0;
  return params;
}

double value_of(const Loss& loss, float margin, float label) {
  return loss.value_and_gradient(&margin, label, nullptr);
}

float gradient_of(const Loss& loss, float margin, float label) {
  float grad = std::numeric_limits<float>::quiet_NaN();
  loss.value_and_gradient(&margin, label, &grad);
  return grad;
}

TEST(LossTest, NamesRoundTrip) {
  const std::vector<std::string> names = {"logistic",
                                          "softmax_loss",
                                          "squared_loss",
                                          "hinge_loss",
                                          "absolute_loss",
                                          "eps_insensitive_squared_loss",
                                          "eps_insensitive_absolute_loss",
                                          "quantile_loss",
                                          "huber_loss"};
  ASSERT_EQ(names.size(), kAllKinds.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(loss_kind_name(kAllKinds[i]), names[i]);
    EXPECT_EQ(parse_loss_kind(names[i]), kAllKinds[i]);
  }
}

TEST(LossTest, UnknownNameIsUsageErrorListingTheChoices) {
  try {
    parse_loss_kind("log_loss");
    FAIL() << "expected UsageError";
  } catch (const UsageError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("loss: 'log_loss' is not one of logistic, softmax_loss", 0), 0U) << message;
    EXPECT_NE(message.find("huber_loss"), std::string::npos) << message;
  }
  EXPECT_THROW(parse_loss_kind("auto"), UsageError);
  EXPECT_THROW(parse_loss_kind("Logistic"), UsageError);
}

TEST(LossTest, OutputsOnePerClassForSoftmaxOnly) {
  for (const LossKind kind : kAllKinds) {
    EXPECT_EQ(make_loss(kind, test_params())->outputs(), kind == LossKind::kSoftmax ? 4 : 1) << loss_kind_name(kind);
  }
}

TEST(LossTest, LogisticAtHandComputedPoints) {
  const auto loss = make_loss(LossKind::kLogistic, test_params());
  EXPECT_NEAR(value_of(*loss, 0.0F, 1.0F), std::log(2.0), 1e-12);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 0.0F, 1.0F), -0.5F);
  EXPECT_NEAR(value_of(*loss, 2.0F, 0.0F), std::log(1.0 + std::exp(2.0)), 1e-12);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 2.0F, 0.0F), static_cast<float>(1.0 / (1.0 + std::exp(-2.0))));
  EXPECT_NEAR(value_of(*loss, 2.0F, 1.0F), std::log(1.0 + std::exp(-2.0)), 1e-12);
}

TEST(LossTest, SoftmaxAtHandComputedPoint) {
  LossParams params = test_params();
  params.num_classes = 3;
  const auto loss = make_loss(LossKind::kSoftmax, params);
  const float margins[3] = {1.0F, 2.0F, 3.0F};
  float grad[3];
  const double normalizer = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  EXPECT_NEAR(loss->value_and_gradient(margins, 0.0F, grad), std::log(normalizer) - 1.0, 1e-12);
  EXPECT_FLOAT_EQ(grad[0], static_cast<float>(std::exp(1.0) / normalizer - 1.0));
  EXPECT_FLOAT_EQ(grad[1], static_cast<float>(std::exp(2.0) / normalizer));
  EXPECT_FLOAT_EQ(grad[2], static_cast<float>(std::exp(3.0) / normalizer));
}

TEST(LossTest, SquaredIsTheSquaredResidual) {
  const auto loss = make_loss(LossKind::kSquared, test_params());
  EXPECT_DOUBLE_EQ(value_of(*loss, 3.0F, 1.0F), 4.0);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 3.0F, 1.0F), 4.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, -1.5F, 0.5F), 4.0);
  EXPECT_FLOAT_EQ(gradient_of(*loss, -1.5F, 0.5F), -4.0F);
}

TEST(LossTest, HingeAtHandComputedPoints) {
  LossParams params = test_params();
  params.margin = 1.0;
  const auto loss = make_loss(LossKind::kHinge, params);
  EXPECT_NEAR(value_of(*loss, 0.3F, 1.0F), 0.7, 1e-7);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 0.3F, 1.0F), -1.0F);
  EXPECT_NEAR(value_of(*loss, 0.3F, 0.0F), 1.3, 1e-7);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 0.3F, 0.0F), 1.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, 2.0F, 1.0F), 0.0);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 2.0F, 1.0F), 0.0F);
  params.margin = 0.0;  // the perceptron loss
  const auto perceptron = make_loss(LossKind::kHinge, params);
  EXPECT_DOUBLE_EQ(value_of(*perceptron, 0.5F, 1.0F), 0.0);
  EXPECT_DOUBLE_EQ(value_of(*perceptron, 0.5F, 0.0F), 0.5);
}

TEST(LossTest, AbsoluteAtHandComputedPoints) {
  const auto loss = make_loss(LossKind::kAbsolute, test_params());
  EXPECT_DOUBLE_EQ(value_of(*loss, 1.0F, 3.5F), 2.5);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 1.0F, 3.5F), -1.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, 4.0F, 3.5F), 0.5);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 4.0F, 3.5F), 1.0F);
}

TEST(LossTest, EpsInsensitiveSquaredAtHandComputedPoints) {
  const auto loss = make_loss(LossKind::kEpsInsensitiveSquared, test_params());  // eps 0.5
  EXPECT_DOUBLE_EQ(value_of(*loss, 2.0F, 0.0F), 2.25);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 2.0F, 0.0F), 3.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, -2.0F, 0.0F), 2.25);
  EXPECT_FLOAT_EQ(gradient_of(*loss, -2.0F, 0.0F), -3.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, 0.25F, 0.0F), 0.0);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 0.25F, 0.0F), 0.0F);
}

TEST(LossTest, EpsInsensitiveAbsoluteAtHandComputedPoints) {
  const auto loss = make_loss(LossKind::kEpsInsensitiveAbsolute, test_params());  // eps 0.5
  EXPECT_DOUBLE_EQ(value_of(*loss, 2.0F, 0.0F), 1.5);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 2.0F, 0.0F), 1.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, 1.0F, 3.0F), 1.5);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 1.0F, 3.0F), -1.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, 3.25F, 3.0F), 0.0);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 3.25F, 3.0F), 0.0F);
}

TEST(LossTest, QuantileWeighsUnderAndOverPredictionDifferently) {
  const auto loss = make_loss(LossKind::kQuantile, test_params());  // q 0.8
  // Under-prediction: u = y - m = 2 costs q * u.
  EXPECT_NEAR(value_of(*loss, 1.0F, 3.0F), 1.6, 1e-12);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 1.0F, 3.0F), -0.8F);
  // Over-prediction: u = -2 costs (q - 1) * u.
  EXPECT_NEAR(value_of(*loss, 3.0F, 1.0F), 0.4, 1e-12);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 3.0F, 1.0F), 0.2F);
}

TEST(LossTest, HuberIsQuadraticInsideDeltaAndLinearOutside) {
  LossParams params = test_params();
  params.huber_delta = 2.0;
  const auto loss = make_loss(LossKind::kHuber, params);
  EXPECT_DOUBLE_EQ(value_of(*loss, 1.5F, 0.5F), 0.5);
  EXPECT_FLOAT_EQ(gradient_of(*loss, 1.5F, 0.5F), 1.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, 5.0F, 0.0F), 8.0);  // 2 * (5 - 1)
  EXPECT_FLOAT_EQ(gradient_of(*loss, 5.0F, 0.0F), 2.0F);
  EXPECT_DOUBLE_EQ(value_of(*loss, -5.0F, 0.0F), 8.0);
  EXPECT_FLOAT_EQ(gradient_of(*loss, -5.0F, 0.0F), -2.0F);
  // Continuous at |r| = delta.
  EXPECT_DOUBLE_EQ(value_of(*loss, 2.0F, 0.0F), 2.0);
}

// Where each scalar loss has a kink, as a function of the margin for a given label.
std::vector<double> kinks(LossKind kind, const LossParams& params, float label) {
  const double y = label;
  const double s = label > 0.5F ? 1.0 : -1.0;
  switch (kind) {
    case LossKind::kHinge:
      return {s * params.margin};
    case LossKind::kAbsolute:
    case LossKind::kQuantile:
      return {y};
    case LossKind::kEpsInsensitiveSquared:
    case LossKind::kEpsInsensitiveAbsolute:
      return {y - params.loss_insensitivity, y + params.loss_insensitivity};
    case LossKind::kHuber:
      return {y - params.huber_delta, y + params.huber_delta};
    default:
      return {};
  }
}

// Central difference in double around the float margin; the step is a power of two so that the
// perturbed margins stay close to exact, and the actual float distance is the denominator.
double central_difference(const Loss& loss, const std::vector<float>& margins, std::size_t component, float label) {
  constexpr float kStep = 1.0F / 1024.0F;
  std::vector<float> up = margins;
  std::vector<float> down = margins;
  up[component] += kStep;
  down[component] -= kStep;
  const double rise =
      loss.value_and_gradient(up.data(), label, nullptr) - loss.value_and_gradient(down.data(), label, nullptr);
  return rise / (static_cast<double>(up[component]) - static_cast<double>(down[component]));
}

TEST(LossTest, GradientsMatchCentralDifferencesAwayFromKinks) {
  const LossParams params = test_params();
  std::mt19937 rng(20240611);
  std::uniform_real_distribution<float> margin_dist(-3.0F, 3.0F);
  std::uniform_real_distribution<float> target_dist(-3.0F, 3.0F);
  std::bernoulli_distribution coin(0.5);
  for (const LossKind kind : kAllKinds) {
    if (kind == LossKind::kSoftmax) continue;
    const auto loss = make_loss(kind, params);
    const bool binary = kind == LossKind::kLogistic || kind == LossKind::kHinge;
    int checked = 0;
    while (checked < 20) {
      const float label = binary ? (coin(rng) ? 1.0F : 0.0F) : target_dist(rng);
      const std::vector<float> margin = {margin_dist(rng)};
      bool near_kink = false;
      for (const double kink : kinks(kind, params, label)) near_kink |= std::abs(margin[0] - kink) < 0.05;
      if (near_kink) continue;
      float grad = 0.0F;
      loss->value_and_gradient(margin.data(), label, &grad);
      EXPECT_NEAR(grad, central_difference(*loss, margin, 0, label), 1e-4)
          << loss_kind_name(kind) << " at margin " << margin[0] << ", label " << label;
      ++checked;
    }
  }
}

TEST(LossTest, SoftmaxGradientMatchesCentralDifferencesInEveryComponent) {
  const auto loss = make_loss(LossKind::kSoftmax, test_params());  // K = 4
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> margin_dist(-3.0F, 3.0F);
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<float> margins(4);
    for (float& m : margins) m = margin_dist(rng);
    const auto label = static_cast<float>(trial % 4);
    std::vector<float> grad(4);
    loss->value_and_gradient(margins.data(), label, grad.data());
    double grad_sum = 0.0;
    for (std::size_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(grad[k], central_difference(*loss, margins, k, label), 1e-4) << "component " << k;
      grad_sum += grad[k];
    }
    EXPECT_NEAR(grad_sum, 0.0, 1e-6);
  }
}

TEST(LossTest, LinksGiveProbabilitiesOrTheMarginItself) {
  const LossParams params = test_params();
  const auto logistic = make_loss(LossKind::kLogistic, params);
  float score = 0.0F;
  const float zero = 0.0F;
  logistic->link(&zero, &score);
  EXPECT_FLOAT_EQ(score, 0.5F);
  const float two = 2.0F;
  logistic->link(&two, &score);
  EXPECT_FLOAT_EQ(score, static_cast<float>(1.0 / (1.0 + std::exp(-2.0))));

  const auto softmax = make_loss(LossKind::kSoftmax, params);
  const float margins[4] = {0.0F, 1.0F, 2.0F, -1.0F};
  float probabilities[4];
  softmax->link(margins, probabilities);
  double normalizer = 0.0;
  for (const float m : margins) normalizer += std::exp(m);
  for (int k = 0; k < 4; ++k) {
    EXPECT_FLOAT_EQ(probabilities[k], static_cast<float>(std::exp(margins[k]) / normalizer));
  }

  for (const LossKind kind : kAllKinds) {
    if (kind == LossKind::kLogistic || kind == LossKind::kSoftmax) continue;
    const float margin = -2.75F;
    make_loss(kind, params)->link(&margin, &score);
    EXPECT_EQ(score, margin) << loss_kind_name(kind);
  }
}

TEST(LossTest, LabelDomains) {
  const LossParams params = test_params();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  for (const LossKind kind : {LossKind::kLogistic, LossKind::kHinge}) {
    const auto loss = make_loss(kind, params);
    EXPECT_EQ(loss->label_domain(), "a label 0 or 1");
    EXPECT_TRUE(loss->valid_label(0.0F));
    EXPECT_TRUE(loss->valid_label(1.0F));
    for (const float bad : {-1.0F, 0.5F, 2.0F, nan, inf}) EXPECT_FALSE(loss->valid_label(bad)) << bad;
  }

  const auto softmax = make_loss(LossKind::kSoftmax, params);
  EXPECT_EQ(softmax->label_domain(), "an integer label in [0, 3]");
  for (const float good : {0.0F, 1.0F, 3.0F}) EXPECT_TRUE(softmax->valid_label(good)) << good;
  for (const float bad : {-1.0F, 4.0F, 1.5F, nan, inf}) EXPECT_FALSE(softmax->valid_label(bad)) << bad;

  for (const LossKind kind : kAllKinds) {
    if (kind == LossKind::kLogistic || kind == LossKind::kHinge || kind == LossKind::kSoftmax) continue;
    const auto loss = make_loss(kind, params);
    EXPECT_EQ(loss->label_domain(), "a finite label");
    for (const float good : {0.0F, -12.5F, 1e30F}) EXPECT_TRUE(loss->valid_label(good)) << good;
    for (const float bad : {nan, inf, -inf}) EXPECT_FALSE(loss->valid_label(bad)) << bad;
  }
}

TEST(LossTest, ExtremeMarginsGiveFiniteValuesAndGradients) {
  const LossParams params = test_params();
  for (const LossKind kind : kAllKinds) {
    const auto loss = make_loss(kind, params);
    const int outputs = loss->outputs();
    for (const float extreme : {1000.0F, -1000.0F}) {
      for (const float label : {0.0F, 1.0F}) {
        std::vector<float> margins(outputs, 0.0F);
        margins[0] = extreme;
        std::vector<float> grad(outputs);
        std::vector<float> score(outputs);
        const double value = loss->value_and_gradient(margins.data(), label, grad.data());
        loss->link(margins.data(), score.data());
        EXPECT_TRUE(std::isfinite(value)) << loss_kind_name(kind) << " at " << extreme;
        for (int k = 0; k < outputs; ++k) {
          EXPECT_TRUE(std::isfinite(grad[k])) << loss_kind_name(kind) << " at " << extreme;
          EXPECT_TRUE(std::isfinite(score[k])) << loss_kind_name(kind) << " at " << extreme;
        }
      }
    }
  }
  const auto logistic = make_loss(LossKind::kLogistic, params);
  EXPECT_NEAR(value_of(*logistic, 1000.0F, 0.0F), 1000.0, 1e-9);
  EXPECT_NEAR(value_of(*logistic, -1000.0F, 1.0F), 1000.0, 1e-9);
  EXPECT_DOUBLE_EQ(value_of(*logistic, 1000.0F, 1.0F), 0.0);
  EXPECT_FLOAT_EQ(gradient_of(*logistic, 1000.0F, 0.0F), 1.0F);
  EXPECT_FLOAT_EQ(gradient_of(*logistic, -1000.0F, 1.0F), -1.0F);

  const auto softmax = make_loss(LossKind::kSoftmax, params);
  const float margins[4] = {1000.0F, -1000.0F, 0.0F, 500.0F};
  EXPECT_NEAR(softmax->value_and_gradient(margins, 1.0F, nullptr), 2000.0, 1e-9);
  EXPECT_NEAR(softmax->value_and_gradient(margins, 0.0F, nullptr), 0.0, 1e-12);
}

// The block form (vectorized in float for the common losses) agrees with the per-record form,
// including margins far out where exp overflows.
TEST(LossTest, BlockFormMatchesPerRecordForm) {
  const LossParams params = test_params();
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0F, 3.0F);
  constexpr std::size_t kRows = 37;
  constexpr int kModels = 3;
  for (LossKind kind : kAllKinds) {
    const auto loss = make_loss(kind, params);
    const auto k = static_cast<std::size_t>(loss->outputs());
    const std::size_t per_row = kModels * k;
    std::vector<float> margins(kRows * per_row), labels(kRows);
    for (float& m : margins) m = normal(rng);
    margins[0] = 200.0F;
    margins[per_row] = -200.0F;
    for (std::size_t i = 0; i < kRows; ++i)
      labels[i] = kind == LossKind::kSoftmax ? static_cast<float>(i % k)
                  : loss->valid_label(0.5F)  ? normal(rng)
                                             : static_cast<float>(i % 2);
    std::vector<float> grads(margins.size()), losses(kRows * kModels);
    loss->block_values_and_gradients(margins.data(), labels.data(), kRows, kModels, grads.data(), losses.data());
    std::vector<float> grad(k);
    for (std::size_t i = 0; i < kRows; ++i)
      for (std::size_t m = 0; m < kModels; ++m) {
        const double value = loss->value_and_gradient(&margins[i * per_row + m * k], labels[i], grad.data());
        EXPECT_NEAR(losses[i * kModels + m], value, 1e-5 * (1 + std::abs(value))) << loss_kind_name(kind) << " " << i;
        for (std::size_t c = 0; c < k; ++c)
          EXPECT_NEAR(grads[i * per_row + m * k + c], grad[c], 1e-5 * (1 + std::abs(grad[c])))
              << loss_kind_name(kind) << " " << i << " " << c;
      }
  }
}

// The hyperparameter table refuses these values up front; a loss given one anyway refuses it too.
TEST(LossTest, ParametersOutsideTheirRangeAreRefused) {
  LossParams params = test_params();
  params.num_classes = 1;
  EXPECT_THROW(make_loss(LossKind::kSoftmax, params), std::invalid_argument);
  params = test_params();
  params.quantile = 1.0;
  EXPECT_THROW(make_loss(LossKind::kQuantile, params), std::invalid_argument);
  params = test_params();
  params.huber_delta = 0.0;
  EXPECT_THROW(make_loss(LossKind::kHuber, params), std::invalid_argument);
  params = test_params();
  params.loss_insensitivity = -0.1;
  EXPECT_THROW(make_loss(LossKind::kEpsInsensitiveAbsolute, params), std::invalid_argument);
  params = test_params();
  params.margin = -1.0;
  EXPECT_THROW(make_loss(LossKind::kHinge, params), std::invalid_argument);
}

}  // namespace
}  // namespace linlearn
