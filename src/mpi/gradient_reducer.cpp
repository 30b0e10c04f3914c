#include "mpi/gradient_reducer.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

namespace linlearn {
namespace {

class LocalReducer final : public GradientReducer {
 public:
  double divisor(std::size_t local_records) const override { return static_cast<double>(local_records); }
  const BatchGradient& reduce(const BatchGradient& local, std::size_t, int&) override { return local; }
  void want_entries(bool) override {}
  double exchange_seconds() const override { return 0; }
  void step_own_rows(bool) override {}
  bool steps_own_rows() const override { return false; }
  void share_stepped(std::span<ModelParameters* const>) override {}
  void share_own_ranges(std::span<float>) override {}
};

template <class T>
void append(std::vector<std::uint8_t>& out, const T* values, std::size_t count) {
  const std::size_t at = out.size();
  out.resize(at + count * sizeof(T));
  if (count > 0) std::memcpy(out.data() + at, values, count * sizeof(T));
}

template <class T>
T load(const std::uint8_t* p, std::size_t index) {
  T value;
  std::memcpy(&value, p + index * sizeof(T), sizeof(T));
  return value;
}

// One rank's message: a header of doubles (touched rows, models, measured models, weight sum,
// records, stop signal, then the models' loss sums and the measured models' loss sums), the touched
// row indices (sparse only, u32), then per model its weight rows and its bias (float).
constexpr std::size_t kHeader = 6;

// A touched row of another rank's range, when each rank steps its own rows.
constexpr std::uint32_t kNotOwn = 0xFFFFFFFFU;

struct Part {
  const std::uint8_t* doubles = nullptr;
  const std::uint8_t* touched = nullptr;
  const std::uint8_t* floats = nullptr;
  std::size_t rows = 0;  // touched rows (sparse) or feature_dim (dense)
};

// Marks rows of [0, rows) and lists the marked ones ascending by scanning a bit per row: the union
// of the ranks' rows in row order without sorting them (a step touches thousands of rows among up
// to millions; a scan of a bit per row costs less than sorting them).
class RowMarks {
 public:
  explicit RowMarks(std::size_t rows) : words_((rows + 63) / 64, 0) {}
  void mark(std::uint32_t row) { words_[row >> 6] |= std::uint64_t{1} << (row & 63); }
  // visit(row) for every marked row, ascending; clears the marks.
  template <class Visit>
  void drain(Visit&& visit) {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      std::uint64_t bits = words_[w];
      if (bits == 0) continue;
      words_[w] = 0;
      for (; bits != 0; bits &= bits - 1)
        visit(static_cast<std::uint32_t>(w * 64 + static_cast<std::size_t>(std::countr_zero(bits))));
    }
  }

 private:
  std::vector<std::uint64_t> words_;
};

// Every rank sends its message and adds up all the ranks' parts itself, in rank order (see the
// header for the message and its cost).
class RankSumReducer final : public GradientReducer {
 public:
  RankSumReducer(Communicator& comm, std::size_t feature_dim, int outputs, bool sparse)
      : comm_(comm),
        feature_dim_(feature_dim),
        outputs_(static_cast<std::size_t>(outputs)),
        sparse_(sparse),
        marks_(sparse ? feature_dim : 0),
        position_(sparse ? feature_dim : 0) {}

  double divisor(std::size_t) const override { return 1.0; }
  double exchange_seconds() const override { return exchange_seconds_; }

  const BatchGradient& reduce(const BatchGradient& local, std::size_t local_records, int& stop_signal) override {
    pack(local, local_records, stop_signal);
    std::vector<std::size_t> counts;
    exchange(counts);
    split(counts, local.loss_sum.size(), local.measured_loss_sum.size());
    const double records = sum_totals(local, stop_signal);
    global_.records = records;
    const float scale = records > 0 ? static_cast<float>(1.0 / records) : 0.0F;
    if (sparse_) {
      merge_touched();
      start_parts(std::max<std::size_t>(local.parts.size(), 1), local.loss_sum.size());
    }
    global_.grads.resize(local.grads.size());
    for (std::size_t m = 0; m < local.loss_sum.size(); ++m) add_model(m, scale);
    // Records of other ranks are not in order with this rank's: per-record steps take each row's
    // sum over the ranks as one entry.
    if (entries_)
      for (TouchedRows& part : global_.parts) {
        part.entry_rows = part.rows;
        part.entry_grads = part.grads;
      }
    return global_;
  }

  void want_entries(bool entries) override { entries_ = entries; }
  void step_own_rows(bool own) override { own_ = own && sparse_; }
  bool steps_own_rows() const override { return own_; }

  // One message: the number of rows this rank stepped, their indices (u32), then per model their
  // weights (float), in reduce()'s order.
  void share_stepped(std::span<ModelParameters* const> params) override {
    if (!own_) return;
    send_.clear();
    const auto rows = static_cast<std::uint32_t>(union_.size());
    append(send_, &rows, 1);
    append(send_, union_.data(), union_.size());
    for (const ModelParameters* p : params)
      for (std::uint32_t row : union_) append(send_, p->weights.data() + row * outputs_, outputs_);
    std::vector<std::size_t> counts;
    exchange(counts);
    const std::uint8_t* at = received_.data();
    for (std::size_t r = 0; r < counts.size(); at += counts[r++]) {
      const auto n = load<std::uint32_t>(at, 0);
      if (counts[r] != 4 * (1 + n + std::size_t{n} * outputs_ * params.size()))
        throw std::logic_error("GradientReducer: a rank's stepped rows have an unexpected length");
      if (static_cast<int>(r) == comm_.rank()) continue;
      const std::uint8_t* values = at + 4 * (1 + std::size_t{n});
      for (std::size_t m = 0; m < params.size(); ++m)
        for (std::size_t i = 0; i < n; ++i) {
          float* to = params[m]->weights.data() + load<std::uint32_t>(at, 1 + i) * outputs_;
          std::memcpy(to, values + ((m * n + i) * outputs_) * sizeof(float), outputs_ * sizeof(float));
        }
    }
  }

  void share_own_ranges(std::span<float> values) override {
    if (feature_dim_ == 0 || values.size() % feature_dim_ != 0)
      throw std::logic_error("GradientReducer: a state to share is not made of whole parameter rows");
    const std::size_t per_row = values.size() / feature_dim_;
    const auto ranks = static_cast<std::size_t>(comm_.size());
    const auto own = static_cast<std::size_t>(comm_.rank());
    send_.clear();
    const std::size_t first = part_begin(own, ranks, feature_dim_) * per_row;
    append(send_, values.data() + first, part_begin(own + 1, ranks, feature_dim_) * per_row - first);
    std::vector<std::size_t> counts;
    exchange(counts);
    std::size_t at = 0;
    for (std::size_t r = 0; r < ranks; at += counts[r++]) {
      const std::size_t begin = part_begin(r, ranks, feature_dim_) * per_row;
      if (counts[r] != (part_begin(r + 1, ranks, feature_dim_) * per_row - begin) * sizeof(float))
        throw std::logic_error("GradientReducer: a rank's state has an unexpected length");
      if (r != own && counts[r] > 0) std::memcpy(values.data() + begin, received_.data() + at, counts[r]);
    }
  }

 private:
  void exchange(std::vector<std::size_t>& counts) {
    const auto sent = std::chrono::steady_clock::now();
    received_ = comm_.gather_bytes(send_, counts);
    exchange_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  }

  // The parameter rows this process steps: all, or its own range.
  std::pair<std::uint32_t, std::uint32_t> stepped_range() const {
    if (!own_) return {0, static_cast<std::uint32_t>(feature_dim_)};
    const auto ranks = static_cast<std::size_t>(comm_.size());
    const auto own = static_cast<std::size_t>(comm_.rank());
    return {part_begin(own, ranks, feature_dim_), part_begin(own + 1, ranks, feature_dim_)};
  }

  // Floats of one model in a message of `rows` weight rows.
  std::size_t model_floats(std::size_t rows) const { return (rows + 1) * outputs_; }

  void pack(const BatchGradient& local, std::size_t records, int stop_signal) {
    send_.clear();
    std::size_t rows = feature_dim_;
    if (sparse_) {
      rows = 0;
      for (const TouchedRows& part : local.parts) rows += part.rows.size();
    }
    const double header[kHeader] = {static_cast<double>(rows),
                                    static_cast<double>(local.loss_sum.size()),
                                    static_cast<double>(local.measured_loss_sum.size()),
                                    local.weight_sum,
                                    static_cast<double>(records),
                                    static_cast<double>(stop_signal)};
    append(send_, header, kHeader);
    append(send_, local.loss_sum.data(), local.loss_sum.size());
    append(send_, local.measured_loss_sum.data(), local.measured_loss_sum.size());
    if (sparse_)
      for (const TouchedRows& part : local.parts) append(send_, part.rows.data(), part.rows.size());
    for (std::size_t m = 0; m < local.loss_sum.size(); ++m) {
      const ModelParameters& g = local.grads[m];
      if (g.bias.size() != outputs_ || (!sparse_ && g.weights.size() != rows * outputs_))
        throw std::logic_error("GradientReducer: a model's gradient does not have the shape of its batch");
      if (sparse_) {
        for (const TouchedRows& part : local.parts) append(send_, part.grads[m].data(), part.grads[m].size());
      } else {
        append(send_, g.weights.data(), g.weights.size());
      }
      append(send_, g.bias.data(), g.bias.size());
    }
  }
  // Where each rank's parts start in received_; every rank computes the same models.
  void split(const std::vector<std::size_t>& counts, std::size_t models, std::size_t measured) {
    parts_.assign(counts.size(), Part{});
    std::size_t at = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      Part& p = parts_[r];
      p.doubles = received_.data() + at;
      p.rows = static_cast<std::size_t>(load<double>(p.doubles, 0));
      if (load<double>(p.doubles, 1) != static_cast<double>(models) ||
          load<double>(p.doubles, 2) != static_cast<double>(measured))
        throw std::logic_error("GradientReducer: the ranks computed different models in one step");
      p.touched = p.doubles + (kHeader + models + measured) * sizeof(double);
      p.floats = p.touched + (sparse_ ? p.rows * sizeof(std::uint32_t) : 0);
      const std::size_t bytes =
          static_cast<std::size_t>(p.floats - p.doubles) + models * model_floats(p.rows) * sizeof(float);
      if (bytes != counts[r]) throw std::logic_error("GradientReducer: a rank's message has an unexpected length");
      at += counts[r];
    }
  }

  // The loss and weight sums, added in rank order; returns the records of all ranks.
  double sum_totals(const BatchGradient& local, int& stop_signal) {
    global_.loss_sum.assign(local.loss_sum.size(), 0.0);
    global_.measured_loss_sum.assign(local.measured_loss_sum.size(), 0.0);
    global_.weight_sum = 0;
    double records = 0;
    for (const Part& p : parts_) {
      global_.weight_sum += load<double>(p.doubles, 3);
      records += load<double>(p.doubles, 4);
      stop_signal = std::max(stop_signal, static_cast<int>(load<double>(p.doubles, 5)));
      for (std::size_t m = 0; m < global_.loss_sum.size(); ++m)
        global_.loss_sum[m] += load<double>(p.doubles, kHeader + m);
      for (std::size_t k = 0; k < global_.measured_loss_sum.size(); ++k)
        global_.measured_loss_sum[k] += load<double>(p.doubles, kHeader + global_.loss_sum.size() + k);
    }
    return records;
  }

  // The union of the ranks' touched rows in the stepped range, ascending, into union_; slots_[r][i]
  // is where rank r's i-th row lands in it (kNotOwn: outside the range).
  void merge_touched() {
    const std::pair<std::uint32_t, std::uint32_t> range = stepped_range();
    const auto stepped = [range](std::uint32_t row) { return row >= range.first && row < range.second; };
    for (const Part& p : parts_)
      for (std::size_t i = 0; i < p.rows; ++i)
        if (const auto row = load<std::uint32_t>(p.touched, i); stepped(row)) marks_.mark(row);
    union_.clear();
    marks_.drain([&](std::uint32_t row) {
      position_[row] = static_cast<std::uint32_t>(union_.size());
      union_.push_back(row);
    });
    slots_.resize(parts_.size());
    for (std::size_t r = 0; r < parts_.size(); ++r) {
      slots_[r].resize(parts_[r].rows);
      for (std::size_t i = 0; i < parts_[r].rows; ++i) {
        const auto row = load<std::uint32_t>(parts_[r].touched, i);
        slots_[r][i] = stepped(row) ? position_[row] : kNotOwn;
      }
    }
  }

  // The step's sparse gradient in `count` parts of ascending row ranges (as the kernel cuts them),
  // so that the optimizer steps them side by side; part_first_[p] is part p's first row in union_.
  void start_parts(std::size_t count, std::size_t models) {
    global_.parts.resize(count);
    part_first_.assign(count + 1, union_.size());
    const auto [lo, hi_all] = stepped_range();
    std::size_t j = 0;
    for (std::size_t p = 0; p < count; ++p) {
      TouchedRows& part = global_.parts[p];
      part_first_[p] = j;
      const std::uint32_t hi = lo + part_begin(p + 1, count, hi_all - lo);
      while (j < union_.size() && union_[j] < hi) ++j;
      part.rows.assign(union_.begin() + static_cast<std::ptrdiff_t>(part_first_[p]),
                       union_.begin() + static_cast<std::ptrdiff_t>(j));
      part.grads.resize(models);
    }
  }

  // Model m's gradient: each element the ranks' values added in rank order in double, as
  // Communicator::sum adds, then scaled by 1 / records.
  void add_model(std::size_t m, float scale) {
    const std::size_t rows = sparse_ ? union_.size() : feature_dim_;
    sums_.assign(model_floats(rows), 0.0);
    for (std::size_t r = 0; r < parts_.size(); ++r) {
      const Part& p = parts_[r];
      const std::uint8_t* values = p.floats + m * model_floats(p.rows) * sizeof(float);
      for (std::size_t i = 0; i < p.rows; ++i) {
        if (sparse_ && slots_[r][i] == kNotOwn) continue;
        const std::size_t to = (sparse_ ? slots_[r][i] : i) * outputs_;
        for (std::size_t c = 0; c < outputs_; ++c) sums_[to + c] += load<float>(values, i * outputs_ + c);
      }
      for (std::size_t c = 0; c < outputs_; ++c)
        sums_[rows * outputs_ + c] += load<float>(values, p.rows * outputs_ + c);
    }
    ModelParameters& out = global_.grads[m];
    out.bias.resize(outputs_);
    for (std::size_t c = 0; c < outputs_; ++c) out.bias[c] = static_cast<float>(sums_[rows * outputs_ + c]) * scale;
    if (!sparse_) {
      out.weights.resize(rows * outputs_);
      for (std::size_t i = 0; i < out.weights.size(); ++i) out.weights[i] = static_cast<float>(sums_[i]) * scale;
      return;
    }
    out.weights.clear();
    for (std::size_t p = 0; p < global_.parts.size(); ++p) {
      std::vector<float>& grad = global_.parts[p].grads[m];
      grad.resize((part_first_[p + 1] - part_first_[p]) * outputs_);
      const double* sum = sums_.data() + part_first_[p] * outputs_;
      for (std::size_t i = 0; i < grad.size(); ++i) grad[i] = static_cast<float>(sum[i]) * scale;
    }
  }

  Communicator& comm_;
  const std::size_t feature_dim_;
  const std::size_t outputs_;
  const bool sparse_;
  std::vector<std::uint8_t> send_;
  std::vector<std::uint8_t> received_;
  std::vector<Part> parts_;
  std::vector<std::vector<std::uint32_t>> slots_;
  RowMarks marks_;
  std::vector<std::uint32_t> position_;  // per parameter row: its place in union_
  std::vector<double> sums_;
  std::vector<std::size_t> part_first_;  // start_parts
  std::vector<std::uint32_t> union_;     // merge_touched: every rank's rows, ascending
  BatchGradient global_;
  bool entries_ = false;
  bool own_ = false;  // step_own_rows
  double exchange_seconds_ = 0;
};

}  // namespace

std::unique_ptr<GradientReducer> make_gradient_reducer(Communicator& comm, std::size_t feature_dim, int outputs,
                                                       bool sparse) {
  if (comm.size() == 1) return std::make_unique<LocalReducer>();
  return std::make_unique<RankSumReducer>(comm, feature_dim, outputs, sparse);
}

}  // namespace linlearn
