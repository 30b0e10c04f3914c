// Threshold calibration: the chosen threshold for each criterion, tie-breaking and the names.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "linlearn/errors.h"
#include "linlearn/metrics.h"

namespace linlearn {
namespace {

// The threshold the calibration puts between two adjacent distinct scores.
double midpoint(float a, float b) {
  return 0.5 * (static_cast<double>(a) + static_cast<double>(b));
}

// Cut after the top k: k=1 P1 R1/3; k=2 P1 R2/3 (acc 4/5); k=3 P2/3 R2/3; k=4 P3/4 R1 (acc 4/5); k=5 P3/5 R1.
const std::vector<float> kScores{0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
const std::vector<float> kLabels{0, 1, 0, 1, 1};

Calibration calibrate(SelectionCriterion criterion, double default_threshold = 0.5, double target = 0.9) {
  CalibrationTarget t;
  t.criterion = criterion;
  t.target_precision = target;
  t.target_recall = target;
  return calibrate_threshold(kScores, kLabels, {}, t, default_threshold);
}

TEST(ThresholdCalibrationTest, AccuracyTieGoesToTheThresholdClosestToTheDefault) {
  const Calibration near_half = calibrate(SelectionCriterion::kAccuracy, 0.5);
  EXPECT_DOUBLE_EQ(near_half.threshold, midpoint(0.3f, 0.4f));
  EXPECT_DOUBLE_EQ(near_half.score, 0.8);
  const Calibration near_low = calibrate(SelectionCriterion::kAccuracy, 0.1);
  EXPECT_DOUBLE_EQ(near_low.threshold, midpoint(0.1f, 0.2f));
  EXPECT_DOUBLE_EQ(near_low.score, 0.8);
}

TEST(ThresholdCalibrationTest, FBetaPicksTheBestCut) {
  const Calibration c = calibrate(SelectionCriterion::kFBeta);
  EXPECT_DOUBLE_EQ(c.threshold, midpoint(0.1f, 0.2f));
  EXPECT_DOUBLE_EQ(c.score, 6.0 / 7.0);
}

TEST(ThresholdCalibrationTest, PrecisionAtTargetRecall) {
  const Calibration c = calibrate(SelectionCriterion::kPrecisionAtTargetRecall);
  EXPECT_DOUBLE_EQ(c.threshold, midpoint(0.1f, 0.2f));
  EXPECT_DOUBLE_EQ(c.score, 0.75);
  EXPECT_GE(binary_metrics(kScores, kLabels, {}, c.threshold, 1.0).at("recall"), 0.9);
}

TEST(ThresholdCalibrationTest, RecallAtTargetPrecision) {
  const Calibration c = calibrate(SelectionCriterion::kRecallAtTargetPrecision);
  EXPECT_DOUBLE_EQ(c.threshold, midpoint(0.3f, 0.4f));
  EXPECT_DOUBLE_EQ(c.score, 2.0 / 3.0);
}

TEST(ThresholdCalibrationTest, UnreachableTargetPrecisionTakesTheClosest) {
  // The top score is a negative: precision is 0, then 1/2 with everything positive; 1 is out of reach.
  const std::vector<float> scores{0.9f, 0.5f};
  const std::vector<float> labels{0, 1};
  CalibrationTarget t;
  t.criterion = SelectionCriterion::kRecallAtTargetPrecision;
  t.target_precision = 1.0;
  const Calibration c = calibrate_threshold(scores, labels, {}, t, 0.5);
  EXPECT_LT(c.threshold, 0.5);
  // Missing the target ranks below any model that meets it: achieved precision 1/2, minus 1.
  EXPECT_DOUBLE_EQ(c.score, -0.5);
}

TEST(ThresholdCalibrationTest, LossFunctionKeepsTheDefault) {
  const Calibration c = calibrate(SelectionCriterion::kLossFunction, 0.35);
  EXPECT_DOUBLE_EQ(c.threshold, 0.35);
  EXPECT_DOUBLE_EQ(c.score, 0.8);
}

TEST(ThresholdCalibrationTest, WeightsChangeTheChoice) {
  // Unweighted, cutting at 0.7 and predicting everything positive tie at 2/3; weighting the low-scored
  // positive by 5 makes "everything positive" (6/7) the clear winner.
  const std::vector<float> scores{0.2f, 0.6f, 0.8f};
  const std::vector<float> labels{1, 0, 1};
  const std::vector<float> weights{5, 1, 1};
  CalibrationTarget t;
  const Calibration unweighted = calibrate_threshold(scores, labels, {}, t, 0.5);
  EXPECT_DOUBLE_EQ(unweighted.threshold, midpoint(0.6f, 0.8f));
  const Calibration weighted = calibrate_threshold(scores, labels, weights, t, 0.5);
  EXPECT_LT(weighted.threshold, 0.2f);
  EXPECT_DOUBLE_EQ(weighted.score, 6.0 / 7.0);
  EXPECT_DOUBLE_EQ(
      binary_metrics(scores, labels, weights, weighted.threshold, 1.0).at("binary_classification_accuracy"), 6.0 / 7.0);
}

TEST(ThresholdCalibrationTest, SeparableDataIsCutMidway) {
  const std::vector<float> scores{0.9f, 0.8f, 0.2f, 0.1f};
  const std::vector<float> labels{1, 1, 0, 0};
  const Calibration c = calibrate_threshold(scores, labels, {}, CalibrationTarget{}, 0.7);
  EXPECT_DOUBLE_EQ(c.threshold, midpoint(0.8f, 0.2f));
  EXPECT_DOUBLE_EQ(c.score, 1.0);
}

TEST(ThresholdCalibrationTest, TargetRecallHoldsOnNoisyData) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::vector<float> scores;
  std::vector<float> labels;
  std::vector<float> weights;
  for (int i = 0; i < 500; ++i) {
    const float label = uniform(rng) < 0.4f ? 1.0f : 0.0f;
    // Rounded scores create many ties.
    scores.push_back(std::round((0.35f * label + 0.65f * uniform(rng)) * 50.0f) / 50.0f);
    labels.push_back(label);
    weights.push_back(1.0f + static_cast<float>(i % 3));
  }
  CalibrationTarget t;
  t.criterion = SelectionCriterion::kPrecisionAtTargetRecall;
  t.target_recall = 0.9;
  const Calibration c = calibrate_threshold(scores, labels, weights, t, 0.5);
  const MetricMap chosen = binary_metrics(scores, labels, weights, c.threshold, 1.0);
  EXPECT_GE(chosen.at("recall"), 0.9);
  EXPECT_DOUBLE_EQ(chosen.at("precision"), c.score);
  // No threshold on the score grid does better while meeting the target.
  for (int step = -1; step <= 51; ++step) {
    const MetricMap other = binary_metrics(scores, labels, weights, (step + 0.5) / 50.0, 1.0);
    if (other.at("recall") >= 0.9) {
      EXPECT_LE(other.at("precision"), c.score + 1e-12);
    }
  }
}

TEST(SelectionCriterionTest, NamesRoundTrip) {
  for (const auto c :
       {SelectionCriterion::kAccuracy, SelectionCriterion::kFBeta, SelectionCriterion::kPrecisionAtTargetRecall,
        SelectionCriterion::kRecallAtTargetPrecision, SelectionCriterion::kLossFunction}) {
    EXPECT_EQ(parse_selection_criterion(selection_criterion_name(c)), c);
  }
  EXPECT_EQ(selection_criterion_name(SelectionCriterion::kPrecisionAtTargetRecall), "precision_at_target_recall");
}

TEST(SelectionCriterionTest, UnknownNameIsAUsageErrorNamingTheOption) {
  try {
    parse_selection_criterion("auc");
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("binary_classifier_model_selection_criteria"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'auc'"), std::string::npos);
    EXPECT_EQ(e.exit_code(), kExitUsage);
  }
}

}  // namespace
}  // namespace linlearn
