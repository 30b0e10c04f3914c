#pragma once
// Losses are small stateless objects: value, derivative with respect to the margin, link and
// label check. They know nothing of optimizers or of how records are batched.
#include <cstddef>
#include <memory>
#include <string>

namespace linlearn {

enum class LossKind {
  kLogistic,
  kSoftmax,
  kSquared,
  kHinge,
  kAbsolute,
  kEpsInsensitiveSquared,
  kEpsInsensitiveAbsolute,
  kQuantile,
  kHuber,
};

struct LossParams {
  int num_classes = 2;               // softmax only
  double margin = 1.0;               // hinge_loss
  double quantile = 0.5;             // quantile_loss
  double loss_insensitivity = 0.01;  // eps_insensitive_*
  double huber_delta = 1.0;          // huber_loss
};

class Loss {
 public:
  virtual ~Loss() = default;
  // Margins per record: num_classes for softmax, 1 otherwise.
  virtual int outputs() const = 0;
  // Loss of one record with margins `margin[0..outputs())`; when `grad` is not null it receives
  // d loss / d margin (a subgradient at kinks).
  virtual double value_and_gradient(const float* margin, float label, float* grad) const = 0;
  // The same for a block of records, each scored by `models` models: `margins` is row-major with
  // models * outputs() margins per record, `labels` one label per record. Writes d loss / d margin
  // into `grads` (same layout) and each record's loss under each model into `losses`
  // (rows x models). The training kernel spends most of its non-GEMM time here, so the common
  // losses override it with vectorized float code; the rest call value_and_gradient.
  virtual void block_values_and_gradients(const float* margins, const float* labels, std::size_t rows, int models,
                                          float* grads, float* losses) const;
  // Scores a user sees: a probability for logistic, class probabilities for softmax, the margin
  // itself for the others.
  virtual void link(const float* margin, float* score) const = 0;
  virtual bool valid_label(float label) const = 0;
  // What valid_label() accepts, as the words after "expected" in error messages ("a label 0 or 1",
  // "an integer label in [0, 9]", ...).
  virtual std::string label_domain() const = 0;
};

// SageMaker's name ("logistic", "softmax_loss", "squared_loss", "hinge_loss", ...); UsageError else.
LossKind parse_loss_kind(const std::string& name);
std::string loss_kind_name(LossKind kind);
std::unique_ptr<Loss> make_loss(LossKind kind, const LossParams& params);

}  // namespace linlearn
