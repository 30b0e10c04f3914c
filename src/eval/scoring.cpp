// Margins of whole channels, in fixed row blocks so the result never depends on the thread count.
#include "linlearn/scoring.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "simd/kernels.h"

namespace linlearn {
namespace {

constexpr std::size_t kScoringBlockRows = 512;

constexpr std::size_t kLanes = 8;

// The eight running sums of a dot product, added in the fixed tree of simd::Kernels::dot.
float add_lanes(const float* lane, std::size_t stride) {
  return ((lane[0] + lane[4 * stride]) + (lane[stride] + lane[5 * stride])) +
         ((lane[2 * stride] + lane[6 * stride]) + (lane[3 * stride] + lane[7 * stride]));
}

// A dense record's margin is simd::Kernels::dot: x . w in eight running sums over j mod 8, added in
// a fixed tree, so it is the same bits whatever other records or models are scored with it (a
// matrix product's blocking follows the matrix sizes, so its sums do not) and on every CPU.
// A sparse record's margins in the lanes of that dot product: the products of its non-zeros, in
// key order, go to lane key mod 8, and the zeros it leaves out would add exactly nothing there. So
// a record scores the same bits sparse or dense, and a request mixing both (stored sparse) scores
// each record as it would alone. With `features` the weights hold those features' rows only, and
// a feature without one adds nothing, as its zero weight would. `lane` holds kLanes x columns floats.
void sparse_margins(const Dataset& data, std::size_t record, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                    const FeatureIndex* features, std::vector<float>& lane, float* margins) {
  const auto columns = static_cast<std::size_t>(weights.cols());
  std::fill(lane.begin(), lane.end(), 0.0f);
  for (std::uint64_t k = data.row_ptr[record]; k < data.row_ptr[record + 1]; ++k) {
    const std::uint32_t j = data.col_idx[k];
    const std::uint32_t row = features != nullptr ? features->slot(j) : j;
    if (row == FeatureIndex::kAbsent) continue;
    const float x = data.value(k);
    const float* w = weights.row(row).data();
    float* sums = lane.data() + (j % kLanes) * columns;
    for (std::size_t c = 0; c < columns; ++c) sums[c] += x * w[c];
  }
  for (std::size_t c = 0; c < columns; ++c)
    margins[c] = bias[static_cast<Eigen::Index>(c)] + add_lanes(lane.data() + c, columns);
}

// Rows of a feature index's weights spread out to one row per feature, zeros elsewhere.
RowMatrix spread_rows(const RowMatrix& weights, const FeatureIndex& features) {
  RowMatrix all = RowMatrix::Zero(static_cast<Eigen::Index>(features.feature_dim()), weights.cols());
  for (std::size_t i = 0; i < features.size(); ++i)
    all.row(static_cast<Eigen::Index>(features.keys()[i])) = weights.row(static_cast<Eigen::Index>(i));
  return all;
}

}  // namespace

double default_threshold(LossKind loss) {
  return loss == LossKind::kHinge ? 0.0 : 0.5;
}

RowMatrix compute_margins(const Dataset& data, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                          ThreadPool& pool, const FeatureIndex* features) {
  return compute_margins(data, 0, data.rows(), weights, bias, pool, features);
}

RowMatrix compute_margins(const Dataset& data, std::size_t first, std::size_t last, const RowMatrix& weights,
                          const Eigen::RowVectorXf& bias, ThreadPool& pool, const FeatureIndex* features) {
  const std::size_t rows = last - first;
  const Eigen::Index columns = weights.cols();
  RowMatrix margins(static_cast<Eigen::Index>(rows), columns);
  // Each model's weights contiguous, for the dense dot products (dense data is narrow: sparse
  // weights are spread out to every feature for it).
  const RowMatrix by_column = data.sparse           ? RowMatrix()
                              : features != nullptr ? RowMatrix(spread_rows(weights, *features).transpose())
                                                    : RowMatrix(weights.transpose());
  const std::size_t blocks = (rows + kScoringBlockRows - 1) / kScoringBlockRows;
  pool.run(blocks, [&](std::size_t block, int) {
    const std::size_t begin = block * kScoringBlockRows;
    const std::size_t end = std::min(rows, begin + kScoringBlockRows);
    if (!data.sparse) {
      const auto dot = simd::kernels().dot;
      for (std::size_t r = begin; r < end; ++r) {
        const float* x = data.dense.data() + (first + r) * data.feature_dim;
        for (Eigen::Index c = 0; c < columns; ++c)
          margins(static_cast<Eigen::Index>(r), c) = bias[c] + dot(x, by_column.row(c).data(), data.feature_dim);
      }
      return;
    }
    std::vector<float> lane(kLanes * static_cast<std::size_t>(columns));
    for (std::size_t r = begin; r < end; ++r)
      sparse_margins(data, first + r, weights, bias, features, lane, margins.row(static_cast<Eigen::Index>(r)).data());
  });
  return margins;
}

LinearModel densified(LinearModel model) {
  if (!model.sparse) return model;
  const std::size_t d = model.feature_dim;
  std::vector<float> all(d * static_cast<std::size_t>(model.outputs), 0.0F);
  for (int k = 0; k < model.outputs; ++k)
    for (std::size_t i = 0; i < model.keys.size(); ++i)
      all[static_cast<std::size_t>(k) * d + model.keys[i]] = model.stored_weight(k, i);
  model.weights = std::move(all);
  model.keys.clear();
  model.sparse = false;
  return model;
}

namespace {

// The stored weights, one row per stored feature, one column per output.
RowMatrix stored_rows(const LinearModel& model) {
  const auto n = static_cast<Eigen::Index>(model.stored_features());
  RowMatrix w(n, model.outputs);
  for (int k = 0; k < model.outputs; ++k)
    for (Eigen::Index i = 0; i < n; ++i) w(i, k) = model.stored_weight(k, static_cast<std::size_t>(i));
  return w;
}

}  // namespace

RowMatrix stacked_weights(const LinearModel& model) {
  const RowMatrix stored = stored_rows(model);
  return model.sparse ? spread_rows(stored, FeatureIndex(model.feature_dim, model.keys)) : stored;
}

ScoringWeights scoring_weights(const LinearModel& model) {
  ScoringWeights s{stored_rows(model), stacked_bias(model), {}, model.sparse};
  if (model.sparse) s.features = FeatureIndex(model.feature_dim, model.keys);
  return s;
}

RowMatrix compute_margins(const Dataset& data, const ScoringWeights& model, ThreadPool& pool) {
  return compute_margins(data, model.weights, model.bias, pool, model.index());
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

StreamedEvaluation::StreamedEvaluation(const Loss& loss, const EvaluationSettings& settings)
    : loss_(loss),
      settings_(settings),
      binary_(settings.threshold, settings.f_beta),
      multiclass_(loss.outputs(), settings.top_k, settings.f_beta),
      score_(static_cast<std::size_t>(loss.outputs())) {}

void StreamedEvaluation::add(const RowMatrix& margins, int first, std::span<const float> labels,
                             std::span<const float> weights, std::span<const std::uint8_t> keep) {
  const int k = loss_.outputs();
  std::vector<float> margin(static_cast<std::size_t>(k));
  for (std::size_t r = 0; r < labels.size(); ++r) {
    for (int c = 0; c < k; ++c) margin[static_cast<std::size_t>(c)] = margins(static_cast<Eigen::Index>(r), first + c);
    // The same arithmetic, in the same order, as evaluate_margins.
    loss_sum_ += weights[r] * loss_.value_and_gradient(margin.data(), labels[r], nullptr);
    weight_sum_ += weights[r];
    loss_.link(margin.data(), score_.data());
    switch (settings_.predictor_type) {
      case PredictorType::kBinary:
        binary_.add(score_[0], labels[r], weights[r]);
        break;
      case PredictorType::kMulticlass:
        multiclass_.add(score_, labels[r], weights[r]);
        break;
      case PredictorType::kRegressor:
        regression_.add(score_[0], labels[r], weights[r]);
        break;
    }
    if (keep[r] != 0) kept_scores_.insert(kept_scores_.end(), score_.begin(), score_.end());
  }
}

void StreamedEvaluation::combine(Communicator& comm) {
  if (comm.size() == 1) return;
  const bool regression = settings_.predictor_type == PredictorType::kRegressor;
  if (regression) {
    // Every rank re-expresses its label sums around the shift of the first rank that has one (a
    // label, so a float exactly).
    const auto mine = static_cast<float>(regression_.shift());
    const std::vector<float> shifts = comm.gather(std::span<const float>(&mine, regression_.started() ? 1 : 0));
    if (!shifts.empty()) regression_.rebase(shifts.front());
  }
  std::vector<double> sums{loss_sum_, weight_sum_};
  const std::vector<double> part = regression                                           ? regression_.sums()
                                   : settings_.predictor_type == PredictorType::kBinary ? binary_.sums()
                                                                                        : multiclass_.sums();
  sums.insert(sums.end(), part.begin(), part.end());
  comm.sum(sums);
  loss_sum_ = sums[0];
  weight_sum_ = sums[1];
  const std::span<const double> totals(sums.data() + 2, part.size());
  if (regression) {
    regression_.set_sums(totals);
  } else if (settings_.predictor_type == PredictorType::kBinary) {
    binary_.set_sums(totals);
  } else {
    multiclass_.set_sums(totals);
  }
  kept_scores_ = comm.gather(kept_scores_);
}

Evaluation StreamedEvaluation::finish(std::span<const float> kept_labels, std::span<const float> kept_weights) {
  Evaluation e;
  e.scores = std::move(kept_scores_);
  switch (settings_.predictor_type) {
    case PredictorType::kBinary:
      e.metrics = binary_.metrics();
      e.metrics["roc_auc_score"] =
          binary_metrics(e.scores, kept_labels, kept_weights, settings_.threshold, settings_.f_beta)
              .at("roc_auc_score");
      break;
    case PredictorType::kMulticlass:
      e.metrics = multiclass_.metrics();
      break;
    case PredictorType::kRegressor:
      e.metrics = regression_.metrics();
      break;
  }
  e.metrics["objective_loss"] = weight_sum_ > 0 ? loss_sum_ / weight_sum_ : 0.0;
  return e;
}

}  // namespace linlearn
