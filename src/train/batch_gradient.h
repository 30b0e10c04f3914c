#pragma once
// The mini-batch kernel: margins of every model for the batch, loss gradients, and the gradient of
// the weights, all in normalized units. The batch is cut into chunks whose boundaries depend only on
// the batch size, each chunk's partial gradient lands in its own slot, and slots are added in
// order, so the result is bit-identical for any thread count.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/feature_index.h"
#include "linlearn/loss.h"
#include "linlearn/normalizer.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

// One model's parameters in normalized units: weights feature_dim x outputs, row-major; for sparse
// data one row per feature of the training data's FeatureIndex (its slots), the only features
// that can have a weight.
struct ModelParameters {
  std::vector<float> weights;
  std::vector<float> bias;
};

// Parameters of the models a batch is computed for, in order; models that stopped are left out so
// that they cost nothing.
using ModelRefs = std::vector<const ModelParameters*>;

// Weight rows a sparse batch touches, and their gradients under each model (rows.size() x outputs,
// in the order of `rows`): summed over the batch, each row once (for steps on the batch's
// gradient), and per record (entries: each non-zero of each record in batch order, for
// steps_per_record optimizers).
struct TouchedRows {
  std::vector<std::uint32_t> rows;
  std::vector<std::vector<float>> grads;
  std::vector<std::uint32_t> entry_rows;
  std::vector<std::vector<float>> entry_grads;
};

struct BatchGradient {
  // Per model given: the gradient of its bias and, for dense data, of its weights (sparse data:
  // `parts` holds them).
  std::vector<ModelParameters> grads;
  // Sparse data: the touched weight rows in disjoint parts (ranges of rows), each part's rows in the
  // order the batch first touched them; a part's rows can be stepped apart from the others'.
  std::vector<TouchedRows> parts;
  std::vector<double> loss_sum;  // per model given: sum of weight * loss in raw label units
  double weight_sum = 0;
  double records = 0;                     // records behind the gradient (weighted mean over them)
  std::vector<double> measured_loss_sum;  // per measured model (set_measured): sum of weight * loss
};

// Chunks per batch depend on the batch size only (never on --threads): at least 64 rows each, at most 8.
inline std::size_t chunk_count(std::size_t batch) {
  return std::clamp<std::size_t>(batch / 64, 1, 8);
}
inline std::size_t chunk_begin(std::size_t chunk, std::size_t chunks, std::size_t batch) {
  return chunk * batch / chunks;
}

// Part p of `parts` parts of [0, rows): the rows of a sparse batch's TouchedRows part p.
inline std::uint32_t part_begin(std::size_t p, std::size_t parts, std::size_t rows) {
  return static_cast<std::uint32_t>(p * rows / parts);
}

class BatchGradientKernel {
 public:
  // `loss` drives the gradient in normalized label units; `report_loss` gives the loss value in the
  // user's label units (they differ only when regression labels are normalized). `max_models`
  // bounds how many models one call may compute. Sparse data: `features` gives the parameters'
  // rows (every feature when null), and `norm` is per row of them.
  BatchGradientKernel(const Dataset& data, std::span<const float> record_weights, const Normalization& norm,
                      const Loss& loss, const Loss& report_loss, int max_models, ThreadPool& pool,
                      const FeatureIndex* features = nullptr);

  // Sparse data: which of TouchedRows' gradients compute() fills (by default the rows' sums only).
  void set_sparse_gradients(bool row_sums, bool entries) {
    row_sums_ = row_sums;
    entries_ = entries;
  }

  // Sparse data: looks the batch's features up ahead of compute() on the same records, and gives
  // the parameter rows the batch reads (with repeats), so that lazily regularized rows can be
  // brought up to date first. Empty for dense data.
  std::span<const std::uint32_t> prepare(const Dataset& data, std::span<const float> record_weights,
                                         std::span<const std::uint32_t> batch);

  // Gradient of the weighted loss summed over the records `batch` (indices into the dataset) and
  // divided by `divisor` (the batch size for a mean; 1 for a sum that ranks add up).
  // The result holds one gradient per model of `params`, in that order.
  const BatchGradient& compute(std::span<const std::uint32_t> batch, const ModelRefs& params, double divisor);
  // The same on records of another store of the same shape (a streamed batch), with its own
  // per-record weights; later calls of the overload above read that store too.
  const BatchGradient& compute(const Dataset& data, std::span<const float> record_weights,
                               std::span<const std::uint32_t> batch, const ModelRefs& params, double divisor);

  // Models whose loss the following calls also measure on their records, with no gradient: the
  // weights models had when the epoch started, whose exact training loss an epoch's pass over
  // the data gives while each record is in cache. They stay fixed until the next call.
  void set_measured(const ModelRefs& measured);
  // Only measures, on the records `batch` (of the store the last call read, or of `data`).
  const BatchGradient& measure(std::span<const std::uint32_t> batch);
  const BatchGradient& measure(const Dataset& data, std::span<const float> record_weights,
                               std::span<const std::uint32_t> batch);

 private:
  // Sizes the per-call buffers for the models of this call.
  void start_call(const ModelRefs& params);
  // The models' weights with the normalization folded in, laid out for the forward tiles, and
  // their biases less the centring shift, into effective_weights_ and effective_bias_ at
  // columns [first_column, first_column + its columns) of total_columns.
  void fold(const ModelRefs& params, bool by_feature, std::size_t first_column, std::size_t total_columns);
  // Folds the measured models in after `trained_columns` trained ones, unless already there;
  // false when the trained models' layout cannot take them (they are then measured apart).
  bool place_measured(std::size_t trained_columns);
  // Dense margins of `columns` folded columns for `rows` rows, bias added.
  void forward(const float* const* x, std::size_t rows, std::size_t columns, RowMatrix& margins) const;
  void dense_forward_backward(std::span<const std::uint32_t> batch, const ModelRefs& params, double divisor);
  void sparse_forward_backward(std::span<const std::uint32_t> batch, const ModelRefs& params, double divisor);
  // The batch's non-zeros as parameter rows and scaled values (batch_slots_, batch_values_).
  void look_up_features(std::span<const std::uint32_t> batch);
  // X^T G into the parts of out_.parts, each part on its own thread.
  void scatter_gradients(std::span<const std::uint32_t> batch);
  // One non-zero's products with its record's loss gradients `g` (every model's), as an entry or
  // added to its row's sums.
  void add_entry(TouchedRows& part, std::uint32_t slot, float value, const float* g) const;
  void add_to_row(TouchedRows& part, std::uint32_t slot, float value, const float* g);
  // Margins of `models` models of `params` (bias added) for the rows of one chunk of a sparse batch.
  void sparse_margins(std::size_t chunk_first, std::size_t rows, const ModelRefs& params, RowMatrix& margins) const;
  // g_column_sums_ = the column sums of G (the bias gradient) over the call's chunks, in chunk order.
  void sum_loss_gradients(std::size_t chunks);
  // Loss gradients for the rows of one chunk, whose margins are in `margins`; returns into `g`.
  void loss_gradients(std::span<const std::uint32_t> rows, const RowMatrix& margins, RowMatrix& g,
                      RowMatrix& record_loss, std::vector<double>& loss_sum, double& weight_sum, double divisor) const;
  // Training labels of `rows`, in normalized units.
  Eigen::VectorXf normalized_labels(std::span<const std::uint32_t> rows) const;
  // With each record's loss under each of `models` models in record_loss (normalized label
  // units), puts them in the user's label units and sums them weighted per model into loss_sum.
  void sum_record_losses(std::span<const std::uint32_t> rows, const RowMatrix& margins, int models,
                         RowMatrix& record_loss, std::vector<double>& loss_sum) const;
  // The measured models' loss sums over the rows of one chunk; `x` holds their dense rows.
  // `first`: where the chunk starts in the batch (sparse data reads the looked-up features from there).
  void measure_chunk(std::size_t chunk, std::span<const std::uint32_t> rows, std::size_t first, const float* const* x);
  void sum_measured(std::size_t chunks);
  // The measured models' loss sums (and the weights) of the chunks of `batch`, in a pass of their own.
  void measure_rows(std::span<const std::uint32_t> batch);

  const Dataset* data_;
  std::span<const float> record_weights_;
  const Normalization& norm_;
  const Loss& loss_;
  const Loss* report_loss_;
  int models_ = 0;  // in the current call
  int outputs_;
  bool sparse_;
  ThreadPool& pool_;
  std::vector<float> inv_scale_;
  bool centred_ = false;

  // Dense: the weights with the normalization folded in, (models * outputs) x feature_dim, or
  // feature_dim x (models * outputs) when the margins are computed feature by feature.
  std::vector<float> effective_weights_;
  Eigen::RowVectorXf effective_bias_;
  Eigen::RowVectorXf g_column_sums_;                           // per column: sum of G over the batch
  std::vector<double> shift_;                                  // per column: mean . folded weights
  std::vector<std::vector<const float*>> chunk_row_pointers_;  // per chunk: its rows in the store
  std::vector<RowMatrix> chunk_margins_;                       // per chunk
  std::vector<RowMatrix> chunk_g_;                             // per chunk: d loss / d margin, scaled
  std::vector<RowMatrix> chunk_partial_;                       // per chunk: (X^T G)^T
  // Sparse: the parameter rows of the features; an index of every feature when none was given.
  const FeatureIndex* features_ = nullptr;
  FeatureIndex all_features_;
  bool prepared_ = false;  // prepare() has looked up the next batch
  bool row_sums_ = true;   // set_sparse_gradients
  bool entries_ = false;
  bool unit_scale_ = false;                   // sparse: every scale is 1 (values need no scaling)
  std::vector<std::uint32_t> batch_slots_;    // sparse: the batch's non-zeros as parameter rows
  std::vector<float> batch_values_;           // ... their values times 1 / scale
  std::vector<std::size_t> batch_row_start_;  // ... where each batch row starts in them (batch size + 1)
  std::vector<std::size_t> batch_row_end_;    // ... and end (a feature outside the index is left out)
  std::vector<std::uint32_t> slot_position_;  // sparse: per row, its place in its part this batch, or absent
  std::vector<RowMatrix> chunk_record_loss_;  // per chunk: loss of each record under each model
  std::vector<std::vector<double>> chunk_loss_;
  std::vector<double> chunk_weight_;
  // The measured models (set_measured); dense, folded into effective_weights_ after the columns of
  // measured_placed_for_ trained ones.
  ModelRefs measured_;
  static constexpr std::size_t kNotPlaced = ~std::size_t{0};
  std::size_t measured_placed_for_ = kNotPlaced;
  bool dense_by_feature_ = false;             // the layout of effective_weights_
  std::vector<RowMatrix> chunk_all_margins_;  // per chunk: trained then measured margins
  std::vector<RowMatrix> chunk_measured_margins_;
  std::vector<RowMatrix> chunk_measured_g_;  // scratch: the loss functions also write gradients
  std::vector<RowMatrix> chunk_measured_record_loss_;
  std::vector<std::vector<double>> chunk_measured_loss_;
  BatchGradient out_;
};

}  // namespace linlearn
