#include "batch_gradient.h"

#include <algorithm>
#include <bit>

#include "dense_tiles.h"

namespace linlearn {
namespace {

// Features per task when folding the normalization into the weights.
constexpr std::size_t kFoldFeatures = 64;

}  // namespace

BatchGradientKernel::BatchGradientKernel(const Dataset& data, std::span<const float> record_weights,
                                         const Normalization& norm, const Loss& loss, const Loss& report_loss,
                                         int max_models, ThreadPool& pool, const FeatureIndex* features)
    : data_(&data),
      record_weights_(record_weights),
      norm_(norm),
      loss_(loss),
      report_loss_(&report_loss),
      outputs_(loss.outputs()),
      sparse_(data.sparse),
      pool_(pool) {
  // Per feature, or for sparse data per parameter row.
  inv_scale_.resize(norm.scale.size());
  for (std::size_t j = 0; j < norm.scale.size(); ++j) {
    inv_scale_[j] = static_cast<float>(1.0 / norm.scale[j]);
    centred_ = centred_ || norm.mean[j] != 0.0;
  }
  if (data.sparse) {
    if (features == nullptr) {
      std::vector<std::uint32_t> every(data.feature_dim);
      for (std::size_t j = 0; j < every.size(); ++j) every[j] = static_cast<std::uint32_t>(j);
      all_features_ = FeatureIndex(data.feature_dim, std::move(every));
      features = &all_features_;
    }
    features_ = features;
    slot_position_.assign(features->size(), FeatureIndex::kAbsent);
    unit_scale_ = std::all_of(inv_scale_.begin(), inv_scale_.end(), [](float s) { return s == 1.0F; });
  }
  out_.grads.resize(static_cast<std::size_t>(max_models));
  for (auto& g : out_.grads) {
    // Sparse gradients hold the touched rows only, in out_.parts.
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
  chunk_all_margins_.resize(8);
  chunk_measured_margins_.resize(8);
  chunk_measured_g_.resize(8);
  chunk_measured_record_loss_.resize(8);
  chunk_measured_loss_.resize(8);
}

void BatchGradientKernel::start_call(const ModelRefs& params) {
  models_ = static_cast<int>(params.size());
  out_.loss_sum.assign(params.size(), 0.0);
  for (auto& l : chunk_loss_) l.resize(params.size());
}

Eigen::VectorXf BatchGradientKernel::normalized_labels(std::span<const std::uint32_t> rows) const {
  Eigen::VectorXf labels(static_cast<Eigen::Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    labels(static_cast<Eigen::Index>(r)) =
        static_cast<float>((data_->labels[rows[r]] - norm_.label_mean) / norm_.label_scale);
  return labels;
}

void BatchGradientKernel::sum_record_losses(std::span<const std::uint32_t> rows, const RowMatrix& margins, int models,
                                            RowMatrix& record_loss, std::vector<double>& loss_sum) const {
  const auto n = static_cast<Eigen::Index>(rows.size());
  if (norm_.label_mean != 0.0 || norm_.label_scale != 1.0) {
    // Report the loss in the user's label units; only regression scales labels (one output).
    for (Eigen::Index r = 0; r < n; ++r)
      for (Eigen::Index m = 0; m < models; ++m) {
        const auto raw = static_cast<float>(margins(r, m) * norm_.label_scale + norm_.label_mean);
        record_loss(r, m) = static_cast<float>(
            report_loss_->value_and_gradient(&raw, data_->labels[rows[static_cast<std::size_t>(r)]], nullptr));
      }
  }
  loss_sum.assign(static_cast<std::size_t>(models), 0.0);
  for (Eigen::Index r = 0; r < n; ++r) {
    const double weight = record_weights_[rows[static_cast<std::size_t>(r)]];
    for (Eigen::Index m = 0; m < models; ++m) loss_sum[static_cast<std::size_t>(m)] += weight * record_loss(r, m);
  }
}

void BatchGradientKernel::loss_gradients(std::span<const std::uint32_t> rows, const RowMatrix& margins, RowMatrix& g,
                                         RowMatrix& record_loss, std::vector<double>& loss_sum, double& weight_sum,
                                         double divisor) const {
  const auto n = static_cast<Eigen::Index>(rows.size());
  const Eigen::VectorXf train_labels = normalized_labels(rows);
  Eigen::VectorXf scales(n);
  weight_sum = 0;
  for (Eigen::Index r = 0; r < n; ++r) {
    const float weight = record_weights_[rows[static_cast<std::size_t>(r)]];
    scales(r) = static_cast<float>(weight / divisor);
    weight_sum += weight;
  }
  g.resize(n, margins.cols());
  record_loss.resize(n, models_);
  loss_.block_values_and_gradients(margins.data(), train_labels.data(), rows.size(), models_, g.data(),
                                   record_loss.data());
  sum_record_losses(rows, margins, models_, record_loss, loss_sum);
  g.array().colwise() *= scales.array();
}

void BatchGradientKernel::set_measured(const ModelRefs& measured) {
  measured_ = measured;
  out_.measured_loss_sum.assign(measured.size(), 0.0);
  measured_placed_for_ = kNotPlaced;
}

bool BatchGradientKernel::place_measured(std::size_t trained_columns) {
  const std::size_t columns = trained_columns + measured_.size() * static_cast<std::size_t>(outputs_);
  // The trained models keep the layout they would have alone, so that measuring changes none of
  // their sums; the measured ones join them when that layout takes them too.
  const bool by_feature =
      trained_columns > 0 ? tiles::by_feature_applies(trained_columns) : tiles::by_feature_applies(columns);
  if (by_feature && !tiles::by_feature_applies(columns)) return false;
  if (measured_placed_for_ != trained_columns) {
    fold(measured_, by_feature, trained_columns, columns);
    measured_placed_for_ = trained_columns;
  }
  dense_by_feature_ = by_feature;
  return true;
}

void BatchGradientKernel::measure_chunk(std::size_t chunk, std::span<const std::uint32_t> rows, std::size_t first,
                                        const float* const* x) {
  const auto models = static_cast<int>(measured_.size());
  const auto k = static_cast<std::size_t>(outputs_);
  const std::size_t columns = measured_.size() * k;
  RowMatrix& margins = chunk_measured_margins_[chunk];
  if (!data_->sparse) {
    if (x != nullptr) {
      // Measured alone (no trained models, or a layout they cannot share): columns [0, M).
      margins.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns));
      forward(x, rows.size(), columns, margins);
    }
  } else {
    margins.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns));
    // As the trained models' margins are summed.
    sparse_margins(first, rows.size(), measured_, margins);
  }
  const Eigen::VectorXf labels = normalized_labels(rows);
  RowMatrix& record_loss = chunk_measured_record_loss_[chunk];
  record_loss.resize(static_cast<Eigen::Index>(rows.size()), models);
  chunk_measured_g_[chunk].resize(margins.rows(), margins.cols());
  loss_.block_values_and_gradients(margins.data(), labels.data(), rows.size(), models, chunk_measured_g_[chunk].data(),
                                   record_loss.data());
  sum_record_losses(rows, margins, models, record_loss, chunk_measured_loss_[chunk]);
}

void BatchGradientKernel::sum_measured(std::size_t chunks) {
  out_.measured_loss_sum.assign(measured_.size(), 0.0);
  if (measured_.empty()) return;
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t m = 0; m < measured_.size(); ++m) out_.measured_loss_sum[m] += chunk_measured_loss_[c][m];
}

const BatchGradient& BatchGradientKernel::measure(std::span<const std::uint32_t> batch) {
  measure_rows(batch);
  const std::size_t chunks = chunk_count(batch.size());
  sum_measured(chunks);
  out_.weight_sum = 0;
  for (std::size_t c = 0; c < chunks; ++c) out_.weight_sum += chunk_weight_[c];
  return out_;
}

void BatchGradientKernel::measure_rows(std::span<const std::uint32_t> batch) {
  if (!sparse_) place_measured(0);
  if (sparse_ && !prepared_) look_up_features(batch);
  prepared_ = false;
  const std::size_t chunks = chunk_count(batch.size());
  pool_.run(chunks, [&](std::size_t c, int) {
    const std::size_t first = chunk_begin(c, chunks, batch.size());
    const auto rows = batch.subspan(first, chunk_begin(c + 1, chunks, batch.size()) - first);
    std::vector<const float*>& x = chunk_row_pointers_[c];
    x.resize(rows.size());
    if (!data_->sparse)
      for (std::size_t r = 0; r < rows.size(); ++r)
        x[r] = data_->dense.data() + static_cast<std::size_t>(rows[r]) * data_->feature_dim;
    measure_chunk(c, rows, first, x.data());
    chunk_weight_[c] = 0;
    for (std::uint32_t r : rows) chunk_weight_[c] += record_weights_[r];
  });
}

const BatchGradient& BatchGradientKernel::measure(const Dataset& data, std::span<const float> record_weights,
                                                  std::span<const std::uint32_t> batch) {
  data_ = &data;
  record_weights_ = record_weights;
  return measure(batch);
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
  out_.records = static_cast<double>(batch.size());
  for (std::size_t c = 0; c < chunks; ++c) {
    for (std::size_t m = 0; m < out_.loss_sum.size(); ++m) out_.loss_sum[m] += chunk_loss_[c][m];
    out_.weight_sum += chunk_weight_[c];
  }
  sum_measured(chunks);
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

// Folds the normalization into the weights: ((x - mean) / scale) . w = x . (w / scale) - mean . (w / scale).
// Many columns are multiplied from weights stored feature by feature, few from weights stored
// column by column (see dense_tiles.h); the folded weights are written in that layout only.
void BatchGradientKernel::fold(const ModelRefs& params, bool by_feature, std::size_t first_column,
                               std::size_t total_columns) {
  // Not data_'s: a streamed epoch's batches are gone when the next epoch folds its measured models.
  const std::size_t d = inv_scale_.size();
  const auto k = static_cast<std::size_t>(outputs_);
  const std::size_t models = params.size();
  const std::size_t columns = models * k;
  std::vector<float>& weights = effective_weights_;
  const std::size_t stride = total_columns;  // by feature: the columns of one feature
  weights.resize(total_columns * d);
  effective_bias_.conservativeResize(static_cast<Eigen::Index>(total_columns));
  // Each task writes a run of features of every model, so no two threads write the same cache line.
  const std::size_t feature_blocks = (d + kFoldFeatures - 1) / kFoldFeatures;
  pool_.run(feature_blocks, [&](std::size_t block, int) {
    const std::size_t last = std::min(d, (block + 1) * kFoldFeatures);
    // In runs of 16 features: each model's run is one cache line to read, and the run's output
    // (16 x columns values) stays in L1 while the models fill it.
    for (std::size_t run = block * kFoldFeatures; run < last; run += 16) {
      const std::size_t run_end = std::min(last, run + 16);
      for (std::size_t m = 0; m < models; ++m) {
        const float* w = params[m]->weights.data();
        for (std::size_t c = 0; c < k; ++c) {
          const std::size_t col = first_column + m * k + c;
          for (std::size_t j = run; j < run_end; ++j)
            weights[by_feature ? j * stride + col : col * d + j] = w[j * k + c] * inv_scale_[j];
        }
      }
    }
  });
  // The shifts, each summed over features in order; feature by feature all columns advance together.
  shift_.assign(columns, 0.0);
  const float* placed = weights.data() + (by_feature ? first_column : first_column * d);
  if (by_feature) {
    for (std::size_t j = 0; j < d; ++j)
      for (std::size_t col = 0; col < columns; ++col) shift_[col] += norm_.mean[j] * placed[j * stride + col];
  } else {
    for (std::size_t col = 0; col < columns; ++col)
      for (std::size_t j = 0; j < d; ++j) shift_[col] += norm_.mean[j] * placed[col * d + j];
  }
  for (std::size_t m = 0; m < models; ++m)
    for (std::size_t c = 0; c < k; ++c)
      effective_bias_(static_cast<Eigen::Index>(first_column + m * k + c)) =
          static_cast<float>(params[m]->bias[c] - shift_[m * k + c]);
}

void BatchGradientKernel::dense_forward_backward(std::span<const std::uint32_t> batch, const ModelRefs& params,
                                                 double divisor) {
  const std::size_t d = data_->feature_dim;
  const auto k = static_cast<std::size_t>(outputs_);
  const std::size_t columns = static_cast<std::size_t>(models_) * k;
  // Measured models share the trained models' forward pass over each row when they can.
  const bool joined = !measured_.empty() && place_measured(columns);
  const std::size_t forward_columns = joined ? columns + measured_.size() * k : columns;
  if (!joined) {
    dense_by_feature_ = tiles::by_feature_applies(columns);
    measured_placed_for_ = kNotPlaced;  // the fold below writes over them
  }
  fold(params, dense_by_feature_, 0, forward_columns);
  const std::size_t chunks = chunk_count(batch.size());
  pool_.run(chunks, [&](std::size_t c, int) {
    const std::size_t begin = chunk_begin(c, chunks, batch.size());
    const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
    const auto rows = batch.subspan(begin, end - begin);
    std::vector<const float*>& x = chunk_row_pointers_[c];
    x.resize(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) x[r] = data_->dense.data() + static_cast<std::size_t>(rows[r]) * d;
    RowMatrix& margins = chunk_margins_[c];
    if (joined) {
      RowMatrix& all = chunk_all_margins_[c];
      all.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(forward_columns));
      forward(x.data(), rows.size(), forward_columns, all);
      margins = all.leftCols(static_cast<Eigen::Index>(columns));
      chunk_measured_margins_[c] = all.rightCols(static_cast<Eigen::Index>(forward_columns - columns));
    } else {
      margins.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns));
      forward(x.data(), rows.size(), columns, margins);
    }
    loss_gradients(rows, margins, chunk_g_[c], chunk_record_loss_[c], chunk_loss_[c], chunk_weight_[c], divisor);
    // The chunk's rows are still in cache from the forward pass.
    chunk_partial_[c].resize(static_cast<Eigen::Index>(columns), static_cast<Eigen::Index>(d));
    tiles::backward(x.data(), rows.size(), d, chunk_g_[c].data(), columns, chunk_partial_[c].data());
    if (joined) measure_chunk(c, rows, begin, nullptr);
  });
  if (!measured_.empty() && !joined) measure_rows(batch);
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

void BatchGradientKernel::forward(const float* const* x, std::size_t rows, std::size_t columns,
                                  RowMatrix& margins) const {
  if (dense_by_feature_)
    tiles::forward_by_feature(x, rows, inv_scale_.size(), effective_weights_.data(), columns, margins.data());
  else
    tiles::forward(x, rows, inv_scale_.size(), effective_weights_.data(), columns, margins.data());
  margins.rowwise() += effective_bias_.head(static_cast<Eigen::Index>(columns));
}

void BatchGradientKernel::sum_loss_gradients(std::size_t chunks) {
  g_column_sums_.setZero(static_cast<Eigen::Index>(models_ * outputs_));
  for (std::size_t c = 0; c < chunks; ++c) g_column_sums_ += chunk_g_[c].colwise().sum();
}

}  // namespace linlearn
