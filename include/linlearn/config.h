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
  enum class Positive { kFixed, kBalanced };
  Positive positive_mode = Positive::kFixed;
  double positive_weight = 1.0;  // kFixed
  bool balance_multiclass = false;
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
  bool mini_batch_size_auto = true;       // resolved from the training records (auto_mini_batch_size)
  bool lr_scheduler_step_auto = false;    // step is resolved from the data (updates per epoch)
  bool lr_scheduler_factor_auto = false;  // factor is resolved from epochs and the step
  bool unbias_data_auto = true;           // resolved from the data's density
  bool num_models_auto = true;            // fewer models for wide data (auto_num_models)
  // Set with the data-dependent values: the training records (over all ranks) and the mini-batches
  // an epoch takes.
  std::size_t train_records = 0;
  int updates_per_epoch = 0;

  // Resolved hyperparameters in their natural JSON types, as written to the artifacts.
  nlohmann::json resolved;
  // Options given that have no effect with these settings (warned about, not silently ignored).
  std::vector<std::string> warnings;
};

// Merges defaults with the given values, resolves every `auto` that does not depend on the data,
// validates once, and lists options that have no effect. UsageError on any problem.
TrainConfig resolve_config(const HyperparameterValues& given, std::uint64_t seed, int threads, bool shuffle);

std::int64_t auto_mini_batch_size(std::size_t train_records);

// Resolves what depends on the training data: mini_batch_size=auto, the scheduler step (updates per epoch), centring of
// sparse data, feature_dim and num_models=auto for wide models, and writes them back into `resolved`.
void resolve_data_dependent(TrainConfig& config, std::size_t train_records, std::size_t feature_dim, bool sparse);

}  // namespace linlearn
