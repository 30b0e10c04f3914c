// Weighted quality metrics for binary, multiclass and regression predictions (SPEC section 7).
// A channel whose weights sum to zero yields 0 for every metric rather than NaN, since NaN has no
// JSON spelling; ROC AUC is 0.5 (chance) when one of the two classes is absent.
#include "linlearn/metrics.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <vector>

#include "eval/binary_confusion.h"

namespace linlearn {
namespace {

using detail::BinaryConfusion;
using detail::is_positive_label;
using detail::weight_at;

double safe_ratio(double numerator, double denominator) {
  return denominator > 0.0 ? numerator / denominator : 0.0;
}

// Weighted probability that a random positive outscores a random negative, ties counting one half.
// One sort, then one pass over groups of equal scores; NaN scores rank below everything.
double weighted_roc_auc(std::span<const float> scores, std::span<const float> labels, std::span<const float> weights) {
  double nan_positive = 0.0;
  double nan_negative = 0.0;
  const auto records = detail::sorted_by_descending_score(scores, labels, weights, &nan_positive, &nan_negative);
  double positive_above = 0.0;
  double negative_total = 0.0;
  double area = 0.0;  // weight of (positive, negative) pairs ordered correctly
  detail::for_each_score_group(records, [&](auto first, auto last) {
    double group_positive = 0.0;
    double group_negative = 0.0;
    for (auto it = first; it != last; ++it) (it->positive ? group_positive : group_negative) += it->weight;
    area += group_negative * (positive_above + 0.5 * group_positive);
    positive_above += group_positive;
    negative_total += group_negative;
  });
  area += nan_negative * (positive_above + 0.5 * nan_positive);
  const double total_positive = positive_above + nan_positive;
  const double total_negative = negative_total + nan_negative;
  if (total_positive <= 0.0 || total_negative <= 0.0) return 0.5;
  return area / (total_positive * total_negative);
}

int class_of(float label, int num_classes) {
  const double rounded = std::round(static_cast<double>(label));
  if (rounded != static_cast<double>(label) || rounded < 0.0 || rounded >= num_classes) {
    throw std::invalid_argument("multiclass metrics: label " + std::to_string(label) + " is not a class index in 0.." +
                                std::to_string(num_classes - 1));
  }
  return static_cast<int>(rounded);
}

// 1-based rank of class `c` in a row of probabilities; equal probabilities rank the lower index first.
int rank_of_class(std::span<const float> row, int c) {
  int rank = 1;
  for (int j = 0; j < static_cast<int>(row.size()); ++j) {
    if (row[j] > row[c] || (row[j] == row[c] && j < c)) ++rank;
  }
  return rank;
}

// What regression_metrics and RegressionSums report, from their sums.
MetricMap regression_map(double total, double squared_error, double absolute_error, double total_sum_of_squares) {
  const double mse = safe_ratio(squared_error, total);
  // Constant labels leave nothing to explain; report 0 instead of dividing by zero.
  const double r2 = total_sum_of_squares > 0.0 ? 1.0 - squared_error / total_sum_of_squares : 0.0;
  return {
      {"mse", mse},
      {"rmse", std::sqrt(mse)},
      {"absolute_loss", safe_ratio(absolute_error, total)},
      {"r2", r2},
  };
}

}  // namespace

bool reports_metric(const std::string& predictor_type, const std::string& name) {
  static const std::map<std::string, std::set<std::string>> names{
      {"binary_classifier",
       {"objective_loss", "binary_classification_accuracy", "binary_f_beta", "precision", "recall", "roc_auc_score"}},
      {"multiclass_classifier",
       {"objective_loss", "multiclass_accuracy", "multiclass_top_k_accuracy", "macro_precision", "macro_recall",
        "macro_f_beta", "dcg"}},
      {"regressor", {"objective_loss", "mse", "rmse", "absolute_loss", "r2"}},
  };
  const auto type = names.find(predictor_type);
  if (type != names.end()) return type->second.count(name) > 0;
  for (const auto& [any_type, metrics] : names)
    if (metrics.count(name) > 0) return true;
  return false;
}

void BinarySums::add(float score, float label, double weight) {
  const bool positive = is_positive_label(label);
  if (score > threshold_) {
    (positive ? true_positive_ : false_positive_) += weight;
  } else {
    (positive ? false_negative_ : true_negative_) += weight;
  }
}

MetricMap BinarySums::metrics() const {
  const BinaryConfusion confusion{true_positive_, false_positive_, true_negative_, false_negative_};
  return {
      {"binary_classification_accuracy", confusion.accuracy()},
      {"binary_f_beta", confusion.f_beta(f_beta_)},
      {"precision", confusion.precision()},
      {"recall", confusion.recall()},
  };
}

std::vector<double> BinarySums::sums() const {
  return {true_positive_, false_positive_, true_negative_, false_negative_};
}

void BinarySums::set_sums(std::span<const double> sums) {
  true_positive_ = sums[0];
  false_positive_ = sums[1];
  true_negative_ = sums[2];
  false_negative_ = sums[3];
}

MulticlassSums::MulticlassSums(int num_classes, int top_k, double f_beta)
    : num_classes_(num_classes), top_k_(std::clamp(top_k, 1, std::max(num_classes, 1))), f_beta_(f_beta) {
  if (num_classes < 1) throw std::invalid_argument("multiclass_metrics: num_classes must be positive");
  const auto classes = static_cast<std::size_t>(num_classes);
  true_positive_.assign(classes, 0.0);
  predicted_.assign(classes, 0.0);
  actual_.assign(classes, 0.0);
}

void MulticlassSums::add(std::span<const float> row, float label, double weight) {
  const int truth = class_of(label, num_classes_);
  const int rank = rank_of_class(row, truth);
  // The top-ranked class under the same tie rule is the prediction.
  const auto prediction = static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
  total_ += weight;
  predicted_[prediction] += weight;
  actual_[static_cast<std::size_t>(truth)] += weight;
  if (rank == 1) {
    correct_ += weight;
    true_positive_[prediction] += weight;
  }
  if (rank <= top_k_) correct_top_k_ += weight;
  dcg_ += weight / std::log2(1.0 + rank);
}

MetricMap MulticlassSums::metrics() const {
  double precision_sum = 0.0;
  double recall_sum = 0.0;
  double f_beta_sum = 0.0;
  for (std::size_t c = 0; c < true_positive_.size(); ++c) {
    const double precision = safe_ratio(true_positive_[c], predicted_[c]);
    const double recall = safe_ratio(true_positive_[c], actual_[c]);
    precision_sum += precision;
    recall_sum += recall;
    f_beta_sum += BinaryConfusion::f_beta_of(precision, recall, f_beta_);
  }
  const double n = static_cast<double>(num_classes_);
  return {
      {"multiclass_accuracy", safe_ratio(correct_, total_)},
      {"multiclass_top_k_accuracy", safe_ratio(correct_top_k_, total_)},
      {"macro_precision", precision_sum / n},
      {"macro_recall", recall_sum / n},
      {"macro_f_beta", f_beta_sum / n},
      {"dcg", safe_ratio(dcg_, total_)},
  };
}

std::vector<double> MulticlassSums::sums() const {
  std::vector<double> out{total_, correct_, correct_top_k_, dcg_};
  for (const auto* v : {&true_positive_, &predicted_, &actual_}) out.insert(out.end(), v->begin(), v->end());
  return out;
}

void MulticlassSums::set_sums(std::span<const double> sums) {
  total_ = sums[0];
  correct_ = sums[1];
  correct_top_k_ = sums[2];
  dcg_ = sums[3];
  std::size_t at = 4;
  for (auto* v : {&true_positive_, &predicted_, &actual_})
    for (double& x : *v) x = sums[at++];
}

void RegressionSums::add(float prediction, float label, double weight) {
  if (!started_) shift_ = label;
  started_ = true;
  const double residual = static_cast<double>(label) - static_cast<double>(prediction);
  const double shifted = static_cast<double>(label) - shift_;
  total_ += weight;
  shifted_label_sum_ += weight * shifted;
  shifted_label_squares_ += weight * shifted * shifted;
  squared_error_ += weight * residual * residual;
  absolute_error_ += weight * std::abs(residual);
}

MetricMap RegressionSums::metrics() const {
  // Sum of w (y - mean)^2 = sum of w (y - shift)^2 - (sum of w (y - shift))^2 / sum of w.
  const double total_sum_of_squares =
      std::max(0.0, shifted_label_squares_ - safe_ratio(shifted_label_sum_ * shifted_label_sum_, total_));
  return regression_map(total_, squared_error_, absolute_error_, total_sum_of_squares);
}

void RegressionSums::rebase(double shift) {
  // With d = old shift - new shift: sum w (y - new) = S + d T, sum w (y - new)^2 = Q + 2 d S + d^2 T.
  const double d = started_ ? shift_ - shift : 0.0;
  shifted_label_squares_ += 2 * d * shifted_label_sum_ + d * d * total_;
  shifted_label_sum_ += d * total_;
  shift_ = shift;
  started_ = true;
}

std::vector<double> RegressionSums::sums() const {
  return {total_, shifted_label_sum_, shifted_label_squares_, squared_error_, absolute_error_};
}

void RegressionSums::set_sums(std::span<const double> sums) {
  total_ = sums[0];
  shifted_label_sum_ = sums[1];
  shifted_label_squares_ = sums[2];
  squared_error_ = sums[3];
  absolute_error_ = sums[4];
}

MetricMap binary_metrics(std::span<const float> scores, std::span<const float> labels, std::span<const float> weights,
                         double threshold, double f_beta) {
  detail::require_same_length(scores.size(), labels.size(), weights.size(), "binary_metrics");
  BinarySums sums(threshold, f_beta);
  for (std::size_t i = 0; i < scores.size(); ++i) sums.add(scores[i], labels[i], weight_at(weights, i));
  MetricMap metrics = sums.metrics();
  metrics["roc_auc_score"] = weighted_roc_auc(scores, labels, weights);
  return metrics;
}

MetricMap multiclass_metrics(std::span<const float> probs, int num_classes, std::span<const float> labels,
                             std::span<const float> weights, int top_k, double f_beta) {
  if (num_classes < 1) throw std::invalid_argument("multiclass_metrics: num_classes must be positive");
  const auto classes = static_cast<std::size_t>(num_classes);
  detail::require_same_length(probs.size() / classes, labels.size(), weights.size(), "multiclass_metrics");
  if (probs.size() != labels.size() * classes) {
    throw std::invalid_argument("multiclass_metrics: probabilities are not rows x num_classes");
  }
  MulticlassSums sums(num_classes, top_k, f_beta);
  for (std::size_t r = 0; r < labels.size(); ++r)
    sums.add(probs.subspan(r * classes, classes), labels[r], weight_at(weights, r));
  return sums.metrics();
}

MetricMap regression_metrics(std::span<const float> predictions, std::span<const float> labels,
                             std::span<const float> weights) {
  detail::require_same_length(predictions.size(), labels.size(), weights.size(), "regression_metrics");
  double total = 0.0;
  double weighted_labels = 0.0;
  double squared_error = 0.0;
  double absolute_error = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double w = weight_at(weights, i);
    const double residual = static_cast<double>(labels[i]) - static_cast<double>(predictions[i]);
    total += w;
    weighted_labels += w * labels[i];
    squared_error += w * residual * residual;
    absolute_error += w * std::abs(residual);
  }
  // In memory the mean comes first, then the deviations: more accurate than RegressionSums.
  const double label_mean = safe_ratio(weighted_labels, total);
  double total_sum_of_squares = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double deviation = static_cast<double>(labels[i]) - label_mean;
    total_sum_of_squares += weight_at(weights, i) * deviation * deviation;
  }
  return regression_map(total, squared_error, absolute_error, total_sum_of_squares);
}

}  // namespace linlearn
