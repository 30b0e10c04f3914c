#pragma once
// Optimizers see parameters and gradients only; they know nothing of the loss.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace linlearn {

// adagrad and ftrl are linlearn's own (SageMaker's list is sgd, adam, rmsprop): per-coordinate
// rates for sparse data.
enum class OptimizerKind { kSgd, kAdam, kRmsprop, kAdagrad, kFtrl };

struct OptimizerParams {
  OptimizerKind kind = OptimizerKind::kAdam;
  double momentum = 0.0;   // sgd: heavy-ball momentum; rmsprop: momentum on the scaled step
  double beta_1 = 0.9;     // adam
  double beta_2 = 0.999;   // adam; rmsprop uses it as the decay of the squared-gradient average
  double epsilon = 1e-8;   // adam, rmsprop, adagrad: added to the root of the squared gradients
  double ftrl_beta = 1.0;  // ftrl: the per-coordinate rate is learning_rate / (ftrl_beta + sqrt(n))
};

// Per-step settings the trainer derives from the schedule and the bias multipliers.
struct StepSettings {
  double learning_rate = 0.0;
  double wd = 0.0;  // L2: adds wd * w to the gradient (adagrad and ftrl: see below)
  // Proximal soft-threshold after the step (exact zeros): by learning_rate * l1 for plain SGD, and
  // in general by l1 times the optimizer's steady step per unit of gradient (lr / (1 - momentum),
  // lr / (sqrt(v) + eps) for Adam and RMSprop), so every optimizer minimizes loss + l1 |w|_1.
  // adagrad and ftrl take wd and l1 as McMahan et al.'s lambda_2 and lambda_1: penalties next to
  // the sum of the records' losses, applied in closed form (adagrad: a proximal step, ftrl: its
  // closed-form weights), and they step on the batch's summed gradient (mean times `records`).
  double l1 = 0.0;
  double records = 1.0;  // records (weighted) behind the mean gradient handed to the step
};

// An optimizer's full state, for checkpoints: counts, steps and settings as doubles (each exact),
// and the per-parameter moments, floats as they are held, apart (half the bytes of doubles).
struct OptimizerState {
  std::vector<double> values;
  std::vector<float> moments;
  bool operator==(const OptimizerState&) const = default;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Updates `params[0..n)` in place from `grads`. `block` names the parameter block (0 weights,
  // 1 bias) so each keeps its own state and step count.
  virtual void step(int block, float* params, const float* grads, std::size_t n, const StepSettings& s) = 0;

  // A sparse step, on the listed rows only of a row-major block of `total` values in rows of
  // `cols`: begin_rows() once, then update_rows() for disjoint sets of rows, which may run on
  // several threads at once. `grads` holds the listed rows' gradients alone, rows.size() x cols in
  // the order of `rows`; a row listed again is stepped again, in order (per-record steps), on its
  // gradients but with the step's wd and l1 once (adagrad: at its last update), so that they weigh
  // the step's `records` however many of them hold the row.
  // Untouched rows keep their state (lazy update); see catch_up_rows.
  virtual void begin_rows(int block, std::size_t total, std::size_t cols, const StepSettings& s) = 0;
  virtual void update_rows(int block, float* params, const float* grads, std::span<const std::uint32_t> rows,
                           std::size_t cols, const StepSettings& s) = 0;
  // begin_rows and update_rows in one call (std::invalid_argument for rows outside the block).
  void step_rows(int block, float* params, const float* grads, std::size_t total,
                 const std::vector<std::uint32_t>& rows, std::size_t cols, const StepSettings& s);

  // Weight decay and l1 of the sparse steps a row skipped, applied before the row is read again:
  // for sgd without momentum and for adagrad exactly as the dense steps would have applied them
  // (closed form, per run of steps with the same settings); for sgd with momentum, adam and rmsprop
  // as those steps' penalties at the row's current step per unit of gradient, its moments left as
  // they are (the "lazy Adam" approximation). ftrl needs none: its weights are a closed form of
  // its state. Thread-safe for disjoint rows; catch_up_all brings every row up to date.
  virtual void catch_up_rows(int block, float* params, std::span<const std::uint32_t> rows, std::size_t cols) = 0;
  virtual void catch_up_all(int block, float* params, std::size_t total, std::size_t cols) = 0;
  // Whether catch_up_rows can change anything (regularized sparse steps so far).
  virtual bool lags(int block) const = 0;

  // The per-parameter state of `block` (its moments), each vector holding the same number of
  // values per parameter; empty before the block's first step. Ranks that step disjoint rows of a
  // block exchange it (see GradientReducer::share_own_ranges).
  virtual std::vector<std::span<float>> parameter_state(int block) = 0;
  // The full state, for checkpoints.
  virtual OptimizerState save_state() const = 0;
  virtual void load_state(const OptimizerState& state) = 0;
};

// On sparse data adagrad and ftrl step on each record's gradient in turn, as they are defined
// (online, per coordinate), the others on each row's sum over the mini-batch.
inline bool steps_per_record(OptimizerKind kind) {
  return kind == OptimizerKind::kAdagrad || kind == OptimizerKind::kFtrl;
}

OptimizerKind parse_optimizer_kind(const std::string& name);  // sgd | adam | rmsprop | adagrad | ftrl
std::string optimizer_kind_name(OptimizerKind kind);
std::unique_ptr<Optimizer> make_optimizer(const OptimizerParams& params);

}  // namespace linlearn
