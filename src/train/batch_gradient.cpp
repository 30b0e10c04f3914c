#include "batch_gradient.h"

#include <algorithm>
#include <bit>

#include "dense_tiles.h"

namespace linlearn {
namespace {

// Chunks per batch depend on the batch size only (never on --threads): at least 64 rows each, at most 8.
std::size_t chunk_count(std::size_t batch) {
  return std::clamp<std::size_t>(batch / 64, 1, 8);
}
std::size_t chunk_begin(std::size_t chunk, std::size_t chunks, std::size_t batch) {
  return chunk * batch / chunks;
}

// Features per task when folding the normalization into the weights.
constexpr std::size_t kFoldFeatures = 64;

}  // namespace

BatchGradientKernel::BatchGradientKernel(const Dataset& data, std::span<const float> record_weights,
                                         const Normalization& norm, const Loss& loss, const Loss& report_loss,
                                         int max_models, ThreadPool& pool)
    : data_(&data),
      record_weights_(record_weights),
      norm_(norm),
      loss_(loss),
      report_loss_(&report_loss),
      outputs_(loss.outputs()),
      pool_(pool) {
  inv_scale_.resize(data.feature_dim);
  for (std::size_t j = 0; j < data.feature_dim; ++j) {
    inv_scale_[j] = static_cast<float>(1.0 / norm.scale[j]);
    centred_ = centred_ || norm.mean[j] != 0.0;
  }
  out_.grads.resize(static_cast<std::size_t>(max_models));
  for (auto& g : out_.grads) {
    // Sparse gradients hold the touched rows only and are sized per batch.
    if (!data.sparse) g.weights.assign(data.feature_dim * static_cast<std::size_t>(outputs_), 0.0F);
    g.bias.assign(static_cast<std::size_t>(outputs_), 0.0F);
  }
  chunk_row_pointers_.resize(8);
  chunk_margins_.resize(8);
  chunk_g_.resize(8);
  chunk_partial_.resize(8);
  chunk_record_loss_.resize(8);
  chunk_loss_.resize(8);
  chunk_weight_.resize(8);
}

void BatchGradientKernel::start_call(const ModelRefs& params) {
  models_ = static_cast<int>(params.size());
  const auto columns = static_cast<Eigen::Index>(models_ * outputs_);
  effective_bias_.resize(columns);
  out_.loss_sum.assign(params.size(), 0.0);
  for (auto& l : chunk_loss_) l.resize(params.size());
}

void BatchGradientKernel::loss_gradients(std::span<const std::uint32_t> rows, const RowMatrix& margins, RowMatrix& g,
                                         RowMatrix& record_loss, std::vector<double>& loss_sum, double& weight_sum,
                                         double divisor) const {
  const bool label_scaled = norm_.label_mean != 0.0 || norm_.label_scale != 1.0;
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::VectorXf train_labels(n), scales(n);
  weight_sum = 0;
  for (Eigen::Index r = 0; r < n; ++r) {
    const float weight = record_weights_[rows[static_cast<std::size_t>(r)]];
    train_labels(r) =
        static_cast<float>((data_->labels[rows[static_cast<std::size_t>(r)]] - norm_.label_mean) / norm_.label_scale);
    scales(r) = static_cast<float>(weight / divisor);
    weight_sum += weight;
  }
  g.resize(n, margins.cols());
  record_loss.resize(n, models_);
  loss_.block_values_and_gradients(margins.data(), train_labels.data(), rows.size(), models_, g.data(),
                                   record_loss.data());
  if (label_scaled) {
    // Report the loss in the user's label units; only regression scales labels (one output).
    for (Eigen::Index r = 0; r < n; ++r)
      for (Eigen::Index m = 0; m < models_; ++m) {
        const auto raw = static_cast<float>(margins(r, m) * norm_.label_scale + norm_.label_mean);
        record_loss(r, m) = static_cast<float>(
            report_loss_->value_and_gradient(&raw, data_->labels[rows[static_cast<std::size_t>(r)]], nullptr));
      }
  }
  g.array().colwise() *= scales.array();
  std::fill(loss_sum.begin(), loss_sum.end(), 0.0);
  for (Eigen::Index r = 0; r < n; ++r) {
    const double weight = record_weights_[rows[static_cast<std::size_t>(r)]];
    for (Eigen::Index m = 0; m < models_; ++m) loss_sum[static_cast<std::size_t>(m)] += weight * record_loss(r, m);
  }
}

const BatchGradient& BatchGradientKernel::compute(std::span<const std::uint32_t> batch, const ModelRefs& params,
                                                  double divisor) {
  start_call(params);
  if (data_->sparse) {
    sparse_forward_backward(batch, params, divisor);
  } else {
    dense_forward_backward(batch, params, divisor);
  }
  const std::size_t chunks = chunk_count(batch.size());
  out_.weight_sum = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    for (std::size_t m = 0; m < out_.loss_sum.size(); ++m) out_.loss_sum[m] += chunk_loss_[c][m];
    out_.weight_sum += chunk_weight_[c];
  }
  // The bias gradient is the column sum of G, which the pass above added chunk by chunk in order.
  for (int m = 0; m < models_; ++m)
    for (int k = 0; k < outputs_; ++k)
      out_.grads[static_cast<std::size_t>(m)].bias[static_cast<std::size_t>(k)] = g_column_sums_(m * outputs_ + k);
  return out_;
}

const BatchGradient& BatchGradientKernel::compute(const Dataset& data, std::span<const float> record_weights,
                                                  std::span<const std::uint32_t> batch, const ModelRefs& params,
                                                  double divisor) {
  data_ = &data;
  record_weights_ = record_weights;
  return compute(batch, params, divisor);
}

void BatchGradientKernel::dense_forward_backward(std::span<const std::uint32_t> batch, const ModelRefs& params,
                                                 double divisor) {
  const std::size_t d = data_->feature_dim;
  const auto k = static_cast<std::size_t>(outputs_);
  const std::size_t columns = static_cast<std::size_t>(models_) * k;
  // Many columns are multiplied from weights stored feature by feature, few from weights stored
  // column by column (see dense_tiles.h); the folded weights are written in that layout only.
  const bool by_feature = tiles::by_feature_applies(columns);
  effective_weights_.resize(columns * d);
  // Fold the normalization into the weights: ((x - mean) / scale) . w = x . (w / scale) - mean . (w / scale).
  // Each task writes a run of features of every model, so no two threads write the same cache line.
  const std::size_t feature_blocks = (d + kFoldFeatures - 1) / kFoldFeatures;
  pool_.run(feature_blocks, [&](std::size_t block, int) {
    const std::size_t last = std::min(d, (block + 1) * kFoldFeatures);
    // In runs of 16 features: each model's run is one cache line to read, and the run's output
    // (16 x columns values) stays in L1 while the models fill it.
    for (std::size_t run = block * kFoldFeatures; run < last; run += 16) {
      const std::size_t run_end = std::min(last, run + 16);
      for (std::size_t m = 0; m < static_cast<std::size_t>(models_); ++m) {
        const float* w = params[m]->weights.data();
        for (std::size_t c = 0; c < k; ++c) {
          const std::size_t col = m * k + c;
          for (std::size_t j = run; j < run_end; ++j)
            effective_weights_[by_feature ? j * columns + col : col * d + j] = w[j * k + c] * inv_scale_[j];
        }
      }
    }
  });
  // The shifts, each summed over features in order; feature by feature all columns advance together.
  shift_.assign(columns, 0.0);
  if (by_feature) {
    for (std::size_t j = 0; j < d; ++j)
      for (std::size_t col = 0; col < columns; ++col)
        shift_[col] += norm_.mean[j] * effective_weights_[j * columns + col];
  } else {
    for (std::size_t col = 0; col < columns; ++col)
      for (std::size_t j = 0; j < d; ++j) shift_[col] += norm_.mean[j] * effective_weights_[col * d + j];
  }
  for (std::size_t m = 0; m < static_cast<std::size_t>(models_); ++m)
    for (std::size_t c = 0; c < k; ++c)
      effective_bias_(static_cast<Eigen::Index>(m * k + c)) =
          static_cast<float>(params[m]->bias[c] - shift_[m * k + c]);
  const std::size_t chunks = chunk_count(batch.size());
  pool_.run(chunks, [&](std::size_t c, int) {
    const std::size_t begin = chunk_begin(c, chunks, batch.size());
    const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
    const auto rows = batch.subspan(begin, end - begin);
    std::vector<const float*>& x = chunk_row_pointers_[c];
    x.resize(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) x[r] = data_->dense.data() + static_cast<std::size_t>(rows[r]) * d;
    RowMatrix& margins = chunk_margins_[c];
    margins.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns));
    if (by_feature)
      tiles::forward_by_feature(x.data(), rows.size(), d, effective_weights_.data(), columns, margins.data());
    else
      tiles::forward(x.data(), rows.size(), d, effective_weights_.data(), columns, margins.data());
    margins.rowwise() += effective_bias_;
    loss_gradients(rows, margins, chunk_g_[c], chunk_record_loss_[c], chunk_loss_[c], chunk_weight_[c], divisor);
    // The chunk's rows are still in cache from the forward pass.
    chunk_partial_[c].resize(static_cast<Eigen::Index>(columns), static_cast<Eigen::Index>(d));
    tiles::backward(x.data(), rows.size(), d, chunk_g_[c].data(), columns, chunk_partial_[c].data());
  });
  // Sum the chunk partials in order, then undo the folding: grad_w = (X^T G - mean * colsum(G)) / scale.
  sum_loss_gradients(chunks);
  pool_.run(static_cast<std::size_t>(models_), [&](std::size_t m, int) {
    auto& g = out_.grads[m].weights;
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = static_cast<Eigen::Index>(m * k + c);
      auto total = chunk_partial_[0].row(col);
      for (std::size_t chunk = 1; chunk < chunks; ++chunk) total += chunk_partial_[chunk].row(col);
      const float colsum = centred_ ? g_column_sums_(col) : 0.0F;
      for (std::size_t j = 0; j < d; ++j)
        g[j * k + c] =
            inv_scale_[j] * (total(static_cast<Eigen::Index>(j)) - static_cast<float>(norm_.mean[j]) * colsum);
    }
  });
}

void BatchGradientKernel::sum_loss_gradients(std::size_t chunks) {
  g_column_sums_.setZero(effective_bias_.size());
  for (std::size_t c = 0; c < chunks; ++c) g_column_sums_ += chunk_g_[c].colwise().sum();
}

// The batch's non-zeros, scaled, in one compact run, its distinct features in ascending order (the
// optimizer then walks memory forwards), and for each non-zero the slot of its feature in that list. A
// bit per feature marks them; the list and the slots come from the bitmap (a popcount rank) when it is
// small next to the list, and from sorting the list and searching it otherwise (very wide data).
void BatchGradientKernel::collect_touched_features(std::span<const std::uint32_t> batch) {
  out_.touched.clear();
  batch_columns_.clear();
  batch_values_.clear();
  batch_row_start_.assign(1, 0);
  if (touched_bits_.empty()) touched_bits_.assign((data_->feature_dim + 63) / 64, 0);
  for (std::uint32_t r : batch) {
    for (std::uint64_t p = data_->row_ptr[r]; p < data_->row_ptr[r + 1]; ++p) {
      const std::uint32_t j = data_->col_idx[p];
      batch_columns_.push_back(j);
      batch_values_.push_back(data_->values[p] * inv_scale_[j]);
      std::uint64_t& word = touched_bits_[j / 64];
      const std::uint64_t bit = std::uint64_t{1} << (j % 64);
      if ((word & bit) == 0) out_.touched.push_back(j);
      word |= bit;
    }
    batch_row_start_.push_back(batch_columns_.size());
  }
  batch_slots_.resize(batch_columns_.size());
  if (touched_bits_.size() <= 16 * out_.touched.size()) {
    out_.touched.clear();
    word_rank_.resize(touched_bits_.size());
    for (std::size_t w = 0; w < touched_bits_.size(); ++w) {
      word_rank_[w] = static_cast<std::uint32_t>(out_.touched.size());
      for (std::uint64_t bits = touched_bits_[w]; bits != 0; bits &= bits - 1)
        out_.touched.push_back(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
    }
    for (std::size_t q = 0; q < batch_columns_.size(); ++q) {
      const std::uint32_t j = batch_columns_[q];
      const std::uint64_t below = (std::uint64_t{1} << (j % 64)) - 1;
      batch_slots_[q] = word_rank_[j / 64] + static_cast<std::uint32_t>(std::popcount(touched_bits_[j / 64] & below));
    }
    std::fill(touched_bits_.begin(), touched_bits_.end(), 0);
  } else {
    for (std::uint32_t j : out_.touched) touched_bits_[j / 64] = 0;
    std::sort(out_.touched.begin(), out_.touched.end());
    for (std::size_t q = 0; q < batch_columns_.size(); ++q)
      batch_slots_[q] = static_cast<std::uint32_t>(
          std::lower_bound(out_.touched.begin(), out_.touched.end(), batch_columns_[q]) - out_.touched.begin());
  }
}

void BatchGradientKernel::sparse_forward_backward(std::span<const std::uint32_t> batch, const ModelRefs& params,
                                                  double divisor) {
  const auto k = static_cast<std::size_t>(outputs_);
  collect_touched_features(batch);

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
      for (int m = 0; m < models_; ++m)
        std::copy_n(params[static_cast<std::size_t>(m)]->bias.data(), k, out + m * outputs_);
    }
    // One model at a time, so only its weights compete for the cache.
    for (std::size_t m = 0; m < static_cast<std::size_t>(models_); ++m) {
      const float* w = params[m]->weights.data();
      for (std::size_t r = begin; r < end; ++r) {
        float* out = margins.row(static_cast<Eigen::Index>(r - begin)).data() + m * k;
        for (std::size_t q = batch_row_start_[r]; q < batch_row_start_[r + 1]; ++q) {
          const float* wj = w + static_cast<std::size_t>(batch_columns_[q]) * k;
          for (std::size_t o = 0; o < k; ++o) out[o] += batch_values_[q] * wj[o];
        }
      }
    }
    loss_gradients(rows, margins, chunk_g_[c], chunk_record_loss_[c], chunk_loss_[c], chunk_weight_[c], divisor);
  });
  sum_loss_gradients(chunks);
  // Scatter X^T G into the touched rows. Each thread owns a range of them and walks the batch in
  // order, so every gradient entry is summed in the same order whatever the thread count.
  const std::size_t slots = out_.touched.size();
  for (std::size_t m = 0; m < static_cast<std::size_t>(models_); ++m) out_.grads[m].weights.resize(slots * k);
  const auto threads = static_cast<std::size_t>(pool_.size());
  pool_.run(threads, [&](std::size_t t, int) {
    const std::size_t lo = t * slots / threads;
    const std::size_t hi = (t + 1) * slots / threads;
    for (std::size_t m = 0; m < static_cast<std::size_t>(models_); ++m) {
      float* grad = out_.grads[m].weights.data();
      std::fill(grad + lo * k, grad + hi * k, 0.0F);
      for (std::size_t c = 0; c < chunks; ++c) {
        const std::size_t begin = chunk_begin(c, chunks, batch.size());
        const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
        for (std::size_t r = begin; r < end; ++r) {
          const float* g = chunk_g_[c].row(static_cast<Eigen::Index>(r - begin)).data() + m * k;
          for (std::size_t q = batch_row_start_[r]; q < batch_row_start_[r + 1]; ++q) {
            const std::uint32_t slot = batch_slots_[q];
            if (slot < lo || slot >= hi) continue;
            float* out = grad + static_cast<std::size_t>(slot) * k;
            for (std::size_t o = 0; o < k; ++o) out[o] += batch_values_[q] * g[o];
          }
        }
      }
    }
  });
}

}  // namespace linlearn
