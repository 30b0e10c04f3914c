// The kernel's measured models: the exact loss of fixed weights, read on the pass that trains others.
#include "train/batch_gradient.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "linlearn/loss.h"
#include "train/synthetic.h"

namespace linlearn {
namespace {

ModelParameters some_weights(std::size_t d, float offset) {
  ModelParameters p;
  for (std::size_t j = 0; j < d; ++j) p.weights.push_back(offset + 0.01F * static_cast<float>(j % 7) - 0.02F);
  p.bias = {offset};
  return p;
}

Normalization centred(std::size_t d) {
  Normalization n;
  for (std::size_t j = 0; j < d; ++j) {
    n.mean.push_back(0.5 * static_cast<double>(j % 3));
    n.scale.push_back(1.0 + static_cast<double>(j % 5));
  }
  return n;
}

// The loss of `params` on every record by the kernel's own gradient pass.
double trained_loss(BatchGradientKernel& kernel, std::span<const std::uint32_t> rows, const ModelParameters& params) {
  return kernel.compute(rows, {&params}, 1.0).loss_sum[0];
}

void expect_measured_equals_trained(const Dataset& data) {
  const std::size_t d = data.feature_dim;
  const std::vector<float> weights(data.rows(), 1.0F);
  const Normalization norm = centred(d);
  const auto loss = make_loss(LossKind::kLogistic, {});
  ThreadPool pool(2);
  BatchGradientKernel kernel(data, weights, norm, *loss, *loss, 4, pool);
  std::vector<std::uint32_t> rows(data.rows());
  std::iota(rows.begin(), rows.end(), 0U);
  const ModelParameters fixed = some_weights(d, 0.1F);
  const ModelParameters other = some_weights(d, -0.3F);
  const double expected = trained_loss(kernel, rows, fixed);

  kernel.set_measured({&fixed});
  const BatchGradient& alone = kernel.measure(rows);
  ASSERT_EQ(alone.measured_loss_sum.size(), 1U);
  EXPECT_EQ(alone.measured_loss_sum[0], expected);  // the same arithmetic, bit for bit
  EXPECT_EQ(alone.weight_sum, static_cast<double>(data.rows()));
  // Measured while another model trains on the same records: the same loss up to rounding.
  const BatchGradient& joined = kernel.compute(rows, {&other}, 1.0);
  EXPECT_NEAR(joined.measured_loss_sum[0], expected, 1e-6 * expected);
  EXPECT_EQ(joined.loss_sum[0], trained_loss(kernel, rows, other)) << "measuring changes nothing trained";
}

TEST(BatchGradientMeasure, DenseMeasuredLossIsTheLossOfTheFixedWeights) {
  expect_measured_equals_trained(testing::logistic_data(300, 13, 4));
}

TEST(BatchGradientMeasure, SparseMeasuredLossIsTheLossOfTheFixedWeights) {
  Dataset data = testing::logistic_data(300, 13, 5);
  data.to_sparse();
  expect_measured_equals_trained(data);
}

}  // namespace
}  // namespace linlearn
