#include "linlearn/optimizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

constexpr std::array<std::pair<OptimizerKind, const char*>, 3> kOptimizerNames = {{
    {OptimizerKind::kSgd, "sgd"},
    {OptimizerKind::kAdam, "adam"},
    {OptimizerKind::kRmsprop, "rmsprop"},
}};

// State of one parameter block. Moments are stored as float (the parameters' own precision, and
// half the memory of double for wide multi-model blocks); every update is computed in double.
struct BlockState {
  std::vector<float> first;   // sgd / rmsprop: momentum velocity; adam: first moment
  std::vector<float> second;  // adam / rmsprop: running average of squared gradients
  std::int64_t steps = 0;     // step() / step_rows() calls on this block
  // step_rows() with regularization: per row, the step up to which its weight decay and l1 were applied.
  std::vector<std::int64_t> regularized_to;
};

// Adam's bias-correction denominators for the current step; 1 for the other optimizers.
struct BiasCorrection {
  double first = 1.0;
  double second = 1.0;
};

// Proximal operator of threshold * |w|: soft-thresholding, which yields exact zeros.
double soft_threshold(double w, double threshold) {
  if (w > threshold) return w - threshold;
  if (w < -threshold) return w + threshold;
  return 0.0;
}

// Shared by the three optimizers: per-block state, weight decay, the l1 proximal step, the
// row-wise (lazy) update and checkpoint serialization. Subclasses supply the update rule for a
// contiguous span of one block.
//
// Not thread-safe: one instance serves one model, and the trainer steps its blocks in turn.
class BlockOptimizer : public Optimizer {
 public:
  void step(int block, float* params, const float* grads, std::size_t n, const StepSettings& s) override {
    BlockState& state = state_for(block, n);
    ++state.steps;
    update_span(state, bias_correction(state.steps), params, grads, 0, n, s);
    std::fill(state.regularized_to.begin(), state.regularized_to.end(), state.steps);
  }

  // `grads` holds the gradient of the listed rows only, row after row (rows.size() x cols). Rows
  // should be distinct: a repeated row is stepped again. For Adam the bias correction uses the
  // block's step count even for rows that skipped some steps: the usual "lazy Adam" approximation,
  // which keeps the cost of a sparse step proportional to the rows it touches. A row's regularization
  // is lazy too: when a row is stepped, it first gets the weight decay and l1 shrinkage of the steps
  // it skipped, as plain gradient steps on the penalty alone, so that a rare feature is held back
  // as much as a dense one.
  void step_rows(int block, float* params, const float* grads, std::size_t total,
                 const std::vector<std::uint32_t>& rows, std::size_t cols, const StepSettings& s) override {
    if (cols == 0 || total % cols != 0) {
      throw std::invalid_argument("Optimizer::step_rows: block size " + std::to_string(total) +
                                  " is not a multiple of the row width " + std::to_string(cols));
    }
    const std::size_t row_count = total / cols;
    for (const std::uint32_t row : rows) {
      if (row >= row_count) {
        throw std::invalid_argument("Optimizer::step_rows: row " + std::to_string(row) + " of a block with " +
                                    std::to_string(row_count) + " rows");
      }
    }
    BlockState& state = state_for(block, total);
    ++state.steps;
    const BiasCorrection correction = bias_correction(state.steps);
    const bool regularized = s.wd > 0.0 || s.l1 > 0.0;
    if (regularized && state.regularized_to.empty()) state.regularized_to.assign(row_count, 0);
    // Decay per skipped step, as a logarithm so a row's catch-up costs one exp.
    const double log_decay =
        s.learning_rate * s.wd < 1.0 ? std::log1p(-s.learning_rate * s.wd) : -std::numeric_limits<double>::infinity();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::size_t begin = static_cast<std::size_t>(rows[i]) * cols;
      if (regularized) {
        std::int64_t& done = state.regularized_to[rows[i]];
        catch_up_regularization(params + begin, cols, state.steps - 1 - done, log_decay, s);
        done = state.steps;
      }
      update_span(state, correction, params, grads + i * cols, begin, cols, s);
    }
  }

  // Layout: kind, block count, then per block: steps, size of `first`, its values, size of
  // `second`, its values, size of `regularized_to`, its values. Every stored quantity is a float or
  // a count below 2^53, so the round trip through double is exact.
  std::vector<double> save_state() const override {
    std::vector<double> out;
    std::size_t size = 2;
    for (const BlockState& state : blocks_)
      size += 4 + state.first.size() + state.second.size() + state.regularized_to.size();
    out.reserve(size);  // a wide model's state is large: no regrowth copies
    out.push_back(static_cast<double>(static_cast<int>(kind())));
    out.push_back(static_cast<double>(blocks_.size()));
    for (const BlockState& state : blocks_) {
      out.push_back(static_cast<double>(state.steps));
      for (const std::vector<float>* moments : {&state.first, &state.second}) {
        out.push_back(static_cast<double>(moments->size()));
        out.insert(out.end(), moments->begin(), moments->end());
      }
      out.push_back(static_cast<double>(state.regularized_to.size()));
      out.insert(out.end(), state.regularized_to.begin(), state.regularized_to.end());
    }
    return out;
  }

  void load_state(const std::vector<double>& state) override {
    std::size_t at = 0;
    const auto next = [&]() {
      if (at >= state.size()) {
        throw InputError("optimizer state: ends early (" + std::to_string(state.size()) + " values)");
      }
      return state[at++];
    };
    // A count is a non-negative integer no larger than `limit` (which also bounds allocations).
    const auto next_count = [&](double limit) {
      const double value = next();
      if (!(value >= 0.0) || value != std::floor(value) || value > limit) {
        throw InputError("optimizer state: bad count " + std::to_string(value));
      }
      return value;
    };
    const auto remaining = [&]() { return static_cast<double>(state.size() - at); };
    constexpr double kMaxSteps = 9007199254740992.0;  // 2^53: every smaller integer is exact
    if (next() != static_cast<double>(static_cast<int>(kind()))) {
      throw InputError("optimizer state: saved by a different optimizer than " + optimizer_kind_name(kind()));
    }
    std::vector<BlockState> blocks(static_cast<std::size_t>(next_count(remaining())));
    for (BlockState& block : blocks) {
      block.steps = static_cast<std::int64_t>(next_count(kMaxSteps));
      for (std::vector<float>* moments : {&block.first, &block.second}) {
        moments->resize(static_cast<std::size_t>(next_count(remaining())));
        for (float& value : *moments) value = static_cast<float>(next());
      }
      block.regularized_to.resize(static_cast<std::size_t>(next_count(remaining())));
      for (std::int64_t& step : block.regularized_to) step = static_cast<std::int64_t>(next_count(kMaxSteps));
    }
    if (at != state.size()) {
      throw InputError("optimizer state: " + std::to_string(state.size() - at) + " extra values");
    }
    blocks_ = std::move(blocks);
  }

 protected:
  virtual OptimizerKind kind() const = 0;
  virtual bool uses_first() const = 0;
  virtual bool uses_second() const = 0;
  virtual BiasCorrection bias_correction(std::int64_t /*steps*/) const { return {}; }
  // Updates params[begin, begin + count) from their gradients grads[0, count); state.steps already
  // counts this step.
  virtual void update_span(BlockState& state, const BiasCorrection& correction, float* params, const float* grads,
                           std::size_t begin, std::size_t count, const StepSettings& s) const = 0;

  // The gradient with weight decay.
  static double regularized_gradient(double w, double g, const StepSettings& s) { return g + s.wd * w; }
  // The l1 proximal step after an update whose steady-state displacement per unit of gradient is
  // `step_per_gradient`. Thresholding by that times l1 makes the fixed point of every optimizer the
  // minimizer of loss + wd/2 |w|^2 + l1 |w|_1; for plain SGD the threshold is learning_rate * l1.
  static float after_l1(double w, double step_per_gradient, const StepSettings& s) {
    return static_cast<float>(s.l1 > 0.0 ? soft_threshold(w, step_per_gradient * s.l1) : w);
  }
  // `skipped` plain gradient steps on wd/2 |w|^2 (each a factor exp(log_decay)) followed by l1
  // shrinkage, at this step's rate.
  static void catch_up_regularization(float* row, std::size_t count, std::int64_t skipped, double log_decay,
                                      const StepSettings& s) {
    if (skipped <= 0) return;
    const auto steps = static_cast<double>(skipped);
    const double decay = std::exp(steps * log_decay);
    const double threshold = s.learning_rate * s.l1 * steps;
    for (std::size_t i = 0; i < count; ++i) row[i] = static_cast<float>(soft_threshold(row[i] * decay, threshold));
  }

 private:
  BlockState& state_for(int block, std::size_t n) {
    if (block < 0) throw std::invalid_argument("Optimizer: negative block index " + std::to_string(block));
    const auto index = static_cast<std::size_t>(block);
    if (index >= blocks_.size()) blocks_.resize(index + 1);
    BlockState& state = blocks_[index];
    // Sized on first use; a block never changes size afterwards.
    const std::pair<bool, std::vector<float>*> moment_vectors[] = {{uses_first(), &state.first},
                                                                   {uses_second(), &state.second}};
    for (const auto& [used, moments] : moment_vectors) {
      if (!used) continue;
      if (moments->empty()) moments->assign(n, 0.0F);
      if (moments->size() != n) {
        throw std::invalid_argument("Optimizer: block " + std::to_string(block) + " has " +
                                    std::to_string(moments->size()) + " parameters, not " + std::to_string(n));
      }
    }
    return state;
  }

  std::vector<BlockState> blocks_;
};

class Sgd final : public BlockOptimizer {
 public:
  explicit Sgd(double momentum) : momentum_(momentum) {}

 protected:
  OptimizerKind kind() const override { return OptimizerKind::kSgd; }
  bool uses_first() const override { return momentum_ != 0.0; }
  bool uses_second() const override { return false; }
  void update_span(BlockState& state, const BiasCorrection& /*correction*/, float* params, const float* grads,
                   std::size_t begin, std::size_t count, const StepSettings& s) const override {
    for (std::size_t i = begin; i < begin + count; ++i) {
      const double w = params[i];
      const double g = regularized_gradient(w, grads[i - begin], s);
      if (momentum_ == 0.0) {
        params[i] = after_l1(w - s.learning_rate * g, s.learning_rate, s);
      } else {
        const double velocity = momentum_ * state.first[i] - s.learning_rate * g;
        state.first[i] = static_cast<float>(velocity);
        // A steady velocity is -learning_rate * g / (1 - momentum).
        params[i] = after_l1(w + velocity, s.learning_rate / (1.0 - momentum_), s);
      }
    }
  }

 private:
  double momentum_;
};

class Adam final : public BlockOptimizer {
 public:
  Adam(double beta_1, double beta_2, double epsilon) : beta_1_(beta_1), beta_2_(beta_2), epsilon_(epsilon) {}

 protected:
  OptimizerKind kind() const override { return OptimizerKind::kAdam; }
  bool uses_first() const override { return true; }
  bool uses_second() const override { return true; }
  BiasCorrection bias_correction(std::int64_t steps) const override {
    const auto t = static_cast<double>(steps);
    return {1.0 - std::pow(beta_1_, t), 1.0 - std::pow(beta_2_, t)};
  }
  void update_span(BlockState& state, const BiasCorrection& correction, float* params, const float* grads,
                   std::size_t begin, std::size_t count, const StepSettings& s) const override {
    // Multiplying by the reciprocals leaves one division per parameter (divisions dominate the cost).
    const double first_correction = 1.0 / correction.first;
    const double second_correction = 1.0 / correction.second;
    for (std::size_t i = begin; i < begin + count; ++i) {
      const double w = params[i];
      const double g = regularized_gradient(w, grads[i - begin], s);
      const double first = beta_1_ * state.first[i] + (1.0 - beta_1_) * g;
      const double second = beta_2_ * state.second[i] + (1.0 - beta_2_) * g * g;
      state.first[i] = static_cast<float>(first);
      state.second[i] = static_cast<float>(second);
      const double step_per_gradient = s.learning_rate / (std::sqrt(second * second_correction) + epsilon_);
      params[i] = after_l1(w - step_per_gradient * (first * first_correction), step_per_gradient, s);
    }
  }

 private:
  double beta_1_;
  double beta_2_;
  double epsilon_;
};

class Rmsprop final : public BlockOptimizer {
 public:
  Rmsprop(double momentum, double decay, double epsilon) : momentum_(momentum), decay_(decay), epsilon_(epsilon) {}

 protected:
  OptimizerKind kind() const override { return OptimizerKind::kRmsprop; }
  bool uses_first() const override { return momentum_ > 0.0; }
  bool uses_second() const override { return true; }
  void update_span(BlockState& state, const BiasCorrection& /*correction*/, float* params, const float* grads,
                   std::size_t begin, std::size_t count, const StepSettings& s) const override {
    for (std::size_t i = begin; i < begin + count; ++i) {
      const double w = params[i];
      const double g = regularized_gradient(w, grads[i - begin], s);
      const double mean_square = decay_ * state.second[i] + (1.0 - decay_) * g * g;
      state.second[i] = static_cast<float>(mean_square);
      const double step_per_gradient = s.learning_rate / (std::sqrt(mean_square) + epsilon_);
      double step = step_per_gradient * g;
      if (momentum_ > 0.0) {
        step += momentum_ * state.first[i];
        state.first[i] = static_cast<float>(step);
      }
      // A steady momentum step is step_per_gradient * g / (1 - momentum).
      params[i] = after_l1(w - step, step_per_gradient / (1.0 - momentum_), s);
    }
  }

 private:
  double momentum_;
  double decay_;  // OptimizerParams::beta_2
  double epsilon_;
};

}  // namespace

OptimizerKind parse_optimizer_kind(const std::string& name) {
  for (const auto& [kind, kind_name] : kOptimizerNames) {
    if (name == kind_name) return kind;
  }
  throw UsageError("optimizer: '" + name + "' is not one of sgd, adam, rmsprop");
}

std::string optimizer_kind_name(OptimizerKind kind) {
  for (const auto& [known_kind, kind_name] : kOptimizerNames) {
    if (known_kind == kind) return kind_name;
  }
  throw std::invalid_argument("optimizer_kind_name: unknown OptimizerKind");
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerParams& params) {
  // The l1 threshold divides by 1 - momentum, and the moment averages need decays below 1; the
  // hyperparameter table has checked the values up front, so one out of range is a bug.
  const auto require_unit_interval = [](const char* option, double value) {
    if (!(value >= 0.0 && value < 1.0))
      throw std::invalid_argument(fmt::format("{}: {} is out of range; expected a number in [0, 1)", option, value));
  };
  require_unit_interval("momentum", params.momentum);
  require_unit_interval("beta_1", params.beta_1);
  require_unit_interval("beta_2", params.beta_2);
  if (!(params.epsilon > 0.0)) {
    throw std::invalid_argument(fmt::format("epsilon: {} is out of range; expected a positive number", params.epsilon));
  }
  switch (params.kind) {
    case OptimizerKind::kSgd:
      return std::make_unique<Sgd>(params.momentum);
    case OptimizerKind::kAdam:
      return std::make_unique<Adam>(params.beta_1, params.beta_2, params.epsilon);
    case OptimizerKind::kRmsprop:
      return std::make_unique<Rmsprop>(params.momentum, params.beta_2, params.epsilon);
  }
  throw std::invalid_argument("make_optimizer: unknown OptimizerKind");
}

}  // namespace linlearn
