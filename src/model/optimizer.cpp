#include "linlearn/optimizer.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "linlearn/errors.h"
#include "model/block_optimizer.h"

namespace linlearn {
namespace {

constexpr std::array<std::pair<OptimizerKind, const char*>, 5> kOptimizerNames = {{
    {OptimizerKind::kSgd, "sgd"},
    {OptimizerKind::kAdam, "adam"},
    {OptimizerKind::kRmsprop, "rmsprop"},
    {OptimizerKind::kAdagrad, "adagrad"},
    {OptimizerKind::kFtrl, "ftrl"},
}};

// A gradient-free step of an optimizer whose steady displacement per unit of gradient is
// `step_per_gradient`: a step on wd/2 w^2, then l1's soft threshold.
PenaltyStep gradient_penalty(double step_per_gradient, const StepSettings& s) {
  return {1.0 - step_per_gradient * s.wd, step_per_gradient * s.l1};
}

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
  PenaltyStep penalty(const BlockState& /*state*/, const BiasCorrection& /*correction*/, std::size_t /*i*/,
                      const StepSettings& run) const override {
    return gradient_penalty(run.learning_rate / (1.0 - momentum_), run);
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
    return {1.0 / denominator(beta_1_, steps), 1.0 / denominator(beta_2_, steps)};
  }
  void update_span(BlockState& state, const BiasCorrection& correction, float* params, const float* grads,
                   std::size_t begin, std::size_t count, const StepSettings& s) const override {
    for (std::size_t i = begin; i < begin + count; ++i) {
      const double w = params[i];
      const double g = regularized_gradient(w, grads[i - begin], s);
      const double first = beta_1_ * state.first[i] + (1.0 - beta_1_) * g;
      const double second = beta_2_ * state.second[i] + (1.0 - beta_2_) * g * g;
      state.first[i] = static_cast<float>(first);
      state.second[i] = static_cast<float>(second);
      const double step_per_gradient = s.learning_rate / (std::sqrt(second * correction.second) + epsilon_);
      params[i] = after_l1(w - step_per_gradient * (first * correction.first), step_per_gradient, s);
    }
  }
  PenaltyStep penalty(const BlockState& state, const BiasCorrection& correction, std::size_t i,
                      const StepSettings& run) const override {
    const double second = state.second[i] * correction.second;
    return gradient_penalty(run.learning_rate / (std::sqrt(second) + epsilon_), run);
  }

 private:
  // 1 - beta^steps, the moment's bias correction.
  static double denominator(double beta, std::int64_t steps) {
    return 1.0 - std::pow(beta, static_cast<double>(steps));
  }

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
  PenaltyStep penalty(const BlockState& state, const BiasCorrection& /*correction*/, std::size_t i,
                      const StepSettings& run) const override {
    return gradient_penalty(run.learning_rate / (std::sqrt(state.second[i]) + epsilon_) / (1.0 - momentum_), run);
  }

 private:
  double momentum_;
  double decay_;  // OptimizerParams::beta_2
  double epsilon_;
};

// AdaGrad (Duchi, Hazan and Singer 2011) on the batch's summed gradient, with wd and l1 as one
// proximal step per step (of `records` records) at each coordinate's own rate (composite mirror
// descent): per record, the penalties weigh as much as with the other optimizers, and a coordinate
// that sees no gradient only shrinks, which catch-up applies in closed form. Stepping per record
// on sparse data, a coordinate takes the proximal step with its last update of the step only.
class Adagrad final : public BlockOptimizer {
 public:
  explicit Adagrad(double epsilon) : epsilon_(epsilon) {}

 protected:
  OptimizerKind kind() const override { return OptimizerKind::kAdagrad; }
  bool uses_first() const override { return false; }
  bool uses_second() const override { return true; }
  bool penalizes_each_update() const override { return true; }
  void update_span(BlockState& state, const BiasCorrection& /*correction*/, float* params, const float* grads,
                   std::size_t begin, std::size_t count, const StepSettings& s) const override {
    for (std::size_t i = begin; i < begin + count; ++i) {
      const double g = grads[i - begin] * s.records;
      const double squares = state.second[i] + g * g;
      state.second[i] = static_cast<float>(squares);
      const double rate = s.learning_rate / (std::sqrt(squares) + epsilon_);
      const PenaltyStep p = proximal(rate * s.records, s);
      params[i] = static_cast<float>(p.scale * soft_threshold(params[i] - rate * g, p.shift / p.scale));
    }
  }
  PenaltyStep penalty(const BlockState& state, const BiasCorrection& /*correction*/, std::size_t i,
                      const StepSettings& run) const override {
    return proximal(run.learning_rate * run.records / (std::sqrt(state.second[i]) + epsilon_), run);
  }

 private:
  // The proximal operator of rate * (wd/2 w^2 + l1 |w|): soft-threshold by rate * l1, then divide
  // by 1 + rate * wd.
  static PenaltyStep proximal(double rate, const StepSettings& s) {
    const double scale = 1.0 / (1.0 + rate * s.wd);
    return {scale, scale * rate * s.l1};
  }

  double epsilon_;
};

// FTRL-Proximal (McMahan et al., "Ad Click Prediction: a View from the Trenches", 2013, algorithm 1)
// on the batch's summed gradient, per coordinate: z and n, and the weight in closed form from them,
// w = -(z - sign(z) l1') / ((beta + sqrt(n)) / learning_rate + wd') or 0 when |z| <= l1'. The
// penalties l1' = l1 R and wd' = wd R grow with R, the records seen, so that per record they
// weigh as with the other optimizers; a skipped coordinate's weight is that closed form at the
// current R (exact). The learning rate is alpha, fixed (the per-coordinate rates already decay).
// Weights given before the first step (init_method, a resumed model) become the z they stand for.
class Ftrl final : public BlockOptimizer {
 public:
  explicit Ftrl(double beta) : beta_(beta) {}

 protected:
  OptimizerKind kind() const override { return OptimizerKind::kFtrl; }
  // z and n side by side in `first`: a sparse update reads one cache line per coordinate.
  bool uses_first() const override { return true; }
  std::size_t first_width() const override { return 2; }
  bool uses_second() const override { return false; }
  void update_span(BlockState& state, const BiasCorrection& /*correction*/, float* params, const float* grads,
                   std::size_t begin, std::size_t count, const StepSettings& s) const override {
    const double alpha = s.learning_rate;
    const double l1_before = s.l1 * state.records_before;
    const double wd_before = s.wd * state.records_before;
    for (std::size_t i = begin; i < begin + count; ++i) {
      const double w = params[i];
      const double g = grads[i - begin] * s.records;
      float* zn = state.first.data() + 2 * i;
      double z = zn[0];
      const double n = zn[1];
      if (n == 0.0 && z == 0.0 && w != 0.0) z = -w * (beta_ / alpha + wd_before) - std::copysign(l1_before, w);
      const double squares = n + g * g;
      z += g - (std::sqrt(squares) - std::sqrt(n)) / alpha * w;
      zn[0] = static_cast<float>(z);
      zn[1] = static_cast<float>(squares);
      params[i] = weight(z, squares, alpha, s.l1 * state.records, s.wd * state.records);
    }
  }
  PenaltyStep penalty(const BlockState& /*state*/, const BiasCorrection& /*correction*/, std::size_t /*i*/,
                      const StepSettings& /*run*/) const override {
    return {};
  }
  void catch_up_span(const BlockState& state, const BiasCorrection& /*correction*/, float* params, std::size_t begin,
                     std::size_t count, std::int64_t /*done*/, std::int64_t to) const override {
    const StepSettings& s = state.runs.back().settings;
    const double records = to == state.steps ? state.records : state.records_before;
    for (std::size_t i = begin; i < begin + count; ++i) {
      const float* zn = state.first.data() + 2 * i;
      if (zn[0] == 0.0F && zn[1] == 0.0F) continue;  // not stepped yet: its given weight
      params[i] = weight(zn[0], zn[1], s.learning_rate, s.l1 * records, s.wd * records);
    }
  }

 private:
  float weight(double z, double n, double alpha, double l1, double wd) const {
    if (std::abs(z) <= l1) return 0.0F;
    return static_cast<float>(-(z - std::copysign(l1, z)) / ((beta_ + std::sqrt(n)) / alpha + wd));
  }

  double beta_;
};

}  // namespace

OptimizerKind parse_optimizer_kind(const std::string& name) {
  for (const auto& [kind, kind_name] : kOptimizerNames) {
    if (name == kind_name) return kind;
  }
  throw UsageError("optimizer: '" + name + "' is not one of sgd, adam, rmsprop, adagrad, ftrl");
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
  if (!(params.ftrl_beta >= 0.0))
    throw std::invalid_argument(fmt::format("ftrl_beta: {} is out of range; expected a number >= 0", params.ftrl_beta));
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
    case OptimizerKind::kAdagrad:
      return std::make_unique<Adagrad>(params.epsilon);
    case OptimizerKind::kFtrl:
      return std::make_unique<Ftrl>(params.ftrl_beta);
  }
  throw std::invalid_argument("make_optimizer: unknown OptimizerKind");
}

}  // namespace linlearn
