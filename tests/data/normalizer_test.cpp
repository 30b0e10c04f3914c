#include <gtest/gtest.h>

#include <cmath>

#include "linlearn/normalizer.h"

namespace linlearn {
namespace {

Dataset two_features() {
  Dataset d;
  d.feature_dim = 2;
  for (int i = 0; i < 100; ++i) {
    d.dense.push_back(static_cast<float>(i));  // mean 49.5, std sqrt((100^2-1)/12)
    d.dense.push_back(5.0F);                   // constant
    d.labels.push_back(static_cast<float>(2 * i + 1));
  }
  return d;
}

TEST(Normalizer, StatisticsOfTheWholeSetWhenTheSampleCoversIt) {
  NormalizationConfig c;
  c.normalize_label = true;
  c.unbias_label = true;
  const Normalization n = compute_normalization(two_features(), c, 0);
  EXPECT_EQ(n.sample_size, 100U);
  EXPECT_NEAR(n.mean[0], 49.5, 1e-9);
  EXPECT_NEAR(n.scale[0], std::sqrt((100.0 * 100.0 - 1) / 12.0), 1e-9);
  EXPECT_NEAR(n.mean[1], 5.0, 1e-9);
  EXPECT_EQ(n.scale[1], 1.0);  // constant features are left unscaled
  EXPECT_NEAR(n.label_mean, 100.0, 1e-9);
  EXPECT_NEAR(n.label_scale, 2 * std::sqrt((100.0 * 100.0 - 1) / 12.0), 1e-9);
}

TEST(Normalizer, SampleIsRandomNotTheHead) {
  NormalizationConfig c;
  c.num_point_for_scaler = 20;
  const Normalization n = compute_normalization(two_features(), c, 3);
  EXPECT_EQ(n.sample_size, 20U);
  // The head of the data would give a mean of 9.5.
  EXPECT_GT(n.mean[0], 25.0);
  EXPECT_LT(n.mean[0], 75.0);
}

// Sparse features are scaled by the root mean square of their non-zero values, so a rare feature
// is not blown up by the records that lack it.
TEST(Normalizer, SparseDataIsScaledNotCentred) {
  Dataset d;
  d.sparse = true;
  d.feature_dim = 3;
  d.row_ptr = {0, 1, 2, 4, 4, 4, 4};
  d.col_idx = {0, 0, 1, 2};
  d.values = {3.0F, 4.0F, 0.5F, 0.0F};
  d.labels = {0, 1, 0, 1, 0, 1};
  const Normalization n = compute_normalization(d, NormalizationConfig{}, 0);
  EXPECT_EQ(n.sample_size, 6U);
  EXPECT_EQ(n.mean, std::vector<double>(3, 0.0));
  // One scale for every feature, feature 2 (only an explicit zero) included: the root mean square
  // of the non-zero values.
  EXPECT_EQ(n.scale, std::vector<double>(3, std::sqrt((9.0 + 16.0 + 0.25) / 3)));

  NormalizationConfig unscaled;
  unscaled.normalize_data = false;
  EXPECT_EQ(compute_normalization(d, unscaled, 0).scale, std::vector<double>(3, 1.0));
}

TEST(Normalizer, DisabledMeansIdentity) {
  NormalizationConfig c;
  c.normalize_data = false;
  c.unbias_data = false;
  const Normalization n = compute_normalization(two_features(), c, 0);
  EXPECT_EQ(n.mean[0], 0.0);
  EXPECT_EQ(n.scale[0], 1.0);
  EXPECT_EQ(n.label_scale, 1.0);
}

}  // namespace
}  // namespace linlearn
