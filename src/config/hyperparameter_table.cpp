// The hyperparameter table: SageMaker Linear Learner's names and defaults, our ranges and help.
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "linlearn/errors.h"
#include "linlearn/hyperparameters.h"

namespace linlearn {
namespace {

HyperparameterSpec choice(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  return {std::move(name), std::move(def), ValueKind::kChoice, std::move(choices), 0, 0, false,
          false,           false,          std::move(help)};
}

HyperparameterSpec number(std::string name, ValueKind kind, std::string def, double min, double max, bool min_exclusive,
                          std::vector<std::string> words, std::string help) {
  return {std::move(name), std::move(def), kind, std::move(words), min, max,
          min_exclusive,   false,          true, std::move(help)};
}

HyperparameterSpec flag(std::string name, std::string def, std::vector<std::string> words, std::string help) {
  return {std::move(name), std::move(def), ValueKind::kBool, std::move(words), 0, 0, false,
          false,           false,          std::move(help)};
}

// The range's upper end excluded.
HyperparameterSpec below_max(HyperparameterSpec spec) {
  spec.max_exclusive = true;
  return spec;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<HyperparameterSpec> build_specs() {
  const std::vector<std::string> autos{"auto"};
  return {
      choice("predictor_type", "", {"binary_classifier", "multiclass_classifier", "regressor"},
             "Model type (required)."),
      number("num_classes", ValueKind::kInt, "", 3, 1000000, false, {},
             "Classes of a multiclass_classifier (required for it)."),
      number("feature_dim", ValueKind::kInt, "auto", 1, 1 << 30, false, autos,
             "Number of features; auto infers it from the data."),
      number("mini_batch_size", ValueKind::kInt, "auto", 1, 1e9, false, autos,
             "Records per mini-batch; auto = 1000 (SageMaker's default) from 100000 training records up, else "
             "records / 100 rounded up, so that small data gets 100 updates an epoch."),
      number("epochs", ValueKind::kInt, "15", 1, 1e6, false, {}, "Maximum passes over the training data."),
      choice("loss", "auto",
             {"auto", "logistic", "softmax_loss", "squared_loss", "hinge_loss", "absolute_loss",
              "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss"},
             "Loss; auto = logistic (binary), softmax_loss (multiclass), squared_loss (regressor)."),
      choice("optimizer", "auto", {"auto", "sgd", "adam", "rmsprop"}, "Optimizer; auto = adam."),
      number("learning_rate", ValueKind::kFloat, "auto", 0, 1e6, true, autos,
             "Step size; auto = 0.02 (adam), 0.005 (rmsprop), 0.1 (sgd)."),
      number("wd", ValueKind::kFloat, "auto", 0, 1e6, false, autos, "L2 weight decay; auto = 0."),
      number("l1", ValueKind::kFloat, "auto", 0, 1e6, false, autos,
             "L1 penalty (proximal step, exact zeros); auto = 0."),
      below_max(number("momentum", ValueKind::kFloat, "auto", 0, 1, false, autos,
                       "Momentum of sgd and rmsprop; auto = 0.9 (sgd), 0 (rmsprop).")),
      below_max(
          number("beta_1", ValueKind::kFloat, "auto", 0, 1, false, autos, "Adam first-moment decay; auto = 0.9.")),
      below_max(number("beta_2", ValueKind::kFloat, "auto", 0, 1, false, autos,
                       "Adam/rmsprop second-moment decay; auto = 0.999.")),
      number("bias_lr_mult", ValueKind::kFloat, "auto", 0, 1e6, true, autos,
             "Learning-rate multiplier of the bias; auto = 1."),
      number("bias_wd_mult", ValueKind::kFloat, "auto", 0, 1e6, false, autos,
             "Weight-decay multiplier of the bias; auto = 0."),
      flag("use_bias", "true", {}, "Train a bias term."),
      choice("init_method", "uniform", {"uniform", "normal"}, "Initial weight distribution."),
      number("init_scale", ValueKind::kFloat, "0.07", 0, 1e6, true, {},
             "uniform init: weights in [-init_scale, init_scale]."),
      number("init_sigma", ValueKind::kFloat, "0.01", 0, 1e6, true, {}, "normal init: standard deviation."),
      number("init_bias", ValueKind::kFloat, "0", -kInf, kInf, false, {}, "Initial bias."),
      flag("use_lr_scheduler", "true", {}, "Decay the learning rate every lr_scheduler_step updates."),
      number("lr_scheduler_step", ValueKind::kInt, "auto", 1, 1e12, false, autos,
             "Updates between decays; auto = updates per epoch."),
      number("lr_scheduler_factor", ValueKind::kFloat, "auto", 0, 1, true, autos,
             "Decay factor per lr_scheduler_step; auto = the factor that reaches 1/1000 of the initial rate in the "
             "last epoch (0.61 for 15 epochs), or 1 (no decay) when an epoch has fewer than 16 mini-batches."),
      number("lr_scheduler_minimum_lr", ValueKind::kFloat, "auto", 0, 1e6, false, autos,
             "Floor of the learning rate; auto = 1e-5."),
      flag("normalize_data", "true", {}, "Standardize features (statistics from a random sample)."),
      flag("normalize_label", "auto", autos, "Standardize the label (regressor only); auto = true for regressor."),
      flag("unbias_data", "auto", autos, "Centre features; auto = true for dense data, false for sparse."),
      flag("unbias_label", "auto", autos, "Centre the label (regressor only); auto = true for regressor."),
      number("num_point_for_scaler", ValueKind::kInt, "10000", 1, 1e12, false, {},
             "Records sampled for the statistics."),
      number("num_models", ValueKind::kInt, "auto", 1, 256, false, autos,
             "Models trained in parallel; auto = 8, fewer when the models' state would exceed 64 MiB "
             "(20 bytes per weight: from 2^19 features on)."),
      number("num_calibration_samples", ValueKind::kInt, "10000000", 1, 1e12, false, {},
             "Records used to calibrate the binary threshold."),
      choice("binary_classifier_model_selection_criteria", "accuracy",
             {"accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision", "loss_function"},
             "How the best binary model and its threshold are chosen."),
      number("target_precision", ValueKind::kFloat, "0.8", 0, 1, true, {}, "For recall_at_target_precision."),
      number("target_recall", ValueKind::kFloat, "0.8", 0, 1, true, {}, "For precision_at_target_recall."),
      number("f_beta", ValueKind::kFloat, "1.0", 0, 1e6, true, {}, "Beta of the F-beta metric and criterion."),
      number("positive_example_weight_mult", ValueKind::kFloat, "1.0", 0, 1e6, true, {"balanced", "auto"},
             "Weight of positive records: a number, balanced (negatives/positives), auto (= balanced)."),
      flag("balance_multiclass_weights", "false", {}, "Weight classes inversely to their frequency."),
      number("accuracy_top_k", ValueKind::kInt, "3", 1, 1000000, false, {}, "k of multiclass_top_k_accuracy."),
      number("early_stopping_patience", ValueKind::kInt, "3", 1, 1e6, false, {},
             "Epochs without improvement before stopping."),
      number("early_stopping_tolerance", ValueKind::kFloat, "0.001", 0, 1, false, {},
             "Relative improvement that counts."),
      number("margin", ValueKind::kFloat, "1.0", 0, 1e6, false, {}, "hinge_loss margin."),
      below_max(number("quantile", ValueKind::kFloat, "0.5", 0, 1, true, {}, "quantile_loss quantile (0 < q < 1).")),
      number("loss_insensitivity", ValueKind::kFloat, "0.01", 0, 1e6, false, {}, "eps_insensitive_* epsilon."),
      number("huber_delta", ValueKind::kFloat, "1.0", 0, 1e6, true, {}, "huber_loss delta."),
  };
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string allowed_text(const HyperparameterSpec& spec) {
  std::string words;
  for (const auto& w : spec.choices) words += (words.empty() ? "" : ", ") + w;
  switch (spec.kind) {
    case ValueKind::kChoice:
      return "one of " + words;
    case ValueKind::kBool:
      return words.empty() ? "true or false" : "true, false or " + words;
    case ValueKind::kText:
      return "text";
    default: {
      std::string range =
          fmt::format("{} number in {}{}, {}{}", spec.kind == ValueKind::kInt ? "an integer" : "a",
                      spec.min_exclusive ? "(" : "[", spec.min, spec.max, spec.max_exclusive ? ")" : "]");
      return words.empty() ? range : range + " or " + words;
    }
  }
}

}  // namespace

const std::vector<HyperparameterSpec>& hyperparameter_specs() {
  static const std::vector<HyperparameterSpec> specs = build_specs();
  return specs;
}

const HyperparameterSpec* find_hyperparameter(const std::string& name) {
  for (const auto& spec : hyperparameter_specs())
    if (spec.name == name) return &spec;
  return nullptr;
}

void validate_hyperparameter(const HyperparameterSpec& spec, const std::string& value) {
  const auto fail = [&] {
    throw UsageError(fmt::format("--{}: '{}' is not allowed; expected {}", spec.name, value, allowed_text(spec)));
  };
  for (const auto& w : spec.choices)
    if (value == w) return;
  if (spec.kind == ValueKind::kChoice) fail();
  if (spec.kind == ValueKind::kText) return;
  if (spec.kind == ValueKind::kBool) {
    const std::string v = lower(value);
    if (v != "true" && v != "false") fail();
    return;
  }
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(value, &used);
  } catch (const std::exception&) {
    fail();
  }
  if (used != value.size() || !std::isfinite(number)) fail();
  if (spec.kind == ValueKind::kInt && number != std::floor(number)) fail();
  if (spec.has_range) {
    if (number > spec.max || number < spec.min || (spec.min_exclusive && number == spec.min) ||
        (spec.max_exclusive && number == spec.max))
      fail();
  }
}

HyperparameterValues read_hyperparameters_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("--hyperparameters: cannot read '{}'", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON (at byte {}): expected an object of strings", path, e.byte));
  }
  if (!doc.is_object()) throw UsageError(fmt::format("{}: expected a JSON object of strings", path));
  HyperparameterValues values;
  for (const auto& [key, value] : doc.items()) {
    if (value.is_string()) {
      values[key] = value.get<std::string>();
    } else if (value.is_boolean()) {
      values[key] = value.get<bool>() ? "true" : "false";
    } else if (value.is_number_integer()) {
      values[key] = std::to_string(value.get<long long>());
    } else if (value.is_number()) {
      values[key] = fmt::format("{}", value.get<double>());
    } else {
      throw UsageError(fmt::format("{}: \"{}\" must be a string, found {}", path, key, value.type_name()));
    }
    // Checked here, not only after merging with the command line, so the message names the file.
    const HyperparameterSpec* spec = find_hyperparameter(key);
    if (spec == nullptr) throw UsageError(fmt::format("{}: \"{}\" is not a hyperparameter", path, key));
    try {
      validate_hyperparameter(*spec, values[key]);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: {}", path, e.what()));
    }
  }
  return values;
}

}  // namespace linlearn
