// Decision-threshold calibration for binary classifiers and the names of the selection criteria.
// One sort of the scores, then a sweep that moves one group of equal scores at a time from the
// predicted-negative side to the predicted-positive side: O(n log n) in all.
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

#include "eval/binary_confusion.h"
#include "linlearn/errors.h"
#include "linlearn/metrics.h"

namespace linlearn {
namespace {

using detail::BinaryConfusion;

constexpr std::array<std::pair<SelectionCriterion, const char*>, 5> kCriterionNames{{
    {SelectionCriterion::kAccuracy, "accuracy"},
    {SelectionCriterion::kFBeta, "f_beta"},
    {SelectionCriterion::kPrecisionAtTargetRecall, "precision_at_target_recall"},
    {SelectionCriterion::kRecallAtTargetPrecision, "recall_at_target_precision"},
    {SelectionCriterion::kLossFunction, "loss_function"},
}};

// Sums of weights that differ only by rounding must count as ties.
constexpr double kTolerance = 1e-12;

// How good one threshold is, compared lexicographically: thresholds that meet the target beat those
// that do not; then the primary value, then the secondary one.
struct Quality {
  bool feasible = true;
  double primary = 0.0;
  double secondary = 0.0;
  // What Calibration::score reports. Models are ranked by it, so a threshold that misses its target
  // scores (achieved constraint - 1), below every threshold that meets one and higher the closer it gets.
  double score = 0.0;
};

Quality quality_of(const BinaryConfusion& confusion, const CalibrationTarget& target) {
  const double precision = confusion.precision();
  const double recall = confusion.recall();
  switch (target.criterion) {
    case SelectionCriterion::kFBeta: {
      const double f = confusion.f_beta(target.f_beta);
      return {true, f, 0.0, f};
    }
    case SelectionCriterion::kPrecisionAtTargetRecall: {
      // Short of the target, getting closer to it (more recall) is what counts.
      const bool feasible = recall >= target.target_recall - kTolerance;
      return feasible ? Quality{true, precision, recall, precision} : Quality{false, recall, precision, recall - 1.0};
    }
    case SelectionCriterion::kRecallAtTargetPrecision: {
      const bool feasible = precision >= target.target_precision - kTolerance;
      return feasible ? Quality{true, recall, precision, recall} : Quality{false, precision, recall, precision - 1.0};
    }
    case SelectionCriterion::kAccuracy:
    case SelectionCriterion::kLossFunction:
      break;
  }
  const double accuracy = confusion.accuracy();
  return {true, accuracy, 0.0, accuracy};
}

// -1: a is worse, 0: as good, +1: a is better.
int compare(const Quality& a, const Quality& b) {
  if (a.feasible != b.feasible) return a.feasible ? 1 : -1;
  if (std::abs(a.primary - b.primary) > kTolerance) return a.primary > b.primary ? 1 : -1;
  if (std::abs(a.secondary - b.secondary) > kTolerance) return a.secondary > b.secondary ? 1 : -1;
  return 0;
}

// A threshold strictly below `lowest` that survives a round trip through float.
double threshold_below(double lowest, double default_threshold) {
  if (default_threshold < lowest) return default_threshold;
  return lowest - 1e-6 * std::max(1.0, std::abs(lowest));
}

}  // namespace

SelectionCriterion parse_selection_criterion(const std::string& name) {
  for (const auto& [criterion, criterion_name] : kCriterionNames) {
    if (name == criterion_name) return criterion;
  }
  std::string allowed;
  for (const auto& entry : kCriterionNames) {
    allowed += (allowed.empty() ? "" : ", ") + std::string(entry.second);
  }
  throw UsageError("binary_classifier_model_selection_criteria: '" + name + "' is not one of " + allowed);
}

std::string selection_criterion_name(SelectionCriterion c) {
  for (const auto& [criterion, criterion_name] : kCriterionNames) {
    if (criterion == c) return criterion_name;
  }
  throw std::invalid_argument("selection_criterion_name: unknown criterion");
}

Calibration calibrate_threshold(std::span<const float> scores, std::span<const float> labels,
                                std::span<const float> weights, const CalibrationTarget& target,
                                double default_threshold) {
  detail::require_same_length(scores.size(), labels.size(), weights.size(), "calibrate_threshold");

  // Start with every record predicted negative; the sweep flips them in descending score order.
  // Records with a NaN score stay predicted negative throughout: no threshold is below NaN.
  BinaryConfusion confusion;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    confusion.add(false, detail::is_positive_label(labels[i]), detail::weight_at(weights, i));
  }
  const std::vector<detail::ScoredRecord> records = detail::sorted_by_descending_score(scores, labels, weights);
  if (target.criterion == SelectionCriterion::kLossFunction || records.empty()) {
    BinaryConfusion at_default;
    for (std::size_t i = 0; i < scores.size(); ++i) {
      at_default.add(scores[i] > default_threshold, detail::is_positive_label(labels[i]),
                     detail::weight_at(weights, i));
    }
    return {default_threshold, at_default.accuracy()};
  }

  // Nothing predicted positive: any threshold at or above the highest score.
  double best_threshold = std::max(static_cast<double>(records.front().score), default_threshold);
  Quality best = quality_of(confusion, target);
  detail::for_each_score_group(records, [&](auto first, auto last) {
    for (auto it = first; it != last; ++it) {
      (it->positive ? confusion.false_negative : confusion.true_negative) -= it->weight;
      (it->positive ? confusion.true_positive : confusion.false_positive) += it->weight;
    }
    const double group_score = first->score;
    const double threshold = last == records.end() ? threshold_below(group_score, default_threshold)
                                                   : 0.5 * (group_score + static_cast<double>(last->score));
    const Quality candidate = quality_of(confusion, target);
    const int order_vs_best = compare(candidate, best);
    if (order_vs_best > 0 || (order_vs_best == 0 &&
                              std::abs(threshold - default_threshold) < std::abs(best_threshold - default_threshold))) {
      best = candidate;
      best_threshold = threshold;
    }
  });
  return {best_threshold, best.score};
}

}  // namespace linlearn
