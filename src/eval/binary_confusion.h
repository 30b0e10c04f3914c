#pragma once
// Weighted confusion counts of a binary classifier and the rates derived from them. The metrics and
// the threshold calibration share this so that both define precision, recall and F-beta alike.
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

namespace linlearn::detail {

// Labels are 0/1; anything above one half counts as the positive class.
inline bool is_positive_label(float label) { return label > 0.5f; }

// An empty weights span stands for "every record weighs 1".
inline double weight_at(std::span<const float> weights, std::size_t i) {
  return weights.empty() ? 1.0 : static_cast<double>(weights[i]);
}

// Mismatched lengths are a bug in the caller, not a user error.
inline void require_same_length(std::size_t values, std::size_t labels, std::size_t weights,
                                const char* what) {
  if (values != labels || (weights != 0 && weights != labels)) {
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(values) + " values, " +
                                std::to_string(labels) + " labels and " + std::to_string(weights) +
                                " weights do not line up");
  }
}

struct BinaryConfusion {
  double true_positive = 0.0;
  double false_positive = 0.0;
  double true_negative = 0.0;
  double false_negative = 0.0;

  void add(bool predicted_positive, bool actually_positive, double weight) {
    if (predicted_positive) {
      (actually_positive ? true_positive : false_positive) += weight;
    } else {
      (actually_positive ? false_negative : true_negative) += weight;
    }
  }

  double total() const { return true_positive + false_positive + true_negative + false_negative; }

  double accuracy() const {
    const double all = total();
    return all > 0.0 ? (true_positive + true_negative) / all : 0.0;
  }

  // No predicted positives: precision is 0 (a classifier that never commits earns nothing).
  double precision() const {
    const double predicted = true_positive + false_positive;
    return predicted > 0.0 ? true_positive / predicted : 0.0;
  }

  double recall() const {
    const double actual = true_positive + false_negative;
    return actual > 0.0 ? true_positive / actual : 0.0;
  }

  double f_beta(double beta) const { return f_beta_of(precision(), recall(), beta); }

  static double f_beta_of(double precision, double recall, double beta) {
    const double beta2 = beta * beta;
    const double denominator = beta2 * precision + recall;
    return denominator > 0.0 ? (1.0 + beta2) * precision * recall / denominator : 0.0;
  }
};

}  // namespace linlearn::detail
