#pragma once
// Quality metrics of SPEC section 7 (names without the channel prefix) and the decision-threshold
// calibration for binary classifiers. Every function takes per-record weights (all 1 when unweighted).
#include <map>
#include <span>
#include <string>
#include <vector>

namespace linlearn {

using MetricMap = std::map<std::string, double>;

// scores: P(y=1) (logistic) or raw margins (hinge); predicted label = score > threshold.
// Whether runs of `predictor_type` ("binary_classifier", ...; any other: some type) report the
// metric `name` (objective_loss and the keys below).
bool reports_metric(const std::string& predictor_type, const std::string& name);

// Keys: binary_classification_accuracy, binary_f_beta, precision, recall, roc_auc_score.
MetricMap binary_metrics(std::span<const float> scores, std::span<const float> labels, std::span<const float> weights,
                         double threshold, double f_beta);

// probs: rows x num_classes, row-major. Keys: multiclass_accuracy, multiclass_top_k_accuracy,
// macro_precision, macro_recall, macro_f_beta, dcg.
MetricMap multiclass_metrics(std::span<const float> probs, int num_classes, std::span<const float> labels,
                             std::span<const float> weights, int top_k, double f_beta);

// Keys: mse, rmse, absolute_loss, r2.
MetricMap regression_metrics(std::span<const float> predictions, std::span<const float> labels,
                             std::span<const float> weights);

// Running sums behind the metrics above, added one record at a time: every metric but
// roc_auc_score is a function of them, so a channel too large for memory is measured exactly in
// one pass. binary_metrics and multiclass_metrics are built on them (same arithmetic).
class BinarySums {
 public:
  BinarySums(double threshold, double f_beta) : threshold_(threshold), f_beta_(f_beta) {}
  void add(float score, float label, double weight);
  // Every key of binary_metrics but roc_auc_score.
  MetricMap metrics() const;
  // The running sums in a fixed order: the ranks of a job add theirs up (Communicator::sum) and
  // put the totals back with set_sums.
  std::vector<double> sums() const;
  void set_sums(std::span<const double> sums);

 private:
  double threshold_;
  double f_beta_;
  double true_positive_ = 0.0;
  double false_positive_ = 0.0;
  double true_negative_ = 0.0;
  double false_negative_ = 0.0;
};

class MulticlassSums {
 public:
  MulticlassSums(int num_classes, int top_k, double f_beta);
  // probs: one record's num_classes probabilities.
  void add(std::span<const float> probs, float label, double weight);
  MetricMap metrics() const;
  // The running sums in a fixed order: the ranks of a job add theirs up (Communicator::sum) and
  // put the totals back with set_sums.
  std::vector<double> sums() const;
  void set_sums(std::span<const double> sums);

 private:
  int num_classes_;
  int top_k_;
  double f_beta_;
  std::vector<double> true_positive_;
  std::vector<double> predicted_;
  std::vector<double> actual_;
  double total_ = 0.0;
  double correct_ = 0.0;
  double correct_top_k_ = 0.0;
  double dcg_ = 0.0;
};

// regression_metrics in one pass: the label variance behind r2 is summed around the first label
// (not zero), so large label offsets do not cancel; equal to regression_metrics up to rounding.
class RegressionSums {
 public:
  void add(float prediction, float label, double weight);
  MetricMap metrics() const;
  // The sums are taken around a shift (the first label added); ranks agree on one before adding
  // up their sums: rebase re-expresses them around `shift`, exactly but for rounding.
  bool started() const { return started_; }
  double shift() const { return shift_; }
  void rebase(double shift);
  // The running sums in a fixed order: the ranks of a job add theirs up (Communicator::sum) and
  // put the totals back with set_sums.
  std::vector<double> sums() const;
  void set_sums(std::span<const double> sums);

 private:
  bool started_ = false;
  double shift_ = 0.0;
  double total_ = 0.0;
  double shifted_label_sum_ = 0.0;
  double shifted_label_squares_ = 0.0;
  double squared_error_ = 0.0;
  double absolute_error_ = 0.0;
};

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
