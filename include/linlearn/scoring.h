#pragma once
// Scoring records with one or more linear models in raw input units, and turning the scores of a
// labelled channel into metrics. Used by training (validation), selection, evaluate and predict.
#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "linlearn/communicator.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/feature_index.h"
#include "linlearn/linear_model.h"
#include "linlearn/loss.h"
#include "linlearn/metrics.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Margins X * W + b for every record: W is feature_dim x C (C stacked output columns) or, given
// `features`, one row per feature of the index (sparse weights: every other feature weighs 0). A
// record's margins are sums in a fixed order: they do not depend on the other records or columns
// scored, nor on whether the record or the weights are stored dense or sparse.
RowMatrix compute_margins(const Dataset& data, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                          ThreadPool& pool, const FeatureIndex* features = nullptr);
// The same for records [begin, end) only; a begin that is a multiple of 512 gives the rows the
// whole-channel call gives.
RowMatrix compute_margins(const Dataset& data, std::size_t begin, std::size_t end, const RowMatrix& weights,
                          const Eigen::RowVectorXf& bias, ThreadPool& pool, const FeatureIndex* features = nullptr);

// A channel scored by one or more models (margins: records x columns) with the labels and record
// weights the scores are judged against; under MPI gathered from every rank, in rank order.
struct ScoredChannel {
  RowMatrix margins;
  std::vector<float> labels;
  std::vector<float> weights;
};

// A single model's weights laid out as compute_margins expects: every feature's (a sparse model's
// are spread out to feature_dim rows), and the bias.
RowMatrix stacked_weights(const LinearModel& model);
Eigen::RowVectorXf stacked_bias(const LinearModel& model);

// A model's stored weights for compute_margins, in memory that follows its stored features.
struct ScoringWeights {
  RowMatrix weights;  // stored features x outputs
  Eigen::RowVectorXf bias;
  FeatureIndex features;  // sparse models: the features of the rows of `weights`
  bool sparse = false;

  const FeatureIndex* index() const { return sparse ? &features : nullptr; }
};
ScoringWeights scoring_weights(const LinearModel& model);
RowMatrix compute_margins(const Dataset& data, const ScoringWeights& model, ThreadPool& pool);

struct EvaluationSettings {
  PredictorType predictor_type = PredictorType::kBinary;
  double threshold = 0.5;
  int top_k = 3;
  double f_beta = 1.0;
};

struct Evaluation {
  MetricMap metrics;          // objective_loss plus the predictor type's metrics (no channel prefix)
  std::vector<float> scores;  // link(margin): rows x outputs
};

// Scores and metrics of one model whose margins are columns [first, first + loss.outputs()) of `margins`.
Evaluation evaluate_margins(const RowMatrix& margins, int first, const Loss& loss, std::span<const float> labels,
                            std::span<const float> weights, const EvaluationSettings& settings);

// evaluate_margins for records that arrive in pieces, in memory that does not grow with them.
// Every metric but roc_auc_score comes from running sums taken in record order, so it equals
// evaluate_margins' over the same records (r2 up to rounding); roc_auc_score and the scores come
// from the records the caller keeps (a uniform sample, say).
class StreamedEvaluation {
 public:
  StreamedEvaluation(const Loss& loss, const EvaluationSettings& settings);

  // Records whose margins are columns [first, first + loss.outputs()) of `margins`; the scores of
  // those with keep[r] != 0 are kept.
  void add(const RowMatrix& margins, int first, std::span<const float> labels, std::span<const float> weights,
           std::span<const std::uint8_t> keep);
  // Metrics over every record added (roc_auc_score over the kept ones, whose labels and weights
  // are given back here) and the kept records' scores, which move out of this object.
  Evaluation finish(std::span<const float> kept_labels, std::span<const float> kept_weights);
  // Under several ranks, before finish: every rank's sums added up in rank order, and the kept
  // scores of every rank in rank order (collective: every rank calls it for the same evaluations).
  void combine(Communicator& comm);

 private:
  const Loss& loss_;
  EvaluationSettings settings_;
  double loss_sum_ = 0;
  double weight_sum_ = 0;
  BinarySums binary_;
  MulticlassSums multiclass_;
  RegressionSums regression_;
  std::vector<float> kept_scores_;
  std::vector<float> score_;  // one record's scores
};

}  // namespace linlearn
