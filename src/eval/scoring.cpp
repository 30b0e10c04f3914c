// Margins of whole channels, in fixed row blocks so the result never depends on the thread count.
#include "linlearn/scoring.h"

#include <algorithm>

namespace linlearn {
namespace {

constexpr std::size_t kScoringBlockRows = 512;

}  // namespace

double default_threshold(LossKind loss) { return loss == LossKind::kHinge ? 0.0 : 0.5; }

RowMatrix compute_margins(const Dataset& data, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                          ThreadPool& pool) {
  const std::size_t rows = data.rows();
  const auto d = static_cast<Eigen::Index>(data.feature_dim);
  const Eigen::Index columns = weights.cols();
  RowMatrix margins(static_cast<Eigen::Index>(rows), columns);
  const std::size_t blocks = (rows + kScoringBlockRows - 1) / kScoringBlockRows;
  pool.run(blocks, [&](std::size_t block, int) {
    const std::size_t begin = block * kScoringBlockRows;
    const std::size_t end = std::min(rows, begin + kScoringBlockRows);
    const auto count = static_cast<Eigen::Index>(end - begin);
    auto out = margins.middleRows(static_cast<Eigen::Index>(begin), count);
    if (!data.sparse) {
      Eigen::Map<const RowMatrix> x(data.dense.data() + begin * data.feature_dim, count, d);
      out.noalias() = x * weights;
      out.rowwise() += bias;
      return;
    }
    for (std::size_t r = begin; r < end; ++r) {
      auto row = margins.row(static_cast<Eigen::Index>(r));
      row = bias;
      for (std::uint64_t k = data.row_ptr[r]; k < data.row_ptr[r + 1]; ++k)
        row += data.values[k] * weights.row(data.col_idx[k]);
    }
  });
  return margins;
}

RowMatrix stacked_weights(const LinearModel& model) {
  const auto d = static_cast<Eigen::Index>(model.feature_dim);
  RowMatrix w(d, model.outputs);
  for (int k = 0; k < model.outputs; ++k)
    for (Eigen::Index j = 0; j < d; ++j) w(j, k) = model.weights[static_cast<std::size_t>(k * d + j)];
  return w;
}

Eigen::RowVectorXf stacked_bias(const LinearModel& model) {
  return Eigen::Map<const Eigen::RowVectorXf>(model.bias.data(), model.outputs);
}

Evaluation evaluate_margins(const RowMatrix& margins, int first, const Loss& loss, std::span<const float> labels,
                            std::span<const float> weights, const EvaluationSettings& settings) {
  const int k = loss.outputs();
  const std::size_t rows = labels.size();
  Evaluation e;
  e.scores.resize(rows * static_cast<std::size_t>(k));
  std::vector<float> margin(static_cast<std::size_t>(k));
  double loss_sum = 0, weight_sum = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    for (int c = 0; c < k; ++c) margin[static_cast<std::size_t>(c)] = margins(static_cast<Eigen::Index>(r), first + c);
    loss_sum += weights[r] * loss.value_and_gradient(margin.data(), labels[r], nullptr);
    weight_sum += weights[r];
    loss.link(margin.data(), e.scores.data() + r * static_cast<std::size_t>(k));
  }
  switch (settings.predictor_type) {
    case PredictorType::kBinary:
      e.metrics = binary_metrics(e.scores, labels, weights, settings.threshold, settings.f_beta);
      break;
    case PredictorType::kMulticlass:
      e.metrics = multiclass_metrics(e.scores, k, labels, weights, settings.top_k, settings.f_beta);
      break;
    case PredictorType::kRegressor:
      e.metrics = regression_metrics(e.scores, labels, weights);
      break;
  }
  e.metrics["objective_loss"] = weight_sum > 0 ? loss_sum / weight_sum : 0.0;
  return e;
}

}  // namespace linlearn
