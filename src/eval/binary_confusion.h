#pragma once
// Weighted confusion counts of a binary classifier and the rates derived from them. The metrics and
// the threshold calibration share this so that both define precision, recall and F-beta alike.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace linlearn::detail {

// Labels are 0/1; anything above one half counts as the positive class.
inline bool is_positive_label(float label) {
  return label > 0.5f;
}

// An empty weights span stands for "every record weighs 1".
inline double weight_at(std::span<const float> weights, std::size_t i) {
  return weights.empty() ? 1.0 : static_cast<double>(weights[i]);
}

// Mismatched lengths are a bug in the caller, not a user error.
inline void require_same_length(std::size_t values, std::size_t labels, std::size_t weights, const char* what) {
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

// One record as the threshold sweeps see it; kept contiguous so sorting stays cache-friendly.
struct ScoredRecord {
  float score;
  float weight;
  bool positive;
};

// Orders records by descending score with an LSD radix sort on the float's bits: selection and
// metrics sort every model's scores of whole channels, where a comparison sort dominated the time.
// Records with equal scores end up adjacent in some order, which is all the threshold sweeps need.
inline void sort_by_descending_score(std::vector<ScoredRecord>& records) {
  const auto key = [](float score) {
    // Larger scores get smaller keys; -0 and +0 share one.
    const auto bits = std::bit_cast<std::uint32_t>(score == 0.0F ? 0.0F : score);
    return (bits & 0x80000000U) != 0 ? bits : ~(bits | 0x80000000U);
  };
  constexpr int kDigitBits = 11;
  constexpr std::uint32_t kDigitMask = (1U << kDigitBits) - 1;
  std::vector<ScoredRecord> buffer(records.size());
  for (int shift = 0; shift < 32; shift += kDigitBits) {
    std::array<std::size_t, kDigitMask + 1> start{};
    for (const auto& r : records) ++start[(key(r.score) >> shift) & kDigitMask];
    std::size_t offset = 0;
    for (auto& s : start) offset += std::exchange(s, offset);
    for (const auto& r : records) buffer[start[(key(r.score) >> shift) & kDigitMask]++] = r;
    records.swap(buffer);
  }
}

// The records with a score, highest first. A NaN score is above no threshold, so such records are
// left out; `nan_positive`/`nan_negative` receive their weights for callers that must count them.
inline std::vector<ScoredRecord> sorted_by_descending_score(std::span<const float> scores,
                                                            std::span<const float> labels,
                                                            std::span<const float> weights,
                                                            double* nan_positive = nullptr,
                                                            double* nan_negative = nullptr) {
  std::vector<ScoredRecord> records;
  records.reserve(scores.size());
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const bool positive = is_positive_label(labels[i]);
    const auto weight = static_cast<float>(weight_at(weights, i));
    if (!std::isnan(scores[i])) {
      records.push_back({scores[i], weight, positive});
    } else if (double* nan_total = positive ? nan_positive : nan_negative) {
      *nan_total += weight;
    }
  }
  sort_by_descending_score(records);
  return records;
}

// Calls visit(first, last) for each run of equal scores in `records` (sorted), in order.
template <typename Visit>
void for_each_score_group(const std::vector<ScoredRecord>& records, Visit visit) {
  for (std::size_t start = 0; start < records.size();) {
    std::size_t end = start + 1;
    while (end < records.size() && records[end].score == records[start].score) ++end;
    visit(records.begin() + static_cast<std::ptrdiff_t>(start), records.begin() + static_cast<std::ptrdiff_t>(end));
    start = end;
  }
}

}  // namespace linlearn::detail
