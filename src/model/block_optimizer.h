#pragma once
// What the optimizers share: per-block state, the sparse (row-wise, lazy) step and the closed-form
// catch-up of the weight decay and l1 of skipped steps, and checkpoint serialization. Each
// optimizer supplies its update rule for a contiguous span of a block and its penalty per step.
#include <cstdint>
#include <span>
#include <vector>

#include "linlearn/optimizer.h"

namespace linlearn {

// A run of steps taken with the same settings, from `first_step` (1-based) on.
struct SettingsRun {
  std::int64_t first_step = 0;
  StepSettings settings;
};

// State of one parameter block. Moments are stored as float (the parameters' own precision, and
// half the memory of double for wide multi-model blocks); every update is computed in double.
struct BlockState {
  std::vector<float> first;   // sgd / rmsprop: momentum velocity; adam: first moment; ftrl: z and n
  std::vector<float> second;  // adam / rmsprop: squared-gradient average; adagrad: sum
  std::int64_t steps = 0;     // steps on this block
  double records = 0;         // records behind those steps (the penalties of adagrad and ftrl scale with it)
  double records_before = 0;  // ... behind the steps before the last one
  // Sparse steps with regularization: per row, the step up to which its penalties were applied
  // (within update_rows of adagrad: minus the row's updates still to come in the step).
  std::vector<std::int64_t> regularized_to;
  std::vector<SettingsRun> runs;  // the settings of every step, for catching rows up
};

// Adam's bias corrections for the current step, as the factors 1 / (1 - beta^steps) that multiply
// its moments, computed once a step (a sparse step updates its rows one span each, and divisions
// dominate the cost); 1 for the other optimizers.
struct BiasCorrection {
  double first = 1.0;
  double second = 1.0;
};

// One penalty step of a coordinate that saw no gradient, as the map |x| -> max(0, scale |x| - shift)
// (the sign kept): a step on wd/2 x^2 then l1's soft threshold, or their proximal operator.
struct PenaltyStep {
  double scale = 1.0;
  double shift = 0.0;
};

// Not thread-safe but for update_rows and catch_up_rows on disjoint rows: one instance serves one
// model, and the trainer steps its blocks in turn.
class BlockOptimizer : public Optimizer {
 public:
  void step(int block, float* params, const float* grads, std::size_t n, const StepSettings& s) override;
  void begin_rows(int block, std::size_t total, std::size_t cols, const StepSettings& s) override;
  void update_rows(int block, float* params, const float* grads, std::span<const std::uint32_t> rows, std::size_t cols,
                   const StepSettings& s) override;
  void catch_up_rows(int block, float* params, std::span<const std::uint32_t> rows, std::size_t cols) override;
  void catch_up_all(int block, float* params, std::size_t total, std::size_t cols) override;
  bool lags(int block) const override;
  std::vector<std::span<float>> parameter_state(int block) override;
  OptimizerState save_state() const override;
  void load_state(const OptimizerState& state) override;

 protected:
  virtual OptimizerKind kind() const = 0;
  virtual bool uses_first() const = 0;
  virtual bool uses_second() const = 0;
  // Values of `first` per parameter (state kept side by side).
  virtual std::size_t first_width() const { return 1; }
  virtual BiasCorrection bias_correction(std::int64_t /*steps*/) const { return {}; }
  // Updates params[begin, begin + count) from their gradients grads[0, count); state.steps and
  // state.records already count this step.
  virtual void update_span(BlockState& state, const BiasCorrection& correction, float* params, const float* grads,
                           std::size_t begin, std::size_t count, const StepSettings& s) const = 0;
  // Whether every update applies the step's wd and l1 (a proximal step, as adagrad's) rather than
  // the optimizer's state weighing them (ftrl); then a row listed more than once in a sparse step
  // (per-record steps) takes them with its last update only. Rows of sum-stepping optimizers are
  // listed once, so they need not say.
  virtual bool penalizes_each_update() const { return false; }
  // The penalty of one gradient-free step of coordinate i under `run`'s settings, with the bias
  // correction of the current step (as its update would take it).
  virtual PenaltyStep penalty(const BlockState& state, const BiasCorrection& correction, std::size_t i,
                              const StepSettings& run) const = 0;
  // Brings params[begin, begin + count) from step `done` to step `to`, which skipped them;
  // `correction` is the current step's (computed once for all the rows a call catches up).
  virtual void catch_up_span(const BlockState& state, const BiasCorrection& correction, float* params,
                             std::size_t begin, std::size_t count, std::int64_t done, std::int64_t to) const;

  // The gradient with weight decay.
  static double regularized_gradient(double w, double g, const StepSettings& s) { return g + s.wd * w; }
  // The l1 proximal step after an update whose steady-state displacement per unit of gradient is
  // `step_per_gradient`. Thresholding by that times l1 makes the fixed point of every optimizer the
  // minimizer of loss + wd/2 |w|^2 + l1 |w|_1; for plain SGD the threshold is learning_rate * l1.
  // Inline, so that the update loops without l1 vectorize.
  static float after_l1(double w, double step_per_gradient, const StepSettings& s) {
    return static_cast<float>(s.l1 > 0.0 ? soft_threshold(w, step_per_gradient * s.l1) : w);
  }
  static double soft_threshold(double w, double threshold) {
    if (w > threshold) return w - threshold;
    if (w < -threshold) return w + threshold;
    return 0.0;
  }

 private:
  BlockState& state_for(int block, std::size_t n);
  void record_step(BlockState& state, const StepSettings& s);
  void catch_up_row(BlockState& state, const BiasCorrection& correction, float* params, std::uint32_t row,
                    std::size_t cols, std::int64_t to) const;
  void count_updates(BlockState& state, const BiasCorrection& correction, float* params,
                     std::span<const std::uint32_t> rows, std::size_t cols) const;

  std::vector<BlockState> blocks_;
};

}  // namespace linlearn
