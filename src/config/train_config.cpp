// Resolves the string hyperparameters into a typed TrainConfig: defaults, `auto`, validation, and
// warnings for options that have no effect with the chosen settings.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "linlearn/config.h"
#include "linlearn/errors.h"
#include "linlearn/model_grid.h"

namespace linlearn {
namespace {

// Looks up values after merging defaults; remembers which ones the user gave.
class Values {
 public:
  explicit Values(const HyperparameterValues& given) : given_(given) {
    for (const auto& [name, value] : given) {
      const HyperparameterSpec* spec = find_hyperparameter(name);
      if (spec == nullptr) throw UsageError(fmt::format("--{}: unknown hyperparameter", name));
      validate_hyperparameter(*spec, value);
    }
  }
  bool given(const std::string& name) const { return given_.count(name) != 0; }
  std::string text(const std::string& name) const {
    auto it = given_.find(name);
    return it != given_.end() ? it->second : find_hyperparameter(name)->default_value;
  }
  bool is_auto(const std::string& name) const { return text(name) == "auto"; }
  double number(const std::string& name, double if_auto) const {
    return is_auto(name) ? if_auto : std::stod(text(name));
  }
  std::int64_t integer(const std::string& name, std::int64_t if_auto) const {
    return is_auto(name) ? if_auto : static_cast<std::int64_t>(std::stod(text(name)));
  }
  bool boolean(const std::string& name, bool if_auto) const {
    if (is_auto(name)) return if_auto;
    std::string v = text(name);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    return v == "true";
  }

 private:
  const HyperparameterValues& given_;
};

// lr_scheduler_factor=auto decays the learning rate to this fraction of its start by the last epoch.
constexpr double kAutoFinalLrFraction = 1e-3;

double default_learning_rate(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::kAdam:
      return 0.02;
    case OptimizerKind::kRmsprop:
      return 0.005;
    case OptimizerKind::kSgd:
      return 0.1;
  }
  return 0.02;
}

bool fits(PredictorType type, LossKind loss) {
  switch (type) {
    case PredictorType::kBinary:
      return loss == LossKind::kLogistic || loss == LossKind::kHinge;
    case PredictorType::kMulticlass:
      return loss == LossKind::kSoftmax;
    case PredictorType::kRegressor:
      return loss != LossKind::kLogistic && loss != LossKind::kHinge && loss != LossKind::kSoftmax;
  }
  return false;
}

void warn_unused(const Values& v, const std::string& name, bool has_effect, const std::string& why,
                 std::vector<std::string>& warnings) {
  if (v.given(name) && !has_effect) warnings.push_back(fmt::format("--{} has no effect {}", name, why));
}

void collect_warnings(const Values& v, const TrainConfig& c, std::vector<std::string>& w) {
  const OptimizerKind opt = c.models.front().optimizer.kind;
  const bool binary = c.predictor_type == PredictorType::kBinary;
  const bool multiclass = c.predictor_type == PredictorType::kMulticlass;
  const bool regressor = c.predictor_type == PredictorType::kRegressor;
  const std::string with_opt = "with optimizer=" + optimizer_kind_name(opt);
  const std::string with_loss = "with loss=" + loss_kind_name(c.loss);
  const std::string with_type = "with predictor_type=" + predictor_type_name(c.predictor_type);
  const std::string criterion = selection_criterion_name(c.selection.target.criterion);
  const bool scheduler = c.models.front().schedule.enabled;
  warn_unused(v, "beta_1", opt == OptimizerKind::kAdam, with_opt, w);
  warn_unused(v, "beta_2", opt != OptimizerKind::kSgd, with_opt, w);
  warn_unused(v, "momentum", opt != OptimizerKind::kAdam, with_opt, w);
  warn_unused(v, "margin", c.loss == LossKind::kHinge, with_loss, w);
  warn_unused(v, "quantile", c.loss == LossKind::kQuantile, with_loss, w);
  warn_unused(v, "loss_insensitivity",
              c.loss == LossKind::kEpsInsensitiveAbsolute || c.loss == LossKind::kEpsInsensitiveSquared, with_loss, w);
  warn_unused(v, "huber_delta", c.loss == LossKind::kHuber, with_loss, w);
  warn_unused(v, "num_classes", multiclass, with_type, w);
  warn_unused(v, "init_scale", c.init.method == InitMethod::kUniform, "with init_method=normal", w);
  warn_unused(v, "init_sigma", c.init.method == InitMethod::kNormal, "with init_method=uniform", w);
  warn_unused(v, "init_bias", c.use_bias, "with use_bias=false", w);
  warn_unused(v, "bias_lr_mult", c.use_bias, "with use_bias=false", w);
  warn_unused(v, "bias_wd_mult", c.use_bias, "with use_bias=false", w);
  for (const char* name : {"lr_scheduler_step", "lr_scheduler_factor", "lr_scheduler_minimum_lr"})
    warn_unused(v, name, scheduler, "with use_lr_scheduler=false", w);
  warn_unused(v, "normalize_label", regressor, with_type, w);
  warn_unused(v, "unbias_label", regressor, with_type, w);
  warn_unused(v, "binary_classifier_model_selection_criteria", binary, with_type, w);
  warn_unused(v, "num_calibration_samples", binary, with_type, w);
  warn_unused(v, "positive_example_weight_mult", binary, with_type, w);
  warn_unused(v, "target_precision", binary && criterion == "recall_at_target_precision",
              "unless binary_classifier_model_selection_criteria=recall_at_target_precision", w);
  warn_unused(v, "target_recall", binary && criterion == "precision_at_target_recall",
              "unless binary_classifier_model_selection_criteria=precision_at_target_recall", w);
  warn_unused(v, "balance_multiclass_weights", multiclass, with_type, w);
  warn_unused(v, "accuracy_top_k", multiclass, with_type, w);
  warn_unused(v, "f_beta", !regressor, with_type, w);
}

}  // namespace

PredictorType parse_predictor_type(const std::string& name) {
  if (name == "binary_classifier") return PredictorType::kBinary;
  if (name == "multiclass_classifier") return PredictorType::kMulticlass;
  if (name == "regressor") return PredictorType::kRegressor;
  throw UsageError(fmt::format(
      "--predictor_type: '{}' is not allowed; expected one of binary_classifier, multiclass_classifier, regressor",
      name));
}

std::string predictor_type_name(PredictorType type) {
  switch (type) {
    case PredictorType::kBinary:
      return "binary_classifier";
    case PredictorType::kMulticlass:
      return "multiclass_classifier";
    case PredictorType::kRegressor:
      return "regressor";
  }
  return "";
}

TrainConfig resolve_config(const HyperparameterValues& given, std::uint64_t seed, int threads, bool shuffle) {
  const Values v(given);
  TrainConfig c;
  c.seed = seed;
  c.threads = threads;
  c.shuffle = shuffle;
  if (!v.given("predictor_type"))
    throw UsageError(
        "--predictor_type is required; expected one of binary_classifier, multiclass_classifier, regressor");
  c.predictor_type = parse_predictor_type(v.text("predictor_type"));
  const bool regressor = c.predictor_type == PredictorType::kRegressor;
  if (c.predictor_type == PredictorType::kMulticlass) {
    if (!v.given("num_classes"))
      throw UsageError("--num_classes is required with predictor_type=multiclass_classifier; expected an integer >= 3");
    c.num_classes = static_cast<int>(v.integer("num_classes", 0));
  } else {
    c.num_classes = regressor ? 1 : 2;
  }
  c.feature_dim = static_cast<std::size_t>(v.integer("feature_dim", 0));
  c.mini_batch_size_auto = v.is_auto("mini_batch_size");
  c.mini_batch_size = v.integer("mini_batch_size", kSageMakerMiniBatchSize);
  c.epochs = static_cast<int>(v.integer("epochs", 15));

  if (v.is_auto("loss")) {
    c.loss = c.predictor_type == PredictorType::kBinary       ? LossKind::kLogistic
             : c.predictor_type == PredictorType::kMulticlass ? LossKind::kSoftmax
                                                              : LossKind::kSquared;
  } else {
    c.loss = parse_loss_kind(v.text("loss"));
    if (!fits(c.predictor_type, c.loss))
      throw UsageError(fmt::format("--loss: '{}' does not fit predictor_type={}", v.text("loss"),
                                   predictor_type_name(c.predictor_type)));
  }
  c.loss_params.num_classes = c.num_classes;
  c.loss_params.margin = v.number("margin", 1.0);
  c.loss_params.quantile = v.number("quantile", 0.5);
  c.loss_params.loss_insensitivity = v.number("loss_insensitivity", 0.01);
  c.loss_params.huber_delta = v.number("huber_delta", 1.0);

  ModelSettings base;
  base.optimizer.kind = v.is_auto("optimizer") ? OptimizerKind::kAdam : parse_optimizer_kind(v.text("optimizer"));
  base.optimizer.momentum = v.number("momentum", base.optimizer.kind == OptimizerKind::kSgd ? 0.9 : 0.0);
  base.optimizer.beta_1 = v.number("beta_1", 0.9);
  base.optimizer.beta_2 = v.number("beta_2", 0.999);
  base.learning_rate = v.number("learning_rate", default_learning_rate(base.optimizer.kind));
  base.wd = v.number("wd", 0.0);
  base.l1 = v.number("l1", 0.0);
  base.bias_lr_mult = v.number("bias_lr_mult", 1.0);
  base.bias_wd_mult = v.number("bias_wd_mult", 0.0);
  base.schedule.enabled = v.boolean("use_lr_scheduler", true);
  c.lr_scheduler_step_auto = v.is_auto("lr_scheduler_step");
  base.schedule.step = static_cast<int>(v.integer("lr_scheduler_step", 1));
  c.lr_scheduler_factor_auto = v.is_auto("lr_scheduler_factor");
  base.schedule.factor = v.number("lr_scheduler_factor", 1.0);
  base.schedule.minimum_lr = v.number("lr_scheduler_minimum_lr", 1e-5);
  const int num_models = static_cast<int>(v.integer("num_models", kAutoNumModels));
  c.num_models_auto = v.is_auto("num_models");
  c.models = build_model_grid(base, num_models, [](OptimizerKind k) { return default_learning_rate(k); });

  c.use_bias = v.boolean("use_bias", true);
  c.init.method = v.text("init_method") == "normal" ? InitMethod::kNormal : InitMethod::kUniform;
  c.init.scale = v.number("init_scale", 0.07);
  c.init.sigma = v.number("init_sigma", 0.01);
  c.init.bias = c.use_bias ? v.number("init_bias", 0.0) : 0.0;

  c.normalization.normalize_data = v.boolean("normalize_data", true);
  c.normalization.unbias_data = v.boolean("unbias_data", true);  // sparse data overrides `auto` later
  c.unbias_data_auto = v.is_auto("unbias_data");
  c.normalization.normalize_label = regressor && v.boolean("normalize_label", true);
  c.normalization.unbias_label = regressor && v.boolean("unbias_label", true);
  c.normalization.num_point_for_scaler = v.integer("num_point_for_scaler", 10000);

  c.early_stopping.patience = static_cast<int>(v.integer("early_stopping_patience", 3));
  c.early_stopping.tolerance = v.number("early_stopping_tolerance", 0.001);

  c.f_beta = v.number("f_beta", 1.0);
  c.accuracy_top_k = static_cast<int>(v.integer("accuracy_top_k", 3));
  c.selection.target.criterion = parse_selection_criterion(v.text("binary_classifier_model_selection_criteria"));
  c.selection.target.target_precision = v.number("target_precision", 0.8);
  c.selection.target.target_recall = v.number("target_recall", 0.8);
  c.selection.target.f_beta = c.f_beta;
  c.selection.num_calibration_samples = v.integer("num_calibration_samples", 10000000);

  const std::string positive = v.text("positive_example_weight_mult");
  if (positive == "balanced" || positive == "auto") {
    c.weighting.positive_mode = WeightingConfig::Positive::kBalanced;
  } else {
    c.weighting.positive_weight = std::stod(positive);
  }
  c.weighting.balance_multiclass = v.boolean("balance_multiclass_weights", false);
  if (c.loss == LossKind::kHinge && c.weighting.positive_mode == WeightingConfig::Positive::kFixed &&
      c.weighting.positive_weight <= 0)
    throw UsageError("--positive_example_weight_mult: must be positive");

  collect_warnings(v, c, c.warnings);

  nlohmann::json& r = c.resolved;
  r["predictor_type"] = predictor_type_name(c.predictor_type);
  r["num_classes"] = c.num_classes;
  r["feature_dim"] = c.feature_dim == 0 ? nlohmann::json("auto") : nlohmann::json(c.feature_dim);
  r["mini_batch_size"] = c.mini_batch_size;
  r["epochs"] = c.epochs;
  r["loss"] = loss_kind_name(c.loss);
  r["optimizer"] = optimizer_kind_name(base.optimizer.kind);
  r["learning_rate"] = base.learning_rate;
  r["wd"] = base.wd;
  r["l1"] = base.l1;
  r["momentum"] = base.optimizer.momentum;
  r["beta_1"] = base.optimizer.beta_1;
  r["beta_2"] = base.optimizer.beta_2;
  r["bias_lr_mult"] = base.bias_lr_mult;
  r["bias_wd_mult"] = base.bias_wd_mult;
  r["use_bias"] = c.use_bias;
  r["init_method"] = c.init.method == InitMethod::kNormal ? "normal" : "uniform";
  r["init_scale"] = c.init.scale;
  r["init_sigma"] = c.init.sigma;
  r["init_bias"] = c.init.bias;
  r["use_lr_scheduler"] = base.schedule.enabled;
  r["lr_scheduler_step"] = base.schedule.step;
  r["lr_scheduler_factor"] = base.schedule.factor;
  r["lr_scheduler_minimum_lr"] = base.schedule.minimum_lr;
  r["normalize_data"] = c.normalization.normalize_data;
  r["normalize_label"] = c.normalization.normalize_label;
  r["unbias_data"] = c.normalization.unbias_data;
  r["unbias_label"] = c.normalization.unbias_label;
  r["num_point_for_scaler"] = c.normalization.num_point_for_scaler;
  r["num_models"] = static_cast<int>(c.models.size());
  r["num_calibration_samples"] = c.selection.num_calibration_samples;
  r["binary_classifier_model_selection_criteria"] = selection_criterion_name(c.selection.target.criterion);
  r["target_precision"] = c.selection.target.target_precision;
  r["target_recall"] = c.selection.target.target_recall;
  r["f_beta"] = c.f_beta;
  r["positive_example_weight_mult"] = c.weighting.positive_mode == WeightingConfig::Positive::kBalanced
                                          ? nlohmann::json("balanced")
                                          : nlohmann::json(c.weighting.positive_weight);
  r["balance_multiclass_weights"] = c.weighting.balance_multiclass;
  r["accuracy_top_k"] = c.accuracy_top_k;
  r["early_stopping_patience"] = c.early_stopping.patience;
  r["early_stopping_tolerance"] = c.early_stopping.tolerance;
  r["margin"] = c.loss_params.margin;
  r["quantile"] = c.loss_params.quantile;
  r["loss_insensitivity"] = c.loss_params.loss_insensitivity;
  r["huber_delta"] = c.loss_params.huber_delta;
  r["seed"] = c.seed;
  r["shuffle"] = c.shuffle;
  return c;
}

std::int64_t auto_mini_batch_size(std::size_t train_records) {
  const auto records = static_cast<std::int64_t>(train_records);
  return std::clamp<std::int64_t>((records + kAutoUpdatesPerEpoch - 1) / kAutoUpdatesPerEpoch, 1,
                                  kSageMakerMiniBatchSize);
}

void resolve_data_dependent(TrainConfig& c, std::size_t train_records, std::size_t feature_dim, bool sparse) {
  if (c.mini_batch_size_auto) {
    c.mini_batch_size = auto_mini_batch_size(train_records);
    c.resolved["mini_batch_size"] = c.mini_batch_size;
  }
  const auto updates_per_epoch = static_cast<int>(std::max<std::int64_t>(
      1, (static_cast<std::int64_t>(train_records) + c.mini_batch_size - 1) / c.mini_batch_size));
  c.train_records = train_records;
  c.updates_per_epoch = updates_per_epoch;
  if (c.lr_scheduler_step_auto) {
    for (auto& m : c.models) m.schedule.step = updates_per_epoch;
    c.resolved["lr_scheduler_step"] = updates_per_epoch;
  }
  if (c.lr_scheduler_factor_auto) {
    // Anneal to kAutoFinalLrFraction of the initial rate by the last epoch, whatever the epoch count:
    // a final iterate with little step noise is what reaches the peers' converged accuracy.
    const double updates = static_cast<double>(updates_per_epoch) * std::max(1, c.epochs - 1);
    const double factor = updates_per_epoch < kMinUpdatesPerEpochToAnneal
                              ? 1.0
                              : std::pow(kAutoFinalLrFraction, c.models.front().schedule.step / updates);
    for (auto& m : c.models) m.schedule.factor = std::min(1.0, factor);
    c.resolved["lr_scheduler_factor"] = c.models.front().schedule.factor;
  }
  // Centring sparse data would make it dense, so `auto` leaves it uncentred.
  if (sparse && c.unbias_data_auto)
    c.normalization.unbias_data = false;
  else if (sparse && c.normalization.unbias_data)
    c.warnings.push_back("--unbias_data has no effect on sparse data: sparse features are scaled, not centred");
  if (sparse) c.normalization.unbias_data = false;
  c.resolved["unbias_data"] = c.normalization.unbias_data;
  c.feature_dim = feature_dim;
  c.resolved["feature_dim"] = feature_dim;
  if (c.num_models_auto) {
    // The grid's first models are the same for any count, so fewer models is a prefix of it.
    const std::size_t outputs = c.loss == LossKind::kSoftmax ? static_cast<std::size_t>(c.num_classes) : 1;
    const auto count = static_cast<std::size_t>(auto_num_models(feature_dim * outputs));
    if (count < c.models.size()) c.models.resize(count);
    c.resolved["num_models"] = static_cast<int>(c.models.size());
  }
}

}  // namespace linlearn
