// The table of hyperparameters: SageMaker Linear Learner's names and defaults, linlearn's own
// options, ranges, help, effects, what `auto` means and where each value goes. Adding a
// hyperparameter is adding one declaration here (and reading it where it is used).
#include <cmath>
#include <limits>

#include "config/auto_values.h"
#include "config/declare.h"
#include "config/sagemaker_keys.h"
#include "linlearn/config.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using nlohmann::json;
constexpr double kInf = std::numeric_limits<double>::infinity();

ModelSettings& base(TrainConfig& c) {
  return c.models.front();
}

std::vector<HyperparameterSpec> model_specs() {
  return {
      Declare("predictor_type", HelpGroup::kModel, "Model type (required).")
          .choice({"binary_classifier", "multiclass_classifier", "regressor"})
          .resolve([](const TrainConfig&, const DataFacts*) -> json {
            throw UsageError(
                "--predictor_type is required; expected one of binary_classifier, multiclass_classifier, regressor");
          })
          .into([](TrainConfig& c, const json& v) {
            c.predictor_type = parse_predictor_type(v);
            return v;
          }),
      Declare("num_classes", HelpGroup::kModel, "Classes of a multiclass_classifier (required for it).")
          .integer(3, 1000000)
          .applies_when("predictor_type", {"multiclass_classifier"})
          .resolve([](const TrainConfig& c, const DataFacts*) -> json {
            if (c.predictor_type == PredictorType::kMulticlass)
              throw UsageError(
                  "--num_classes is required with predictor_type=multiclass_classifier; expected an integer >= 3");
            return c.predictor_type == PredictorType::kRegressor ? 1 : 2;
          })
          .into([](TrainConfig& c, const json& v) {
            c.num_classes = v;
            c.loss_params.num_classes = c.num_classes;
            return v;
          }),
      Declare("feature_dim", HelpGroup::kModel, "Number of features; auto infers it from the data.")
          .integer(1, 1 << 30)
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts* data) -> json {
            return data != nullptr ? json(data->feature_dim) : json("auto");
          })
          .into([](TrainConfig& c, const json& v) {
            c.feature_dim = v.is_number() ? v.get<std::size_t>() : 0;
            return v;
          }),
      Declare("mini_batch_size", HelpGroup::kOptimizer,
              "Records per mini-batch; auto = 1000 (SageMaker's default) from 100000 training records up, else "
              "records / 100 rounded up, so that small data gets 100 updates an epoch.")
          .integer(1, 1e9)
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts* data) -> json {
            return data != nullptr ? auto_mini_batch_size(data->records) : kSageMakerMiniBatchSize;
          })
          .into([](TrainConfig& c, const json& v) {
            c.mini_batch_size = v;
            c.updates_per_epoch = updates_per_epoch(c.data.records, c.mini_batch_size);
            return v;
          }),
      Declare("epochs", HelpGroup::kOptimizer,
              "Maximum passes over the training data; auto = 15 (SageMaker's default), 5 for a warm start "
              "(--initial-model), which continues a trained model and anneals over the shorter run.")
          .integer(1, 1e6)
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts* data) -> json {
            return data != nullptr && data->warm_start ? kWarmStartEpochs : kSageMakerEpochs;
          })
          .into([](TrainConfig& c, const json& v) {
            c.epochs = v;
            return v;
          }),
      Declare("loss", HelpGroup::kModel,
              "Loss; auto = logistic (binary), softmax_loss (multiclass), squared_loss (regressor).")
          .choice({"auto", "logistic", "softmax_loss", "squared_loss", "hinge_loss", "absolute_loss",
                   "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss"})
          .def("auto")
          .resolve([](const TrainConfig& c, const DataFacts*) -> json {
            return loss_kind_name(default_loss(c.predictor_type));
          })
          .into([](TrainConfig& c, const json& v) {
            c.loss = parse_loss_kind(v);
            check_loss_fits(c.predictor_type, c.loss);
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> optimizer_specs() {
  return {
      Declare("optimizer", HelpGroup::kOptimizer,
              "Optimizer; auto = adam. adagrad (AdaGrad with proximal wd and l1) and ftrl (FTRL-Proximal, McMahan et "
              "al. 2013) are linlearn's own: per-coordinate rates, stepped record by record and lazily on sparse data.")
          .choice({"auto", "sgd", "adam", "rmsprop", "adagrad", "ftrl"})
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return "adam"; })
          .into([](TrainConfig& c, const json& v) {
            base(c).optimizer.kind = parse_optimizer_kind(v);
            return v;
          }),
      Declare("learning_rate", HelpGroup::kOptimizer,
              "Step size; auto = 0.02 (adam), 0.005 (rmsprop), 0.1 (sgd), 0.5 (adagrad), 0.5 (ftrl: alpha, the "
              "per-coordinate rate being alpha / (1 + sqrt(sum of squared gradients))); adam on sparse data "
              "of more than 100000 training records: 0.02 x sqrt(100000 / records).")
          .real(0, 1e6)
          .min_exclusive()
          .def("auto")
          .resolve([](const TrainConfig& c, const DataFacts*) -> json { return auto_learning_rate(c); })
          .into([](TrainConfig& c, const json& v) {
            base(c).learning_rate = v;
            return v;
          }),
      Declare("momentum", HelpGroup::kOptimizer, "Momentum of sgd and rmsprop; auto = 0.9 (sgd), 0 (rmsprop).")
          .real(0, 1)
          .max_exclusive()
          .def("auto")
          .applies_when("optimizer", {"sgd", "rmsprop"})
          .resolve([](const TrainConfig& c, const DataFacts*) -> json {
            return c.models.front().optimizer.kind == OptimizerKind::kSgd ? 0.9 : 0.0;
          })
          .into([](TrainConfig& c, const json& v) {
            base(c).optimizer.momentum = v;
            return v;
          }),
      Declare("beta_1", HelpGroup::kOptimizer, "Adam first-moment decay; auto = 0.9.")
          .real(0, 1)
          .max_exclusive()
          .def("auto")
          .applies_when("optimizer", {"adam"})
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 0.9; })
          .into([](TrainConfig& c, const json& v) {
            base(c).optimizer.beta_1 = v;
            return v;
          }),
      Declare("beta_2", HelpGroup::kOptimizer, "Adam/rmsprop second-moment decay; auto = 0.999.")
          .real(0, 1)
          .max_exclusive()
          .def("auto")
          .applies_when("optimizer", {"adam", "rmsprop"})
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 0.999; })
          .into([](TrainConfig& c, const json& v) {
            base(c).optimizer.beta_2 = v;
            return v;
          }),
      Declare("bias_lr_mult", HelpGroup::kOptimizer, "Learning-rate multiplier of the bias; auto = 1.")
          .real(0, 1e6)
          .min_exclusive()
          .def("auto")
          .applies_when("use_bias", {"true"})
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 1.0; })
          .into([](TrainConfig& c, const json& v) {
            base(c).bias_lr_mult = v;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> regularization_specs() {
  return {
      Declare("wd", HelpGroup::kRegularization, "L2 weight decay; auto = 0.")
          .real(0, 1e6)
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 0.0; })
          .into([](TrainConfig& c, const json& v) {
            base(c).wd = v;
            return v;
          }),
      Declare("l1", HelpGroup::kRegularization, "L1 penalty (proximal step, exact zeros); auto = 0.")
          .real(0, 1e6)
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 0.0; })
          .into([](TrainConfig& c, const json& v) {
            base(c).l1 = v;
            return v;
          }),
      Declare("bias_wd_mult", HelpGroup::kRegularization, "Weight-decay multiplier of the bias; auto = 0.")
          .real(0, 1e6)
          .def("auto")
          .applies_when("use_bias", {"true"})
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 0.0; })
          .into([](TrainConfig& c, const json& v) {
            base(c).bias_wd_mult = v;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> initialization_specs() {
  return {
      Declare("use_bias", HelpGroup::kModel, "Train a bias term.")
          .boolean()
          .def("true")
          .into([](TrainConfig& c, const json& v) {
            c.use_bias = v;
            return v;
          }),
      Declare("init_method", HelpGroup::kModel, "Initial weight distribution.")
          .choice({"uniform", "normal"})
          .def("uniform")
          .into([](TrainConfig& c, const json& v) {
            c.init.method = v == "normal" ? InitMethod::kNormal : InitMethod::kUniform;
            return v;
          }),
      Declare("init_scale", HelpGroup::kModel, "uniform init: weights in [-init_scale, init_scale].")
          .real(0, 1e6)
          .min_exclusive()
          .def("0.07")
          .applies_when("init_method", {"uniform"})
          .into([](TrainConfig& c, const json& v) {
            c.init.scale = v;
            return v;
          }),
      Declare("init_sigma", HelpGroup::kModel, "normal init: standard deviation.")
          .real(0, 1e6)
          .min_exclusive()
          .def("0.01")
          .applies_when("init_method", {"normal"})
          .into([](TrainConfig& c, const json& v) {
            c.init.sigma = v;
            return v;
          }),
      Declare("init_bias", HelpGroup::kModel, "Initial bias.")
          .real(-kInf, kInf)
          .def("0")
          .applies_when("use_bias", {"true"})
          .into([](TrainConfig& c, const json& v) {
            c.init.bias = c.use_bias ? v.get<double>() : 0.0;
            return json(c.init.bias);
          }),
  };
}

}  // namespace

// The rest of the table is in hyperparameter_table_rest.cpp: schedule, normalization, selection,
// weights, loss parameters and linlearn's own options.
std::vector<HyperparameterSpec> schedule_and_data_specs();
std::vector<HyperparameterSpec> selection_and_run_specs();

const std::vector<HyperparameterSpec>& hyperparameter_specs() {
  static const std::vector<HyperparameterSpec> specs =
      joined({model_specs(), optimizer_specs(), regularization_specs(), initialization_specs(),
              schedule_and_data_specs(), selection_and_run_specs(), sagemaker_internal_specs()});
  return specs;
}

}  // namespace linlearn
