#include "batch_gradient.h"

#include <algorithm>

namespace linlearn {
namespace {

// Chunks per batch depend on the batch size only (never on --threads): at least 64 rows each, at most 8.
std::size_t chunk_count(std::size_t batch) { return std::clamp<std::size_t>(batch / 64, 1, 8); }
std::size_t chunk_begin(std::size_t chunk, std::size_t chunks, std::size_t batch) { return chunk * batch / chunks; }

// With this few weight columns the batch product is memory-bound: reading each row in place beats
// gathering the batch into a contiguous block for a matrix product.
constexpr Eigen::Index kRowwiseMaxColumns = 1;

}  // namespace

BatchGradientKernel::BatchGradientKernel(const Dataset& data, std::span<const float> record_weights,
                                         const Normalization& norm, const Loss& loss, const Loss& report_loss,
                                         int models, ThreadPool& pool)
    : data_(&data),
      record_weights_(record_weights),
      norm_(norm),
      loss_(loss),
      report_loss_(&report_loss),
      models_(models),
      outputs_(loss.outputs()),
      pool_(pool) {
  inv_scale_.resize(data.feature_dim);
  for (std::size_t j = 0; j < data.feature_dim; ++j) {
    inv_scale_[j] = static_cast<float>(1.0 / norm.scale[j]);
    centred_ = centred_ || norm.mean[j] != 0.0;
  }
  const auto columns = static_cast<std::size_t>(models * outputs_);
  out_.grads.resize(static_cast<std::size_t>(models));
  for (auto& g : out_.grads) {
    g.weights.assign(data.feature_dim * static_cast<std::size_t>(outputs_), 0.0F);
    g.bias.assign(static_cast<std::size_t>(outputs_), 0.0F);
  }
  out_.loss_sum.resize(static_cast<std::size_t>(models));
  chunk_rows_.resize(static_cast<std::size_t>(pool.size()));
  chunk_margins_.resize(8);
  chunk_g_.resize(8);
  chunk_partial_.resize(8);
  chunk_loss_.assign(8, std::vector<double>(static_cast<std::size_t>(models)));
  chunk_weight_.resize(8);
  if (!data.sparse) effective_weights_.resize(static_cast<Eigen::Index>(data.feature_dim), static_cast<Eigen::Index>(columns));
  effective_bias_.resize(static_cast<Eigen::Index>(columns));
}

void BatchGradientKernel::loss_gradients(std::span<const std::uint32_t> rows, const RowMatrix& margins, RowMatrix& g,
                                         std::vector<double>& loss_sum, double& weight_sum, double divisor) const {
  const bool label_scaled = norm_.label_mean != 0.0 || norm_.label_scale != 1.0;
  const auto k = static_cast<std::size_t>(outputs_);
  std::vector<float> grad(k);
  g.resize(static_cast<Eigen::Index>(rows.size()), margins.cols());
  std::fill(loss_sum.begin(), loss_sum.end(), 0.0);
  weight_sum = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const float label = data_->labels[rows[r]];
    const float weight = record_weights_[rows[r]];
    const auto train_label = static_cast<float>((label - norm_.label_mean) / norm_.label_scale);
    const float scale = static_cast<float>(weight / divisor);
    weight_sum += weight;
    for (int m = 0; m < models_; ++m) {
      const float* margin = &margins(static_cast<Eigen::Index>(r), m * outputs_);
      double value = loss_.value_and_gradient(margin, train_label, grad.data());
      if (label_scaled) {
        // Report the loss in the user's label units; only regression scales labels (one output).
        const auto raw = static_cast<float>(margin[0] * norm_.label_scale + norm_.label_mean);
        value = report_loss_->value_and_gradient(&raw, label, nullptr);
      }
      loss_sum[static_cast<std::size_t>(m)] += weight * value;
      for (std::size_t c = 0; c < k; ++c)
        g(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(m * outputs_ + c)) = grad[c] * scale;
    }
  }
}

const BatchGradient& BatchGradientKernel::compute(std::span<const std::uint32_t> batch,
                                                  const std::vector<ModelParameters>& params, double divisor) {
  if (data_->sparse) {
    sparse_forward_backward(batch, params, divisor);
  } else {
    dense_forward_backward(batch, params, divisor);
  }
  const std::size_t chunks = chunk_count(batch.size());
  std::fill(out_.loss_sum.begin(), out_.loss_sum.end(), 0.0);
  out_.weight_sum = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    for (std::size_t m = 0; m < out_.loss_sum.size(); ++m) out_.loss_sum[m] += chunk_loss_[c][m];
    out_.weight_sum += chunk_weight_[c];
  }
  // The bias gradient is the column sum of G, added chunk by chunk in order.
  Eigen::RowVectorXf bias_grad = Eigen::RowVectorXf::Zero(effective_bias_.size());
  for (std::size_t c = 0; c < chunks; ++c) bias_grad += chunk_g_[c].colwise().sum();
  for (int m = 0; m < models_; ++m)
    for (int k = 0; k < outputs_; ++k)
      out_.grads[static_cast<std::size_t>(m)].bias[static_cast<std::size_t>(k)] = bias_grad(m * outputs_ + k);
  return out_;
}

const BatchGradient& BatchGradientKernel::compute(const Dataset& data, std::span<const float> record_weights,
                                                  std::span<const std::uint32_t> batch,
                                                  const std::vector<ModelParameters>& params, double divisor) {
  data_ = &data;
  record_weights_ = record_weights;
  return compute(batch, params, divisor);
}

void BatchGradientKernel::dense_forward_backward(std::span<const std::uint32_t> batch,
                                                 const std::vector<ModelParameters>& params, double divisor) {
  const std::size_t d = data_->feature_dim;
  const auto k = static_cast<std::size_t>(outputs_);
  // Fold the normalization into the weights: ((x - mean) / scale) . w = x . (w / scale) - mean . (w / scale).
  for (int m = 0; m < models_; ++m) {
    const auto& w = params[static_cast<std::size_t>(m)];
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = static_cast<Eigen::Index>(static_cast<std::size_t>(m) * k + c);
      double shift = 0;
      for (std::size_t j = 0; j < d; ++j) {
        const float v = w.weights[j * k + c] * inv_scale_[j];
        effective_weights_(static_cast<Eigen::Index>(j), col) = v;
        shift += norm_.mean[j] * v;
      }
      effective_bias_(col) = static_cast<float>(w.bias[c] - shift);
    }
  }
  // Contiguous weight columns keep the row-wise dot products vectorized.
  if (effective_weights_.cols() <= kRowwiseMaxColumns) effective_columns_ = effective_weights_.transpose();
  const std::size_t chunks = chunk_count(batch.size());
  pool_.run(chunks, [&](std::size_t c, int worker) {
    const std::size_t begin = chunk_begin(c, chunks, batch.size());
    const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
    const auto rows = batch.subspan(begin, end - begin);
    if (effective_weights_.cols() <= kRowwiseMaxColumns) {
      rowwise_forward_backward(rows, c, divisor);
      return;
    }
    RowMatrix& x = chunk_rows_[static_cast<std::size_t>(worker)];
    x.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(d));
    for (std::size_t r = 0; r < rows.size(); ++r)
      std::copy_n(data_->dense.data() + static_cast<std::size_t>(rows[r]) * d, d, x.row(static_cast<Eigen::Index>(r)).data());
    RowMatrix& margins = chunk_margins_[c];
    margins.noalias() = x * effective_weights_;
    margins.rowwise() += effective_bias_;
    loss_gradients(rows, margins, chunk_g_[c], chunk_loss_[c], chunk_weight_[c], divisor);
    chunk_partial_[c].noalias() = x.transpose() * chunk_g_[c];
  });
  // Sum the chunk partials in order, then undo the folding: grad_w = (X^T G - mean * colsum(G)) / scale.
  Eigen::MatrixXf& total = chunk_partial_[0];
  for (std::size_t c = 1; c < chunks; ++c) total += chunk_partial_[c];
  Eigen::RowVectorXf colsum = Eigen::RowVectorXf::Zero(total.cols());
  if (centred_)
    for (std::size_t c = 0; c < chunks; ++c) colsum += chunk_g_[c].colwise().sum();
  for (int m = 0; m < models_; ++m) {
    auto& g = out_.grads[static_cast<std::size_t>(m)].weights;
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = static_cast<Eigen::Index>(static_cast<std::size_t>(m) * k + c);
      for (std::size_t j = 0; j < d; ++j)
        g[j * k + c] = inv_scale_[j] * (total(static_cast<Eigen::Index>(j), col) -
                                        static_cast<float>(norm_.mean[j]) * colsum(col));
    }
  }
}

void BatchGradientKernel::rowwise_forward_backward(std::span<const std::uint32_t> rows, std::size_t c, double divisor) {
  const auto d = static_cast<Eigen::Index>(data_->feature_dim);
  const auto row = [&](std::size_t r) {
    return Eigen::Map<const Eigen::RowVectorXf>(data_->dense.data() + static_cast<std::size_t>(rows[r]) * data_->feature_dim, d);
  };
  RowMatrix& margins = chunk_margins_[c];
  margins.resize(static_cast<Eigen::Index>(rows.size()), effective_weights_.cols());
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (Eigen::Index c = 0; c < margins.cols(); ++c)
      margins(static_cast<Eigen::Index>(r), c) = row(r).dot(effective_columns_.row(c)) + effective_bias_(c);
  loss_gradients(rows, margins, chunk_g_[c], chunk_loss_[c], chunk_weight_[c], divisor);
  // The chunk's rows are still in cache from the forward pass.
  Eigen::MatrixXf& partial = chunk_partial_[c];
  partial.setZero(d, effective_weights_.cols());
  for (std::size_t r = 0; r < rows.size(); ++r)
    partial.noalias() += row(r).transpose() * chunk_g_[c].row(static_cast<Eigen::Index>(r));
}

void BatchGradientKernel::sparse_forward_backward(std::span<const std::uint32_t> batch,
                                                  const std::vector<ModelParameters>& params, double divisor) {
  const auto k = static_cast<std::size_t>(outputs_);
  // Clear the rows the previous batch wrote; the rest of the gradient is still zero.
  for (auto& g : out_.grads)
    for (std::uint32_t j : out_.touched) std::fill_n(g.weights.begin() + static_cast<std::ptrdiff_t>(j * k), k, 0.0F);
  out_.touched.clear();
  for (std::uint32_t r : batch)
    out_.touched.insert(out_.touched.end(), data_->col_idx.begin() + static_cast<std::ptrdiff_t>(data_->row_ptr[r]),
                        data_->col_idx.begin() + static_cast<std::ptrdiff_t>(data_->row_ptr[r + 1]));
  std::sort(out_.touched.begin(), out_.touched.end());
  out_.touched.erase(std::unique(out_.touched.begin(), out_.touched.end()), out_.touched.end());

  const std::size_t chunks = chunk_count(batch.size());
  const auto columns = static_cast<Eigen::Index>(static_cast<std::size_t>(models_) * k);
  pool_.run(chunks, [&](std::size_t c, int) {
    const std::size_t begin = chunk_begin(c, chunks, batch.size());
    const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
    const auto rows = batch.subspan(begin, end - begin);
    RowMatrix& margins = chunk_margins_[c];
    margins.resize(static_cast<Eigen::Index>(rows.size()), columns);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      float* out = margins.row(static_cast<Eigen::Index>(r)).data();
      for (int m = 0; m < models_; ++m) std::copy_n(params[static_cast<std::size_t>(m)].bias.data(), k, out + m * outputs_);
      for (std::uint64_t p = data_->row_ptr[rows[r]]; p < data_->row_ptr[rows[r] + 1]; ++p) {
        const std::uint32_t j = data_->col_idx[p];
        const float x = data_->values[p] * inv_scale_[j];
        for (int m = 0; m < models_; ++m) {
          const float* w = params[static_cast<std::size_t>(m)].weights.data() + static_cast<std::size_t>(j) * k;
          for (std::size_t o = 0; o < k; ++o) out[static_cast<std::size_t>(m) * k + o] += x * w[o];
        }
      }
    }
    loss_gradients(rows, margins, chunk_g_[c], chunk_loss_[c], chunk_weight_[c], divisor);
  });
  // Scatter X^T G. Each thread owns a range of features and walks the batch in order, so every
  // gradient entry is summed in the same order whatever the thread count.
  const auto threads = static_cast<std::size_t>(pool_.size());
  const std::size_t d = data_->feature_dim;
  pool_.run(threads, [&](std::size_t t, int) {
    const std::size_t lo = t * d / threads;
    const std::size_t hi = (t + 1) * d / threads;
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t begin = chunk_begin(c, chunks, batch.size());
      const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
      for (std::size_t r = begin; r < end; ++r) {
        const float* g = chunk_g_[c].row(static_cast<Eigen::Index>(r - begin)).data();
        for (std::uint64_t p = data_->row_ptr[batch[r]]; p < data_->row_ptr[batch[r] + 1]; ++p) {
          const std::uint32_t j = data_->col_idx[p];
          if (j < lo || j >= hi) continue;
          const float x = data_->values[p] * inv_scale_[j];
          for (int m = 0; m < models_; ++m) {
            float* out = out_.grads[static_cast<std::size_t>(m)].weights.data() + static_cast<std::size_t>(j) * k;
            for (std::size_t o = 0; o < k; ++o) out[o] += x * g[static_cast<std::size_t>(m) * k + o];
          }
        }
      }
    }
  });
}

}  // namespace linlearn
