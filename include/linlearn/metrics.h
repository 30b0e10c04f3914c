#pragma once
// Quality metrics of SPEC section 7 (names without the channel prefix) and the decision-threshold
// calibration for binary classifiers. Every function takes per-record weights (all 1 when unweighted).
#include <map>
#include <span>
#include <string>

namespace linlearn {

using MetricMap = std::map<std::string, double>;

// scores: P(y=1) (logistic) or raw margins (hinge); predicted label = score > threshold.
// Keys: binary_classification_accuracy, binary_f_beta, precision, recall, roc_auc_score.
MetricMap binary_metrics(std::span<const float> scores, std::span<const float> labels,
                         std::span<const float> weights, double threshold, double f_beta);

// probs: rows x num_classes, row-major. Keys: multiclass_accuracy, multiclass_top_k_accuracy,
// macro_precision, macro_recall, macro_f_beta, dcg.
MetricMap multiclass_metrics(std::span<const float> probs, int num_classes, std::span<const float> labels,
                             std::span<const float> weights, int top_k, double f_beta);

// Keys: mse, rmse, absolute_loss, r2.
MetricMap regression_metrics(std::span<const float> predictions, std::span<const float> labels,
                             std::span<const float> weights);

enum class SelectionCriterion { kAccuracy, kFBeta, kPrecisionAtTargetRecall, kRecallAtTargetPrecision, kLossFunction };
SelectionCriterion parse_selection_criterion(const std::string& name);
std::string selection_criterion_name(SelectionCriterion c);

struct CalibrationTarget {
  SelectionCriterion criterion = SelectionCriterion::kAccuracy;
  double target_precision = 0.8;
  double target_recall = 0.8;
  double f_beta = 1.0;
};

struct Calibration {
  double threshold = 0.5;
  double score = 0.0;  // the criterion's value at that threshold (higher is better)
};

// The threshold that maximizes the criterion over the given records (kLossFunction: keeps
// `default_threshold` and reports accuracy). precision_at_target_recall maximizes precision among
// thresholds whose recall >= target (recall_at_target_precision likewise); when no threshold reaches
// the target, the one closest to it is taken.
Calibration calibrate_threshold(std::span<const float> scores, std::span<const float> labels,
                                std::span<const float> weights, const CalibrationTarget& target,
                                double default_threshold);

}  // namespace linlearn
