#include "mpi/gradient_reducer.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace linlearn {
namespace {

class LocalReducer final : public GradientReducer {
 public:
  double divisor(std::size_t local_records) const override { return static_cast<double>(local_records); }
  const BatchGradient& reduce(const BatchGradient& local, std::size_t) override { return local; }
};

// Sparse shards touch different features, so each rank's touched rows are spread over the whole
// gradient, which is summed, and every parameter row is updated (one part).
class RankSumReducer final : public GradientReducer {
 public:
  RankSumReducer(Communicator& comm, std::size_t feature_dim, int outputs, bool sparse)
      : comm_(comm), feature_dim_(feature_dim), outputs_(static_cast<std::size_t>(outputs)), sparse_(sparse) {}

  double divisor(std::size_t) const override { return 1.0; }

  const BatchGradient& reduce(const BatchGradient& local, std::size_t local_records) override {
    global_ = local;
    std::vector<float> flat = flatten(local);
    std::vector<double> totals(global_.loss_sum);
    totals.insert(totals.end(), global_.measured_loss_sum.begin(), global_.measured_loss_sum.end());
    totals.push_back(global_.weight_sum);
    totals.push_back(static_cast<double>(local_records));
    comm_.sum(flat);
    comm_.sum(totals);
    const double records = totals.back();
    const float scale = records > 0 ? static_cast<float>(1.0 / records) : 0.0F;
    std::size_t at = 0;
    if (sparse_) spread_parts(local.loss_sum.size());
    for (std::size_t m = 0; m < local.loss_sum.size(); ++m) {
      std::vector<float>& weights = sparse_ ? global_.parts.front().grads[m] : global_.grads[m].weights;
      for (float& v : weights) v = flat[at++] * scale;
      for (float& v : global_.grads[m].bias) v = flat[at++] * scale;
    }
    for (std::size_t m = 0; m < global_.loss_sum.size(); ++m) global_.loss_sum[m] = totals[m];
    for (std::size_t m = 0; m < global_.measured_loss_sum.size(); ++m)
      global_.measured_loss_sum[m] = totals[global_.loss_sum.size() + m];
    global_.weight_sum = totals[totals.size() - 2];
    global_.records = records;
    if (sparse_) {
      // Records of other ranks are not in order with this rank's: per-record steps take each row's
      // sum over the ranks as one entry.
      global_.parts.front().entry_rows = global_.parts.front().rows;
      global_.parts.front().entry_grads = global_.parts.front().grads;
    }
    return global_;
  }

 private:
  // Every computed model's weight gradient (sparse: spread to full rows) and bias gradient, one
  // after the other; `grads` has a slot for every model, `loss_sum` one per model computed.
  std::vector<float> flatten(const BatchGradient& local) const {
    std::vector<float> flat;
    for (std::size_t m = 0; m < local.loss_sum.size(); ++m) {
      const ModelParameters& g = local.grads[m];
      if (sparse_) {
        const std::size_t at = flat.size();
        flat.resize(at + feature_dim_ * outputs_, 0.0F);
        for (const TouchedRows& part : local.parts)
          for (std::size_t i = 0; i < part.rows.size(); ++i)
            std::copy_n(part.grads[m].begin() + static_cast<std::ptrdiff_t>(i * outputs_), outputs_,
                        flat.begin() + static_cast<std::ptrdiff_t>(at + part.rows[i] * outputs_));
      } else {
        flat.insert(flat.end(), g.weights.begin(), g.weights.end());
      }
      flat.insert(flat.end(), g.bias.begin(), g.bias.end());
    }
    return flat;
  }

  // The step's sparse gradient: one part of every row, sized for `models` models.
  void spread_parts(std::size_t models) {
    global_.parts.resize(1);
    TouchedRows& all = global_.parts.front();
    if (all.rows.size() != feature_dim_) {
      all.rows.resize(feature_dim_);
      std::iota(all.rows.begin(), all.rows.end(), 0U);
    }
    all.grads.resize(models);
    for (auto& g : all.grads) g.resize(feature_dim_ * outputs_);
  }

  Communicator& comm_;
  const std::size_t feature_dim_;
  const std::size_t outputs_;
  const bool sparse_;
  BatchGradient global_;
};

}  // namespace

std::unique_ptr<GradientReducer> make_gradient_reducer(Communicator& comm, std::size_t feature_dim, int outputs,
                                                       bool sparse) {
  if (comm.size() == 1) return std::make_unique<LocalReducer>();
  return std::make_unique<RankSumReducer>(comm, feature_dim, outputs, sparse);
}

}  // namespace linlearn
