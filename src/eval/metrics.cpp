// Weighted quality metrics for binary, multiclass and regression predictions (SPEC section 7).
// A channel whose weights sum to zero yields 0 for every metric rather than NaN, since NaN has no
// JSON spelling; ROC AUC is 0.5 (chance) when one of the two classes is absent.
#include "linlearn/metrics.h"

#include <algorithm>
#include <cmath>
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
double weighted_roc_auc(std::span<const float> scores, std::span<const float> labels,
                        std::span<const float> weights) {
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
    throw std::invalid_argument("multiclass metrics: label " + std::to_string(label) +
                                " is not a class index in 0.." + std::to_string(num_classes - 1));
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

}  // namespace

MetricMap binary_metrics(std::span<const float> scores, std::span<const float> labels,
                         std::span<const float> weights, double threshold, double f_beta) {
  detail::require_same_length(scores.size(), labels.size(), weights.size(), "binary_metrics");
  BinaryConfusion confusion;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    confusion.add(scores[i] > threshold, is_positive_label(labels[i]), weight_at(weights, i));
  }
  return {
      {"binary_classification_accuracy", confusion.accuracy()},
      {"binary_f_beta", confusion.f_beta(f_beta)},
      {"precision", confusion.precision()},
      {"recall", confusion.recall()},
      {"roc_auc_score", weighted_roc_auc(scores, labels, weights)},
  };
}

MetricMap multiclass_metrics(std::span<const float> probs, int num_classes, std::span<const float> labels,
                             std::span<const float> weights, int top_k, double f_beta) {
  if (num_classes < 1) throw std::invalid_argument("multiclass_metrics: num_classes must be positive");
  const auto classes = static_cast<std::size_t>(num_classes);
  detail::require_same_length(probs.size() / classes, labels.size(), weights.size(), "multiclass_metrics");
  if (probs.size() != labels.size() * classes) {
    throw std::invalid_argument("multiclass_metrics: probabilities are not rows x num_classes");
  }
  const int k = std::clamp(top_k, 1, num_classes);

  std::vector<double> true_positive(classes, 0.0);
  std::vector<double> predicted(classes, 0.0);
  std::vector<double> actual(classes, 0.0);
  double total = 0.0;
  double correct = 0.0;
  double correct_top_k = 0.0;
  double dcg = 0.0;
  for (std::size_t r = 0; r < labels.size(); ++r) {
    const std::span<const float> row = probs.subspan(r * classes, classes);
    const int truth = class_of(labels[r], num_classes);
    const double w = weight_at(weights, r);
    const int rank = rank_of_class(row, truth);
    // The top-ranked class under the same tie rule is the prediction.
    const auto prediction = static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
    total += w;
    predicted[prediction] += w;
    actual[static_cast<std::size_t>(truth)] += w;
    if (rank == 1) {
      correct += w;
      true_positive[prediction] += w;
    }
    if (rank <= k) correct_top_k += w;
    dcg += w / std::log2(1.0 + rank);
  }

  double precision_sum = 0.0;
  double recall_sum = 0.0;
  double f_beta_sum = 0.0;
  for (std::size_t c = 0; c < classes; ++c) {
    const double precision = safe_ratio(true_positive[c], predicted[c]);
    const double recall = safe_ratio(true_positive[c], actual[c]);
    precision_sum += precision;
    recall_sum += recall;
    f_beta_sum += BinaryConfusion::f_beta_of(precision, recall, f_beta);
  }
  const double n = static_cast<double>(num_classes);
  return {
      {"multiclass_accuracy", safe_ratio(correct, total)},
      {"multiclass_top_k_accuracy", safe_ratio(correct_top_k, total)},
      {"macro_precision", precision_sum / n},
      {"macro_recall", recall_sum / n},
      {"macro_f_beta", f_beta_sum / n},
      {"dcg", safe_ratio(dcg, total)},
  };
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
  const double label_mean = safe_ratio(weighted_labels, total);
  double total_sum_of_squares = 0.0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double deviation = static_cast<double>(labels[i]) - label_mean;
    total_sum_of_squares += weight_at(weights, i) * deviation * deviation;
  }
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

}  // namespace linlearn
