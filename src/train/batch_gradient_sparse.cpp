// The kernel on sparse batches: features looked up as parameter rows (slots of the training data's
// FeatureIndex), margins from the rows' non-zeros, and X^T G scattered into the touched rows.
#include "batch_gradient.h"

namespace linlearn {
namespace {

// How far ahead a loop over shuffled rows or scattered weight rows asks for what it reads next.
constexpr std::size_t kAhead = 8;

}  // namespace

std::span<const std::uint32_t> BatchGradientKernel::prepare(const Dataset& data, std::span<const float> record_weights,
                                                            std::span<const std::uint32_t> batch) {
  data_ = &data;
  record_weights_ = record_weights;
  if (!sparse_) return {};
  look_up_features(batch);
  prepared_ = true;
  return batch_slots_;
}

// Each chunk writes the non-zeros of its rows into their own range (room for every stored value of
// the rows); a value of a feature outside the index (a zero, which the index leaves out) is dropped.
// The rows come in shuffled order from all over the store: the next rows' first bytes are fetched
// ahead, so that their cache misses overlap.
void BatchGradientKernel::look_up_features(std::span<const std::uint32_t> batch) {
  const Dataset& data = *data_;
  batch_row_start_.resize(batch.size() + 1);
  batch_row_end_.resize(batch.size());
  std::size_t room = 0;
  for (std::size_t r = 0; r < batch.size(); ++r) {
    batch_row_start_[r] = room;
    room += data.row_ptr[batch[r] + 1] - data.row_ptr[batch[r]];
  }
  batch_row_start_[batch.size()] = room;
  batch_slots_.resize(room);
  batch_values_.resize(room);
  const std::size_t chunks = chunk_count(batch.size());
  pool_.run(chunks, [&](std::size_t c, int) {
    const std::size_t end = chunk_begin(c + 1, chunks, batch.size());
    for (std::size_t r = chunk_begin(c, chunks, batch.size()); r < end; ++r) {
      if (r + kAhead < end) {
        const std::uint64_t ahead = data.row_ptr[batch[r + kAhead]];
        __builtin_prefetch(data.col_idx.data() + ahead);
        if (data.palette.empty())
          __builtin_prefetch(data.values.data() + ahead);
        else
          __builtin_prefetch(data.value_codes.data() + ahead);
      }
      std::size_t q = batch_row_start_[r];
      const std::uint64_t row_end = data.row_ptr[batch[r] + 1];
      for (std::uint64_t p = data.row_ptr[batch[r]]; p < row_end; ++p) {
        if (p + kAhead < row_end) features_->prefetch(data.col_idx[p + kAhead]);
        const std::uint32_t slot = features_->slot(data.col_idx[p]);
        if (slot == FeatureIndex::kAbsent) continue;
        batch_slots_[q] = slot;
        batch_values_[q] = unit_scale_ ? data.value(p) : data.value(p) * inv_scale_[slot];
        ++q;
      }
      batch_row_end_[r] = q;
    }
  });
}

void BatchGradientKernel::sparse_margins(std::size_t chunk_first, std::size_t rows, const ModelRefs& params,
                                         RowMatrix& margins) const {
  const auto k = static_cast<std::size_t>(outputs_);
  for (std::size_t r = 0; r < rows; ++r) {
    float* out = margins.row(static_cast<Eigen::Index>(r)).data();
    for (std::size_t m = 0; m < params.size(); ++m) std::copy_n(params[m]->bias.data(), k, out + m * k);
  }
  // One model at a time, so only its weights compete for the cache.
  for (std::size_t m = 0; m < params.size(); ++m) {
    const float* w = params[m]->weights.data();
    for (std::size_t r = chunk_first; r < chunk_first + rows; ++r) {
      float* out = margins.row(static_cast<Eigen::Index>(r - chunk_first)).data() + m * k;
      if (k == 1) {  // a binary model: a running sum in a register, in the same order
        float sum = *out;
        for (std::size_t q = batch_row_start_[r]; q < batch_row_end_[r]; ++q) {
          if (q + kAhead < batch_slots_.size()) __builtin_prefetch(w + batch_slots_[q + kAhead]);
          sum += batch_values_[q] * w[batch_slots_[q]];
        }
        *out = sum;
        continue;
      }
      for (std::size_t q = batch_row_start_[r]; q < batch_row_end_[r]; ++q) {
        // Weight rows are all over a wide model: the ones a few non-zeros on are fetched ahead.
        if (q + kAhead < batch_slots_.size())
          __builtin_prefetch(w + static_cast<std::size_t>(batch_slots_[q + kAhead]) * k);
        const float* wj = w + static_cast<std::size_t>(batch_slots_[q]) * k;
        for (std::size_t o = 0; o < k; ++o) out[o] += batch_values_[q] * wj[o];
      }
    }
  }
}

void BatchGradientKernel::sparse_forward_backward(std::span<const std::uint32_t> batch, const ModelRefs& params,
                                                  double divisor) {
  if (!prepared_) look_up_features(batch);
  prepared_ = false;
  const std::size_t chunks = chunk_count(batch.size());
  const auto columns =
      static_cast<Eigen::Index>(static_cast<std::size_t>(models_) * static_cast<std::size_t>(outputs_));
  pool_.run(chunks, [&](std::size_t c, int) {
    const std::size_t begin = chunk_begin(c, chunks, batch.size());
    const auto rows = batch.subspan(begin, chunk_begin(c + 1, chunks, batch.size()) - begin);
    RowMatrix& margins = chunk_margins_[c];
    margins.resize(static_cast<Eigen::Index>(rows.size()), columns);
    sparse_margins(begin, rows.size(), params, margins);
    loss_gradients(rows, margins, chunk_g_[c], chunk_record_loss_[c], chunk_loss_[c], chunk_weight_[c], divisor);
    if (!measured_.empty()) measure_chunk(c, rows, begin, nullptr);
  });
  sum_loss_gradients(chunks);
  scatter_gradients(batch);
}

// Each part (a range of parameter rows, one per thread) walks the whole batch in order and adds
// the products of its rows' non-zeros, so every row's gradient is summed in batch order whatever
// the thread count; a row is listed where the batch first touches it. Entries list the products
// one by one, in the same order.
void BatchGradientKernel::scatter_gradients(std::span<const std::uint32_t> batch) {
  const auto models = static_cast<std::size_t>(models_);
  const std::size_t chunks = chunk_count(batch.size());
  const auto parts = static_cast<std::size_t>(pool_.size());
  out_.parts.resize(parts);
  pool_.run(parts, [&](std::size_t p, int) {
    TouchedRows& part = out_.parts[p];
    for (std::uint32_t row : part.rows) slot_position_[row] = FeatureIndex::kAbsent;
    part.rows.clear();
    part.entry_rows.clear();
    part.grads.resize(models);
    part.entry_grads.resize(models);
    for (std::size_t m = 0; m < models; ++m) {
      part.grads[m].clear();
      part.entry_grads[m].clear();
    }
    const std::uint32_t lo = part_begin(p, parts, slot_position_.size());
    const std::uint32_t hi = part_begin(p + 1, parts, slot_position_.size());
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t begin = chunk_begin(c, chunks, batch.size());
      for (std::size_t r = begin; r < chunk_begin(c + 1, chunks, batch.size()); ++r) {
        const float* g = chunk_g_[c].row(static_cast<Eigen::Index>(r - begin)).data();
        for (std::size_t q = batch_row_start_[r]; q < batch_row_end_[r]; ++q) {
          const std::uint32_t slot = batch_slots_[q];
          if (slot < lo || slot >= hi) continue;
          if (entries_) add_entry(part, slot, batch_values_[q], g);
          if (row_sums_) add_to_row(part, slot, batch_values_[q], g);
        }
      }
    }
  });
}

void BatchGradientKernel::add_entry(TouchedRows& part, std::uint32_t slot, float value, const float* g) const {
  const auto k = static_cast<std::size_t>(outputs_);
  part.entry_rows.push_back(slot);
  for (std::size_t m = 0; m < part.entry_grads.size(); ++m)
    for (std::size_t o = 0; o < k; ++o) part.entry_grads[m].push_back(value * g[m * k + o]);
}

void BatchGradientKernel::add_to_row(TouchedRows& part, std::uint32_t slot, float value, const float* g) {
  const auto k = static_cast<std::size_t>(outputs_);
  std::uint32_t& position = slot_position_[slot];
  if (position == FeatureIndex::kAbsent) {
    position = static_cast<std::uint32_t>(part.rows.size());
    part.rows.push_back(slot);
    for (auto& grad : part.grads) grad.resize(grad.size() + k, 0.0F);
  }
  // One binary model: one product, without the loops' set-up for wide rows.
  if (k == 1 && part.grads.size() == 1) {
    part.grads[0][position] += value * g[0];
    return;
  }
  for (std::size_t m = 0; m < part.grads.size(); ++m) {
    float* out = part.grads[m].data() + static_cast<std::size_t>(position) * k;
    for (std::size_t o = 0; o < k; ++o) out[o] += value * g[m * k + o];
  }
}

}  // namespace linlearn
