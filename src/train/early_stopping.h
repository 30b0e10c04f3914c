#pragma once
// Per-model early stopping and divergence detection (SPEC section 4), one instance per model, so
// no optimizer carries its own copy of the logic.
#include <algorithm>
#include <cmath>
#include <optional>

#include "linlearn/config.h"
#include "linlearn/trainer.h"

namespace linlearn {

class EarlyStopping {
 public:
  explicit EarlyStopping(const EarlyStoppingConfig& config) : config_(config) {}

  // Everything a checkpoint must carry to continue identically.
  struct State {
    std::optional<double> initial;
    std::optional<double> first;
    std::optional<double> best;
    int best_epoch = -1;
    int stale = 0;
    double last_improvement = INFINITY;
    std::optional<double> first_progressive;
  };
  State state() const { return {initial_, first_, best_, best_epoch_, stale_, last_improvement_, first_progressive_}; }
  void restore(const State& s) {
    initial_ = s.initial;
    first_ = s.first;
    first_progressive_ = s.first_progressive;
    best_ = s.best;
    best_epoch_ = s.best_epoch;
    stale_ = s.stale;
    last_improvement_ = s.last_improvement;
  }

  enum class Verdict { kImproved, kNoImprovement, kStop, kDiverged };

  // The loss of the untrained model: a model that ends an epoch 10x above it diverged, even when
  // its first epoch was already that bad.
  void set_initial_loss(double loss) { initial_ = loss; }

  // Whether the loss of an epoch's records as they were trained on (each before its update) shows
  // divergence: NaN/inf, or 10x above the untrained model's or the first epoch's.
  bool diverges(double progressive_loss) {
    if (!first_progressive_) first_progressive_ = progressive_loss;
    const auto above = [&](const std::optional<double>& reference) {
      return reference && *reference > 0 && progressive_loss > 10 * *reference;
    };
    return !std::isfinite(progressive_loss) || above(first_progressive_) || above(initial_);
  }

  // Records the criterion (lower is better) of one epoch.
  Verdict update(int epoch, double criterion) {
    const auto above = [&](const std::optional<double>& reference) {
      return reference && *reference > 0 && criterion > 10 * *reference;
    };
    if (!std::isfinite(criterion) || above(first_) || above(initial_)) return Verdict::kDiverged;
    if (!first_) first_ = criterion;
    last_improvement_ = best_ ? (*best_ - criterion) / std::max(std::abs(*best_), 1e-12) : INFINITY;
    if (!best_ || criterion < *best_ * (1 - config_.tolerance) || (*best_ <= 0 && criterion < *best_)) {
      best_ = criterion;
      best_epoch_ = epoch;
      stale_ = 0;
      return Verdict::kImproved;
    }
    if (++stale_ >= config_.patience) return Verdict::kStop;
    return Verdict::kNoImprovement;
  }
  int best_epoch() const { return best_epoch_; }
  double best() const { return best_ ? *best_ : INFINITY; }
  // Whether the last epoch still improved by more than the tolerance (training had not settled).
  bool still_improving() const { return last_improvement_ > config_.tolerance; }
  double last_improvement() const { return last_improvement_; }

 private:
  EarlyStoppingConfig config_;
  std::optional<double> initial_;
  std::optional<double> first_;
  std::optional<double> best_;
  std::optional<double> first_progressive_;
  int best_epoch_ = -1;
  int stale_ = 0;
  double last_improvement_ = INFINITY;
};

}  // namespace linlearn
