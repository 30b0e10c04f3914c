#pragma once
// The mini-batch kernel: margins of every model for the batch, loss gradients, and the gradient of
// the weights, all in normalized units. The batch is cut into chunks whose boundaries depend only on
// the batch size, each chunk's partial gradient lands in its own slot, and slots are added in
// order, so the result is bit-identical for any thread count.
#include <cstdint>
#include <span>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/loss.h"
#include "linlearn/normalizer.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

// One model's parameters in normalized units: weights feature_dim x outputs, row-major.
struct ModelParameters {
  std::vector<float> weights;
  std::vector<float> bias;
};

struct BatchGradient {
  std::vector<ModelParameters> grads;   // same shape as the parameters
  std::vector<double> loss_sum;         // per model: sum of weight * loss in raw label units
  double weight_sum = 0;
  std::vector<std::uint32_t> touched;   // sparse data: the feature rows the batch touches (sorted)
};

class BatchGradientKernel {
 public:
  // `loss` drives the gradient in normalized label units; `report_loss` gives the loss value in the
  // user's label units (they differ only when regression labels are normalized).
  BatchGradientKernel(const Dataset& data, std::span<const float> record_weights, const Normalization& norm,
                      const Loss& loss, const Loss& report_loss, int models, ThreadPool& pool);

  // Gradient of the weighted loss summed over the records `batch` (indices into the dataset) and
  // divided by `divisor` (the batch size for a mean; 1 for a sum that ranks add up).
  const BatchGradient& compute(std::span<const std::uint32_t> batch, const std::vector<ModelParameters>& params,
                               double divisor);
  // The same on records of another store of the same shape (a streamed batch), with its own
  // per-record weights; later calls of the overload above read that store too.
  const BatchGradient& compute(const Dataset& data, std::span<const float> record_weights,
                               std::span<const std::uint32_t> batch, const std::vector<ModelParameters>& params,
                               double divisor);

 private:
  void dense_forward_backward(std::span<const std::uint32_t> batch, const std::vector<ModelParameters>& params,
                              double divisor);
  // Dense, few weight columns: each row is read in place, forward then backward while it is in cache.
  void rowwise_forward_backward(std::span<const std::uint32_t> rows, std::size_t chunk, double divisor);
  void sparse_forward_backward(std::span<const std::uint32_t> batch, const std::vector<ModelParameters>& params,
                               double divisor);
  // Loss gradients for the rows of one chunk, whose margins are in `margins`; returns into `g`.
  void loss_gradients(std::span<const std::uint32_t> rows, const RowMatrix& margins, RowMatrix& g,
                      std::vector<double>& loss_sum, double& weight_sum, double divisor) const;

  const Dataset* data_;
  std::span<const float> record_weights_;
  const Normalization& norm_;
  const Loss& loss_;
  const Loss* report_loss_;
  int models_;
  int outputs_;
  ThreadPool& pool_;
  std::vector<float> inv_scale_;
  bool centred_ = false;

  RowMatrix effective_weights_;              // dense: feature_dim x (models * outputs)
  RowMatrix effective_columns_;              // its transpose, for the row-wise path
  Eigen::RowVectorXf effective_bias_;
  std::vector<RowMatrix> chunk_rows_;        // per worker: gathered rows
  std::vector<RowMatrix> chunk_margins_;     // per chunk
  std::vector<RowMatrix> chunk_g_;           // per chunk: d loss / d margin, scaled
  std::vector<Eigen::MatrixXf> chunk_partial_;  // per chunk: X^T G
  std::vector<std::vector<double>> chunk_loss_;
  std::vector<double> chunk_weight_;
  BatchGradient out_;
};

}  // namespace linlearn
