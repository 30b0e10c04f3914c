// A warm start re-expresses a raw-unit model in the run's normalized units exactly: folding the
// normalization back out gives the model's weights again.
#include "train/warm_parameters.h"

#include <gtest/gtest.h>

#include "train/raw_model.h"

namespace linlearn {
namespace {

TEST(WarmStart, ParametersFoldBackToTheModelUnderAnyNormalization) {
  LinearModel model;
  model.feature_dim = 3;
  model.outputs = 2;
  model.weights = {0.5F, -1.25F, 2.0F, 0.1F, 0.0F, -3.0F};  // class-major
  model.bias = {0.75F, -0.5F};
  Normalization norm;
  norm.mean = {1.0, -2.0, 0.5};
  norm.scale = {2.0, 0.25, 4.0};
  norm.label_mean = 0.0;
  norm.label_scale = 1.0;
  const ModelParameters p = warm_parameters(model, norm, 5);  // two features wider: they start at 0
  ASSERT_EQ(p.weights.size(), 10U);
  EXPECT_EQ(p.weights[3 * 2], 0.0F);
  EXPECT_EQ(p.weights[4 * 2 + 1], 0.0F);
  Normalization wide = norm;
  wide.mean.resize(5, 0.0);
  wide.scale.resize(5, 1.0);
  RowMatrix w;
  Eigen::RowVectorXf b;
  raw_parameters({&p}, wide, 2, w, b);
  for (std::size_t c = 0; c < 2; ++c) {
    for (std::size_t j = 0; j < 3; ++j) EXPECT_FLOAT_EQ(w(static_cast<Eigen::Index>(j), c), model.weights[c * 3 + j]);
    EXPECT_NEAR(b(static_cast<Eigen::Index>(c)), model.bias[c], 1e-6);
  }
}

// Sparse data: one row per feature of the run's index (normalization by slot); a feature the model
// weighs but this run's data never holds is left out, a new one starts at 0.
TEST(WarmStart, SparseRunsTakeTheWeightsOfTheFeaturesTheirIndexHolds) {
  LinearModel model;
  model.feature_dim = 6;
  model.outputs = 2;
  model.sparse = true;
  model.keys = {1, 4};
  model.weights = {0.5F, -1.5F, 2.0F, 3.0F};  // class-major over the keys
  model.bias = {0.25F, -0.5F};
  const FeatureIndex index(6, {0, 4});
  Normalization norm;
  norm.mean = {0.0, 0.0};
  norm.scale = {2.0, 0.5};
  norm.label_mean = 0.0;
  norm.label_scale = 1.0;
  const ModelParameters p = warm_parameters(model, norm, index.size(), &index);
  EXPECT_EQ(p.weights, (std::vector<float>{0.0F, 0.0F, -0.75F, 1.5F}));  // rows by slot, outputs side by side
  EXPECT_EQ(p.bias, model.bias);
}

}  // namespace
}  // namespace linlearn
