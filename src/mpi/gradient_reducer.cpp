#include "mpi/gradient_reducer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <queue>
#include <stdexcept>
#include <utility>
#include <vector>

namespace linlearn {
namespace {

class LocalReducer final : public GradientReducer {
 public:
  double divisor(std::size_t local_records) const override { return static_cast<double>(local_records); }
  const BatchGradient& reduce(const BatchGradient& local, std::size_t, int&) override { return local; }
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

struct Part {
  const std::uint8_t* doubles = nullptr;
  const std::uint8_t* touched = nullptr;
  const std::uint8_t* floats = nullptr;
  std::size_t rows = 0;  // touched rows (sparse) or feature_dim (dense)
};

class RankSumReducer final : public GradientReducer {
 public:
  RankSumReducer(Communicator& comm, std::size_t feature_dim, int outputs, bool sparse)
      : comm_(comm), feature_dim_(feature_dim), outputs_(static_cast<std::size_t>(outputs)), sparse_(sparse) {}

  double divisor(std::size_t) const override { return 1.0; }

  const BatchGradient& reduce(const BatchGradient& local, std::size_t local_records, int& stop_signal) override {
    pack(local, local_records, stop_signal);
    std::vector<std::size_t> counts;
    received_ = comm_.gather_bytes(send_, counts);
    split(counts, local.loss_sum.size(), local.measured_loss_sum.size());
    const double records = sum_totals(local, stop_signal);
    const float scale = records > 0 ? static_cast<float>(1.0 / records) : 0.0F;
    if (sparse_) merge_touched();
    global_.grads.resize(local.grads.size());
    for (std::size_t m = 0; m < local.loss_sum.size(); ++m) add_model(m, scale);
    return global_;
  }

 private:
  std::size_t models() const { return global_.loss_sum.size(); }
  // Floats of one model in a part of `rows` weight rows.
  std::size_t model_floats(std::size_t rows) const { return (rows + 1) * outputs_; }

  void pack(const BatchGradient& local, std::size_t records, int stop_signal) {
    send_.clear();
    const std::size_t rows = sparse_ ? local.touched.size() : feature_dim_;
    const double header[kHeader] = {static_cast<double>(rows),
                                    static_cast<double>(local.loss_sum.size()),
                                    static_cast<double>(local.measured_loss_sum.size()),
                                    local.weight_sum,
                                    static_cast<double>(records),
                                    static_cast<double>(stop_signal)};
    append(send_, header, kHeader);
    append(send_, local.loss_sum.data(), local.loss_sum.size());
    append(send_, local.measured_loss_sum.data(), local.measured_loss_sum.size());
    if (sparse_) append(send_, local.touched.data(), local.touched.size());
    for (std::size_t m = 0; m < local.loss_sum.size(); ++m) {
      const ModelParameters& g = local.grads[m];
      if (g.weights.size() != rows * outputs_ || g.bias.size() != outputs_)
        throw std::logic_error("GradientReducer: a model's gradient does not have the shape of its batch");
      append(send_, g.weights.data(), g.weights.size());
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

  // The union of the ranks' touched rows, sorted, into global_.touched; slots_[r][i] is where rank
  // r's i-th row lands in it. A k-way merge: O(rows log ranks), no array of feature_dim entries.
  void merge_touched() {
    using Head = std::pair<std::uint32_t, std::size_t>;  // (row, rank)
    std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
    slots_.resize(parts_.size());
    next_.assign(parts_.size(), 0);
    for (std::size_t r = 0; r < parts_.size(); ++r) {
      slots_[r].resize(parts_[r].rows);
      if (parts_[r].rows > 0) heads.emplace(load<std::uint32_t>(parts_[r].touched, 0), r);
    }
    global_.touched.clear();
    while (!heads.empty()) {
      const auto [row, r] = heads.top();
      heads.pop();
      if (global_.touched.empty() || global_.touched.back() != row) global_.touched.push_back(row);
      slots_[r][next_[r]] = static_cast<std::uint32_t>(global_.touched.size() - 1);
      if (++next_[r] < parts_[r].rows) heads.emplace(load<std::uint32_t>(parts_[r].touched, next_[r]), r);
    }
  }

  // Model m's gradient: each element the ranks' values added in rank order in double, as
  // Communicator::sum adds, then scaled by 1 / records.
  void add_model(std::size_t m, float scale) {
    ModelParameters& out = global_.grads[m];
    const std::size_t rows = sparse_ ? global_.touched.size() : feature_dim_;
    sums_.assign(model_floats(rows), 0.0);
    for (std::size_t r = 0; r < parts_.size(); ++r) {
      const Part& p = parts_[r];
      const std::uint8_t* values = p.floats + m * model_floats(p.rows) * sizeof(float);
      for (std::size_t i = 0; i < p.rows; ++i) {
        const std::size_t to = (sparse_ ? slots_[r][i] : i) * outputs_;
        for (std::size_t c = 0; c < outputs_; ++c) sums_[to + c] += load<float>(values, i * outputs_ + c);
      }
      for (std::size_t c = 0; c < outputs_; ++c)
        sums_[rows * outputs_ + c] += load<float>(values, p.rows * outputs_ + c);
    }
    out.weights.resize(rows * outputs_);
    out.bias.resize(outputs_);
    for (std::size_t i = 0; i < out.weights.size(); ++i) out.weights[i] = static_cast<float>(sums_[i]) * scale;
    for (std::size_t c = 0; c < outputs_; ++c) out.bias[c] = static_cast<float>(sums_[rows * outputs_ + c]) * scale;
  }

  Communicator& comm_;
  const std::size_t feature_dim_;
  const std::size_t outputs_;
  const bool sparse_;
  std::vector<std::uint8_t> send_;
  std::vector<std::uint8_t> received_;
  std::vector<Part> parts_;
  std::vector<std::vector<std::uint32_t>> slots_;
  std::vector<std::size_t> next_;
  std::vector<double> sums_;
  BatchGradient global_;
};

}  // namespace

std::unique_ptr<GradientReducer> make_gradient_reducer(Communicator& comm, std::size_t feature_dim, int outputs,
                                                       bool sparse) {
  if (comm.size() == 1) return std::make_unique<LocalReducer>();
  return std::make_unique<RankSumReducer>(comm, feature_dim, outputs, sparse);
}

}  // namespace linlearn
