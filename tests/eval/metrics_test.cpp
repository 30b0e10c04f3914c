// Metric values against small hand-computed examples, weights included.
#include "linlearn/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

namespace linlearn {
namespace {

// `check` tells a metric a run lacks from a misspelt key by these names: they must be what is reported.
TEST(MetricNamesTest, EveryReportedMetricIsKnownForItsType) {
  const std::vector<float> scores{0.9f, 0.2f};
  const std::vector<float> labels{1, 0};
  const std::vector<float> weights{1, 1};
  const std::vector<float> probs{0.7f, 0.2f, 0.1f, 0.1f, 0.8f, 0.1f};
  for (const auto& [name, value] : binary_metrics(scores, labels, weights, 0.5, 1.0))
    EXPECT_TRUE(reports_metric("binary_classifier", name)) << name;
  for (const auto& [name, value] : multiclass_metrics(probs, 3, labels, weights, 2, 1.0))
    EXPECT_TRUE(reports_metric("multiclass_classifier", name)) << name;
  for (const auto& [name, value] : regression_metrics(scores, labels, weights))
    EXPECT_TRUE(reports_metric("regressor", name)) << name;
  EXPECT_TRUE(reports_metric("regressor", "objective_loss"));
  EXPECT_FALSE(reports_metric("binary_classifier", "rmse"));
  EXPECT_TRUE(reports_metric("", "rmse"));
  EXPECT_FALSE(reports_metric("", "acuracy"));
}

TEST(BinaryMetricsTest, WeightedCountsAtTheThreshold) {
  // Predicted positive (> 0.5): 0.9 (TP, w1), 0.8 (FP, w2), 0.6 (FP, w3); negative: 0.4 (FN, w1), 0.3 (TN, w1).
  const std::vector<float> scores{0.9f, 0.8f, 0.4f, 0.3f, 0.6f};
  const std::vector<float> labels{1, 0, 1, 0, 0};
  const std::vector<float> weights{1, 2, 1, 1, 3};
  const MetricMap m = binary_metrics(scores, labels, weights, 0.5, 1.0);
  EXPECT_DOUBLE_EQ(m.at("binary_classification_accuracy"), 2.0 / 8.0);
  EXPECT_DOUBLE_EQ(m.at("precision"), 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(m.at("recall"), 0.5);
  EXPECT_DOUBLE_EQ(m.at("binary_f_beta"), 0.25);
  // Positive 0.9 outranks all negatives (weight 6), positive 0.4 outranks 0.3 (weight 1): 7 of 2 * 6.
  EXPECT_DOUBLE_EQ(m.at("roc_auc_score"), 7.0 / 12.0);
}

TEST(BinaryMetricsTest, FBetaUsesTheGivenBeta) {
  const std::vector<float> scores{0.9f, 0.8f, 0.4f, 0.3f, 0.6f};
  const std::vector<float> labels{1, 0, 1, 0, 0};
  const std::vector<float> weights{1, 2, 1, 1, 3};
  // F2 = 5PR / (4P + R) with P = 1/6, R = 1/2.
  EXPECT_DOUBLE_EQ(binary_metrics(scores, labels, weights, 0.5, 2.0).at("binary_f_beta"), 5.0 / 14.0);
}

TEST(BinaryMetricsTest, AucCountsTiesAsHalf) {
  const std::vector<float> scores{0.2f, 0.5f, 0.5f, 0.9f};
  const std::vector<float> labels{0, 1, 0, 1};
  const std::vector<float> ones(4, 1.0f);
  // Pairs: (0.5+, 0.2-) 1, (0.5+, 0.5-) 1/2, (0.9+, both) 2 -> 3.5 of 4.
  EXPECT_DOUBLE_EQ(binary_metrics(scores, labels, ones, 0.5, 1.0).at("roc_auc_score"), 0.875);
  const std::vector<float> all_tied(4, 0.3f);
  EXPECT_DOUBLE_EQ(binary_metrics(all_tied, labels, ones, 0.5, 1.0).at("roc_auc_score"), 0.5);
}

TEST(BinaryMetricsTest, AucOfPerfectAndInvertedRankings) {
  const std::vector<float> labels{0, 0, 1, 1, 0, 1};
  const std::vector<float> perfect{0.1f, 0.2f, 0.8f, 0.9f, 0.3f, 0.7f};
  std::vector<float> inverted;
  for (const float s : perfect) inverted.push_back(1.0f - s);
  const std::vector<float> weights{1, 3, 2, 1, 5, 1};
  EXPECT_DOUBLE_EQ(binary_metrics(perfect, labels, weights, 0.5, 1.0).at("roc_auc_score"), 1.0);
  EXPECT_DOUBLE_EQ(binary_metrics(inverted, labels, weights, 0.5, 1.0).at("roc_auc_score"), 0.0);
}

TEST(BinaryMetricsTest, AucIsChanceWithOneClassOnly) {
  const std::vector<float> scores{0.1f, 0.9f};
  const std::vector<float> labels{1, 1};
  EXPECT_DOUBLE_EQ(binary_metrics(scores, labels, {}, 0.5, 1.0).at("roc_auc_score"), 0.5);
}

TEST(BinaryMetricsTest, NoPredictedPositivesGivesZeroPrecision) {
  const std::vector<float> scores{0.1f, 0.4f, 0.3f};
  const std::vector<float> labels{1, 0, 1};
  const MetricMap m = binary_metrics(scores, labels, {}, 0.5, 1.0);
  EXPECT_DOUBLE_EQ(m.at("precision"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("recall"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("binary_f_beta"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("binary_classification_accuracy"), 1.0 / 3.0);
}

TEST(BinaryMetricsTest, EmptyWeightsMeanAllOnes) {
  const std::vector<float> scores{0.9f, 0.2f, 0.7f, 0.4f};
  const std::vector<float> labels{1, 0, 0, 1};
  const std::vector<float> ones(4, 1.0f);
  EXPECT_EQ(binary_metrics(scores, labels, {}, 0.5, 1.0), binary_metrics(scores, labels, ones, 0.5, 1.0));
}

TEST(BinaryMetricsTest, MismatchedLengthsAreRejected) {
  const std::vector<float> scores{0.9f, 0.2f};
  const std::vector<float> labels{1};
  EXPECT_THROW(binary_metrics(scores, labels, {}, 0.5, 1.0), std::invalid_argument);
}

// Rows: label 0 ranked 1st; label 2 ranked 2nd; label 1 tied with class 0 (lower index wins) so
// ranked 2nd and predicted 0; label 2 ranked 1st. Weights 1, 1, 2, 1.
class MulticlassMetricsTest : public ::testing::Test {
 protected:
  const std::vector<float> probs{0.7f, 0.2f, 0.1f,  //
                                 0.2f, 0.5f, 0.3f,  //
                                 0.4f, 0.4f, 0.2f,  //
                                 0.1f, 0.3f, 0.6f};
  const std::vector<float> labels{0, 2, 1, 2};
  const std::vector<float> weights{1, 1, 2, 1};
};

TEST_F(MulticlassMetricsTest, AccuracyTopKAndDcg) {
  const MetricMap m = multiclass_metrics(probs, 3, labels, weights, 2, 1.0);
  EXPECT_DOUBLE_EQ(m.at("multiclass_accuracy"), 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(m.at("multiclass_top_k_accuracy"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("dcg"), (2.0 + 3.0 / std::log2(3.0)) / 5.0);
  EXPECT_DOUBLE_EQ(multiclass_metrics(probs, 3, labels, weights, 1, 1.0).at("multiclass_top_k_accuracy"), 2.0 / 5.0);
}

TEST_F(MulticlassMetricsTest, MacroAveragesOverClasses) {
  // Predicted weight per class 3, 1, 1; true positives 1, 0, 1; actual weight 1, 2, 2.
  const MetricMap m = multiclass_metrics(probs, 3, labels, weights, 3, 1.0);
  EXPECT_DOUBLE_EQ(m.at("macro_precision"), (1.0 / 3.0 + 0.0 + 1.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.at("macro_recall"), (1.0 + 0.0 + 0.5) / 3.0);
  EXPECT_DOUBLE_EQ(m.at("macro_f_beta"), (0.5 + 0.0 + 2.0 / 3.0) / 3.0);
}

TEST(MulticlassMetricsEdgeTest, ClassWithoutPredictionsContributesZeroPrecision) {
  // Class 1 is never predicted: precisions 1/2 (class 0) and 0 (class 1).
  const std::vector<float> probs{0.9f, 0.1f, 0.6f, 0.4f};
  const std::vector<float> labels{0, 1};
  const MetricMap m = multiclass_metrics(probs, 2, labels, {}, 1, 1.0);
  EXPECT_DOUBLE_EQ(m.at("macro_precision"), 0.25);
  EXPECT_DOUBLE_EQ(m.at("macro_recall"), 0.5);
}

TEST(MulticlassMetricsEdgeTest, LabelOutsideTheClassesIsRejected) {
  const std::vector<float> probs{0.5f, 0.5f};
  const std::vector<float> labels{2};
  EXPECT_THROW(multiclass_metrics(probs, 2, labels, {}, 1, 1.0), std::invalid_argument);
}

TEST(RegressionMetricsTest, WeightedErrorsAndR2) {
  // Residuals 0, 1, 2 with weights 1, 1, 2; weighted label mean 3.5, SST 11.
  const std::vector<float> predictions{1, 2, 3};
  const std::vector<float> labels{1, 3, 5};
  const std::vector<float> weights{1, 1, 2};
  const MetricMap m = regression_metrics(predictions, labels, weights);
  EXPECT_DOUBLE_EQ(m.at("mse"), 9.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.at("rmse"), 1.5);
  EXPECT_DOUBLE_EQ(m.at("absolute_loss"), 5.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.at("r2"), 1.0 - 9.0 / 11.0);
}

TEST(RegressionMetricsTest, ConstantLabelsGiveZeroR2) {
  const std::vector<float> predictions{1, 2};
  const std::vector<float> labels{3, 3};
  const MetricMap m = regression_metrics(predictions, labels, {});
  EXPECT_DOUBLE_EQ(m.at("r2"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("mse"), 2.5);
}

TEST(RegressionMetricsTest, PerfectPredictionsGiveR2One) {
  const std::vector<float> values{1, 4, 2, 8};
  const MetricMap m = regression_metrics(values, values, {});
  EXPECT_DOUBLE_EQ(m.at("r2"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("rmse"), 0.0);
}

// The running sums give what the whole-span functions give, so streamed channels are measured alike.
TEST(MetricSumsTest, BinarySumsMatchBinaryMetricsButAuc) {
  const std::vector<float> scores{0.9f, 0.8f, 0.4f, 0.3f, 0.6f};
  const std::vector<float> labels{1, 0, 1, 0, 0};
  const std::vector<float> weights{1, 2, 1, 1, 3};
  BinarySums sums(0.5, 2.0);
  for (std::size_t i = 0; i < scores.size(); ++i) sums.add(scores[i], labels[i], weights[i]);
  MetricMap expected = binary_metrics(scores, labels, weights, 0.5, 2.0);
  expected.erase("roc_auc_score");
  EXPECT_EQ(sums.metrics(), expected);
}

TEST_F(MulticlassMetricsTest, MulticlassSumsMatchMulticlassMetrics) {
  MulticlassSums sums(3, 2, 0.5);
  for (std::size_t r = 0; r < labels.size(); ++r) sums.add(std::span(probs).subspan(r * 3, 3), labels[r], weights[r]);
  EXPECT_EQ(sums.metrics(), multiclass_metrics(probs, 3, labels, weights, 2, 0.5));
}

TEST(MetricSumsTest, RegressionSumsMatchRegressionMetricsEvenFarFromZero) {
  // Labels around 1e6: a variance summed around zero would lose r2 to cancellation.
  std::vector<float> predictions, labels, weights;
  for (int i = 0; i < 1000; ++i) {
    labels.push_back(1.0e6F + static_cast<float>(i % 17));
    predictions.push_back(1.0e6F + static_cast<float>(i % 13));
    weights.push_back(static_cast<float>(1 + i % 3));
  }
  RegressionSums sums;
  for (std::size_t i = 0; i < labels.size(); ++i) sums.add(predictions[i], labels[i], weights[i]);
  const MetricMap streamed = sums.metrics();
  for (const auto& [name, value] : regression_metrics(predictions, labels, weights))
    EXPECT_NEAR(streamed.at(name), value, 1e-9 * std::max(1.0, std::abs(value))) << name;
  EXPECT_EQ(RegressionSums().metrics().at("r2"), 0.0);
}

}  // namespace
}  // namespace linlearn
