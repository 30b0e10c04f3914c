#include "linlearn/loss.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <Eigen/Core>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

// Margins arrive as float; every loss computes in double and rounds only what it writes.

constexpr std::array<std::pair<LossKind, const char*>, 9> kLossNames = {{
    {LossKind::kLogistic, "logistic"},
    {LossKind::kSoftmax, "softmax_loss"},
    {LossKind::kSquared, "squared_loss"},
    {LossKind::kHinge, "hinge_loss"},
    {LossKind::kAbsolute, "absolute_loss"},
    {LossKind::kEpsInsensitiveSquared, "eps_insensitive_squared_loss"},
    {LossKind::kEpsInsensitiveAbsolute, "eps_insensitive_absolute_loss"},
    {LossKind::kQuantile, "quantile_loss"},
    {LossKind::kHuber, "huber_loss"},
}};

double sign_of(double x) {
  return x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0);
}

// log(1 + exp(z)) without overflow for large z or loss of precision for very negative z.
double softplus(double z) {
  return std::max(z, 0.0) + std::log1p(std::exp(-std::abs(z)));
}

// 1 / (1 + exp(-z)), evaluated so that exp never overflows.
double sigmoid(double z) {
  if (z >= 0.0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

using BlockArray = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using BlockMap = Eigen::Map<BlockArray>;
using ConstBlockMap = Eigen::Map<const BlockArray>;
using ConstColumnMap = Eigen::Map<const Eigen::ArrayXf>;
using ColumnMap = Eigen::Map<Eigen::ArrayXf>;

bool is_binary_label(float label) {
  return label == 0.0F || label == 1.0F;
}

// Losses for labels 0/1 use the sign s = 2y - 1 in {-1, +1}.
double label_sign(float label) {
  return label > 0.5F ? 1.0 : -1.0;
}

class LogisticLoss final : public Loss {
 public:
  int outputs() const override { return 1; }
  double value_and_gradient(const float* margin, float label, float* grad) const override {
    const double m = margin[0];
    if (grad != nullptr) grad[0] = static_cast<float>(sigmoid(m) - static_cast<double>(label));
    return softplus(-label_sign(label) * m);
  }
  void block_values_and_gradients(const float* margins, const float* labels, std::size_t rows, int models, float* grads,
                                  float* losses) const override {
    // One exp per margin serves both, and never overflows: with e = exp(-|z|), sigmoid(z) is
    // 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0, and the loss softplus(-s z), s = 2y - 1 in
    // {-1, +1}, is max(-s z, 0) + log1p(e). Eigen vectorizes exp and log1p over flat arrays; the
    // compiler vectorizes the loop.
    const auto n = static_cast<Eigen::Index>(rows) * models;
    const ConstColumnMap z(margins, n);
    const Eigen::ArrayXf e = (-z.abs()).exp();
    const Eigen::ArrayXf log1p_e = e.log1p();
    for (std::size_t i = 0; i < rows; ++i) {
      const float y = labels[i];
      const float s = 2.0F * y - 1.0F;
      for (std::size_t m = 0; m < static_cast<std::size_t>(models); ++m) {
        const std::size_t at = i * static_cast<std::size_t>(models) + m;
        const float zi = margins[at];
        const float ei = e[static_cast<Eigen::Index>(at)];
        grads[at] = (zi >= 0.0F ? 1.0F : ei) / (1.0F + ei) - y;
        losses[at] = std::max(-s * zi, 0.0F) + log1p_e[static_cast<Eigen::Index>(at)];
      }
    }
  }
  void link(const float* margin, float* score) const override { score[0] = static_cast<float>(sigmoid(margin[0])); }
  bool valid_label(float label) const override { return is_binary_label(label); }
  std::string label_domain() const override { return "a label 0 or 1"; }
};

class SoftmaxLoss final : public Loss {
 public:
  explicit SoftmaxLoss(int num_classes) : num_classes_(num_classes) {}
  int outputs() const override { return num_classes_; }
  // The label indexes the margins, so callers check valid_label() first (as for every loss).
  double value_and_gradient(const float* margin, float label, float* grad) const override {
    const double max_margin = *std::max_element(margin, margin + num_classes_);
    double sum = 0.0;
    for (int k = 0; k < num_classes_; ++k) sum += std::exp(margin[k] - max_margin);
    const int y = static_cast<int>(label);
    if (grad != nullptr) {
      for (int k = 0; k < num_classes_; ++k) {
        const double probability = std::exp(margin[k] - max_margin) / sum;
        grad[k] = static_cast<float>(probability - (k == y ? 1.0 : 0.0));
      }
    }
    return max_margin + std::log(sum) - margin[y];
  }
  void block_values_and_gradients(const float* margins, const float* labels, std::size_t rows, int models, float* grads,
                                  float* losses) const override {
    const auto r = static_cast<Eigen::Index>(rows);
    const Eigen::Index stride = static_cast<Eigen::Index>(models) * num_classes_;
    const ConstBlockMap all(margins, r, stride);
    BlockMap all_grads(grads, r, stride);
    BlockMap all_losses(losses, r, models);
    for (int m = 0; m < models; ++m) {
      const auto z = all.middleCols(static_cast<Eigen::Index>(m) * num_classes_, num_classes_);
      auto p = all_grads.middleCols(static_cast<Eigen::Index>(m) * num_classes_, num_classes_);
      const Eigen::ArrayXf max_margin = z.rowwise().maxCoeff();
      p = (z.colwise() - max_margin).exp();
      const Eigen::ArrayXf sum = p.rowwise().sum();
      p.colwise() /= sum;
      for (Eigen::Index i = 0; i < r; ++i) {
        const auto y = static_cast<Eigen::Index>(labels[i]);
        all_losses(i, m) = max_margin(i) + std::log(sum(i)) - z(i, y);
        p(i, y) -= 1.0F;
      }
    }
  }
  void link(const float* margin, float* score) const override {
    const double max_margin = *std::max_element(margin, margin + num_classes_);
    double sum = 0.0;
    for (int k = 0; k < num_classes_; ++k) sum += std::exp(margin[k] - max_margin);
    for (int k = 0; k < num_classes_; ++k) {
      score[k] = static_cast<float>(std::exp(margin[k] - max_margin) / sum);
    }
  }
  bool valid_label(float label) const override {
    return std::isfinite(label) && label == std::floor(label) && label >= 0.0F &&
           label <= static_cast<float>(num_classes_ - 1);
  }
  std::string label_domain() const override {
    return "an integer label in [0, " + std::to_string(num_classes_ - 1) + "]";
  }

 private:
  int num_classes_;
};

class HingeLoss final : public Loss {
 public:
  explicit HingeLoss(double margin) : margin_(margin) {}
  int outputs() const override { return 1; }
  double value_and_gradient(const float* margin, float label, float* grad) const override {
    const double s = label_sign(label);
    const double slack = margin_ - s * margin[0];
    if (grad != nullptr) grad[0] = static_cast<float>(slack > 0.0 ? -s : 0.0);
    return std::max(slack, 0.0);
  }
  void link(const float* margin, float* score) const override { score[0] = margin[0]; }
  bool valid_label(float label) const override { return is_binary_label(label); }
  std::string label_domain() const override { return "a label 0 or 1"; }

 private:
  double margin_;
};

// Regression losses: a function of the residual r = margin - label, identity link, any finite label.
class ResidualLoss : public Loss {
 public:
  int outputs() const override { return 1; }
  double value_and_gradient(const float* margin, float label, float* grad) const final {
    const double residual = static_cast<double>(margin[0]) - static_cast<double>(label);
    double derivative = 0.0;
    const double value = of_residual(residual, derivative);
    if (grad != nullptr) grad[0] = static_cast<float>(derivative);
    return value;
  }
  void link(const float* margin, float* score) const final { score[0] = margin[0]; }
  bool valid_label(float label) const final { return std::isfinite(label); }
  std::string label_domain() const final { return "a finite label"; }

 protected:
  // Loss of residual r; `derivative` receives d loss / d r (= d loss / d margin).
  virtual double of_residual(double r, double& derivative) const = 0;
};

class SquaredLoss final : public ResidualLoss {
 public:
  void block_values_and_gradients(const float* margins, const float* labels, std::size_t rows, int models, float* grads,
                                  float* losses) const override {
    const auto r = static_cast<Eigen::Index>(rows);
    const BlockArray residual = ConstBlockMap(margins, r, models).colwise() - ConstColumnMap(labels, r);
    BlockMap(grads, r, models) = 2.0F * residual;
    BlockMap(losses, r, models) = residual.square();
  }

 protected:
  // r^2 without the customary 1/2, so the objective loss equals the MSE metric.
  double of_residual(double r, double& derivative) const override {
    derivative = 2.0 * r;
    return r * r;
  }
};

class AbsoluteLoss final : public ResidualLoss {
 protected:
  double of_residual(double r, double& derivative) const override {
    derivative = sign_of(r);
    return std::abs(r);
  }
};

class EpsInsensitiveSquaredLoss final : public ResidualLoss {
 public:
  explicit EpsInsensitiveSquaredLoss(double epsilon) : epsilon_(epsilon) {}

 protected:
  double of_residual(double r, double& derivative) const override {
    const double excess = std::max(std::abs(r) - epsilon_, 0.0);
    derivative = 2.0 * excess * sign_of(r);
    return excess * excess;
  }

 private:
  double epsilon_;
};

class EpsInsensitiveAbsoluteLoss final : public ResidualLoss {
 public:
  explicit EpsInsensitiveAbsoluteLoss(double epsilon) : epsilon_(epsilon) {}

 protected:
  double of_residual(double r, double& derivative) const override {
    const double excess = std::abs(r) - epsilon_;
    derivative = excess > 0.0 ? sign_of(r) : 0.0;
    return std::max(excess, 0.0);
  }

 private:
  double epsilon_;
};

class QuantileLoss final : public ResidualLoss {
 public:
  explicit QuantileLoss(double quantile) : quantile_(quantile) {}

 protected:
  // Pinball loss of u = label - margin = -r: under-prediction costs q, over-prediction 1 - q.
  double of_residual(double r, double& derivative) const override {
    const double u = -r;
    if (u > 0.0) {
      derivative = -quantile_;
    } else if (u < 0.0) {
      derivative = 1.0 - quantile_;
    } else {
      derivative = 0.0;
    }
    return u >= 0.0 ? quantile_ * u : (quantile_ - 1.0) * u;
  }

 private:
  double quantile_;
};

class HuberLoss final : public ResidualLoss {
 public:
  explicit HuberLoss(double delta) : delta_(delta) {}

 protected:
  double of_residual(double r, double& derivative) const override {
    if (std::abs(r) <= delta_) {
      derivative = r;
      return 0.5 * r * r;
    }
    derivative = delta_ * sign_of(r);
    return delta_ * (std::abs(r) - 0.5 * delta_);
  }

 private:
  double delta_;
};

// The hyperparameter table has checked the values up front: one the formulas cannot use is a bug.
void require(bool ok, const std::string& option, double value, const char* allowed) {
  if (!ok) throw std::invalid_argument(fmt::format("{}: {} is out of range; expected {}", option, value, allowed));
}

}  // namespace

void Loss::block_values_and_gradients(const float* margins, const float* labels, std::size_t rows, int models,
                                      float* grads, float* losses) const {
  const auto k = static_cast<std::size_t>(outputs());
  const std::size_t per_row = static_cast<std::size_t>(models) * k;
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t m = 0; m < static_cast<std::size_t>(models); ++m)
      losses[i * static_cast<std::size_t>(models) + m] =
          static_cast<float>(value_and_gradient(margins + i * per_row + m * k, labels[i], grads + i * per_row + m * k));
}

LossKind parse_loss_kind(const std::string& name) {
  for (const auto& [kind, kind_name] : kLossNames) {
    if (name == kind_name) return kind;
  }
  std::string allowed;
  for (const auto& entry : kLossNames) {
    if (!allowed.empty()) allowed += ", ";
    allowed += entry.second;
  }
  throw UsageError("loss: '" + name + "' is not one of " + allowed);
}

std::string loss_kind_name(LossKind kind) {
  for (const auto& [known_kind, kind_name] : kLossNames) {
    if (known_kind == kind) return kind_name;
  }
  throw std::invalid_argument("loss_kind_name: unknown LossKind");
}

std::unique_ptr<Loss> make_loss(LossKind kind, const LossParams& params) {
  switch (kind) {
    case LossKind::kLogistic:
      return std::make_unique<LogisticLoss>();
    case LossKind::kSoftmax:
      require(params.num_classes >= 2, "num_classes", params.num_classes, "an integer >= 2");
      return std::make_unique<SoftmaxLoss>(params.num_classes);
    case LossKind::kSquared:
      return std::make_unique<SquaredLoss>();
    case LossKind::kHinge:
      require(params.margin >= 0.0, "margin", params.margin, "a non-negative number");
      return std::make_unique<HingeLoss>(params.margin);
    case LossKind::kAbsolute:
      return std::make_unique<AbsoluteLoss>();
    case LossKind::kEpsInsensitiveSquared:
      require(params.loss_insensitivity >= 0.0, "loss_insensitivity", params.loss_insensitivity,
              "a non-negative number");
      return std::make_unique<EpsInsensitiveSquaredLoss>(params.loss_insensitivity);
    case LossKind::kEpsInsensitiveAbsolute:
      require(params.loss_insensitivity >= 0.0, "loss_insensitivity", params.loss_insensitivity,
              "a non-negative number");
      return std::make_unique<EpsInsensitiveAbsoluteLoss>(params.loss_insensitivity);
    case LossKind::kQuantile:
      require(params.quantile > 0.0 && params.quantile < 1.0, "quantile", params.quantile, "a number in (0, 1)");
      return std::make_unique<QuantileLoss>(params.quantile);
    case LossKind::kHuber:
      require(params.huber_delta > 0.0, "huber_delta", params.huber_delta, "a positive number");
      return std::make_unique<HuberLoss>(params.huber_delta);
  }
  throw std::invalid_argument("make_loss: unknown LossKind");
}

}  // namespace linlearn
