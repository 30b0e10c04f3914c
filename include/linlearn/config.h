#pragma once
// The resolved, typed configuration of a training run: every `auto` replaced by a concrete value.
// Components receive only the sub-struct they need.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "linlearn/hyperparameters.h"
#include "linlearn/loss.h"
#include "linlearn/lr_schedule.h"
#include "linlearn/metrics.h"
#include "linlearn/optimizer.h"

namespace linlearn {

// mini_batch_size=auto: SageMaker's 1000, but at least kAutoUpdatesPerEpoch updates an epoch on small
// data (records / 100 rounded up below 100000 records), where 1000 would make an epoch one or two
// updates and 15 epochs too few to converge.
inline constexpr std::int64_t kSageMakerMiniBatchSize = 1000;
inline constexpr std::int64_t kAutoUpdatesPerEpoch = 100;
// epochs=auto: SageMaker's 15, and a third of it for a warm start, which continues a trained model.
inline constexpr int kSageMakerEpochs = 15;
inline constexpr int kWarmStartEpochs = 5;
// lr_scheduler_factor=auto anneals only when an epoch has at least this many updates: larger batches
// (a sixteenth of the data or more) carry little gradient noise, and annealing their few steps only
// leaves the model under-trained.
inline constexpr int kMinUpdatesPerEpochToAnneal = 16;

enum class PredictorType { kBinary, kMulticlass, kRegressor };
PredictorType parse_predictor_type(const std::string& name);
std::string predictor_type_name(PredictorType type);

enum class InitMethod { kUniform, kNormal };

struct NormalizationConfig {
  bool normalize_data = true;
  bool unbias_data = true;
  bool normalize_label = false;
  bool unbias_label = false;
  std::int64_t num_point_for_scaler = 10000;
};

struct InitConfig {
  InitMethod method = InitMethod::kUniform;
  double scale = 0.07;  // uniform in [-scale, scale]
  double sigma = 0.01;  // normal(0, sigma)
  double bias = 0.0;
};

// One model's optimizer settings; num_models > 1 trains a grid of these side by side.
struct ModelSettings {
  OptimizerParams optimizer;
  double learning_rate = 0.0;
  double wd = 0.0;
  double l1 = 0.0;
  double bias_lr_mult = 1.0;
  double bias_wd_mult = 0.0;
  LrSchedule schedule;
};

struct EarlyStoppingConfig {
  int patience = 3;
  double tolerance = 0.001;  // relative improvement that counts
};

struct SelectionConfig {
  CalibrationTarget target;
  std::int64_t num_calibration_samples = 10000000;
};

struct WeightingConfig {
  bool balance_multiclass = false;
  // Binary: positive_example_weight_mult as a number ("balanced" and "auto" resolved from the class
  // counts to negatives / positives).
  double positive_weight = 1.0;
  // Per class, as training, calibration and selection weigh records; empty: every record weighs 1.
  std::vector<double> per_class;
};

struct TrainConfig {
  PredictorType predictor_type = PredictorType::kBinary;
  int num_classes = 2;
  std::size_t feature_dim = 0;  // 0: inferred from the data
  std::int64_t mini_batch_size = kSageMakerMiniBatchSize;
  int epochs = 15;
  LossKind loss = LossKind::kLogistic;
  LossParams loss_params;
  bool use_bias = true;
  InitConfig init;
  NormalizationConfig normalization;
  std::vector<ModelSettings> models;  // models[0] is the user's own setting
  EarlyStoppingConfig early_stopping;
  SelectionConfig selection;
  WeightingConfig weighting;
  int accuracy_top_k = 3;
  double f_beta = 1.0;

  // Options of our own.
  std::uint64_t seed = 0;
  int threads = 1;
  bool shuffle = true;
  // Successive halving over the num_models grid: after epochs 1, 3, 7, ... the worse half of the
  // models still training stop (--prune-models).
  bool prune_models = true;

  // Warm start: the content hash of the model the run starts from ("": random initial weights).
  std::string initial_model;

  // What the training data says (empty before it is read) and the mini-batches an epoch takes.
  DataFacts data;
  int updates_per_epoch = 0;

  // Resolved hyperparameters in their natural JSON types, as written to the artifacts.
  nlohmann::json resolved;
};

// Resolves every hyperparameter of the table from `given` over its defaults, validating each value
// and the checks between them (UsageError, exit 2), so that a bad value stops the run before any
// data is read. Without `data` the `auto`s that depend on the training data are provisional (enough
// to read the data with); with it, final. `threads` is left to the caller.
TrainConfig resolve_config(const HyperparameterValues& given, const DataFacts* data = nullptr);

// One warning per option given with a value other than its default that has no effect under
// `config` (beta_1 with optimizer=sgd, unbias_data on sparse data).
std::vector<std::string> no_effect_warnings(const HyperparameterValues& given, const TrainConfig& config,
                                            const DataFacts& data);

// What mini_batch_size=auto resolves to for `train_records` records.
std::int64_t auto_mini_batch_size(std::size_t train_records);

}  // namespace linlearn
