#pragma once
// Optimizers see parameters and gradients only; they know nothing of the loss.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linlearn {

enum class OptimizerKind { kSgd, kAdam, kRmsprop };

struct OptimizerParams {
  OptimizerKind kind = OptimizerKind::kAdam;
  double momentum = 0.0;  // sgd: heavy-ball momentum; rmsprop: momentum on the scaled step
  double beta_1 = 0.9;    // adam
  double beta_2 = 0.999;  // adam; rmsprop uses it as the decay of the squared-gradient average
  double epsilon = 1e-8;
};

// Per-step settings the trainer derives from the schedule and the bias multipliers.
struct StepSettings {
  double learning_rate = 0.0;
  double wd = 0.0;  // L2: adds wd * w to the gradient
  // Proximal soft-threshold after the step (exact zeros): by learning_rate * l1 for plain SGD, and
  // in general by l1 times the optimizer's steady step per unit of gradient (lr / (1 - momentum),
  // lr / (sqrt(v) + eps) for Adam and RMSprop), so every optimizer minimizes loss + l1 |w|_1.
  double l1 = 0.0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Updates `params[0..n)` in place from `grads`. `block` names the parameter block (0 weights,
  // 1 bias) so each keeps its own state and step count.
  virtual void step(int block, float* params, const float* grads, std::size_t n, const StepSettings& s) = 0;
  // Updates only `rows` (each `cols` consecutive values of a row-major block) for sparse batches;
  // `grads` holds their gradients alone, rows.size() x cols, in the order of `rows`. Untouched rows
  // keep their state (lazy update).
  virtual void step_rows(int block, float* params, const float* grads, std::size_t total,
                         const std::vector<std::uint32_t>& rows, std::size_t cols, const StepSettings& s) = 0;
  // The full state, for checkpoints.
  virtual std::vector<double> save_state() const = 0;
  virtual void load_state(const std::vector<double>& state) = 0;
};

OptimizerKind parse_optimizer_kind(const std::string& name);  // sgd | adam | rmsprop
std::string optimizer_kind_name(OptimizerKind kind);
std::unique_ptr<Optimizer> make_optimizer(const OptimizerParams& params);

}  // namespace linlearn
