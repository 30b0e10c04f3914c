// The second half of the hyperparameter table (see hyperparameter_table.cpp).
#include "config/auto_values.h"
#include "config/declare.h"
#include "linlearn/config.h"
#include "linlearn/model_grid.h"

namespace linlearn {
namespace {

using nlohmann::json;

ModelSettings& base(TrainConfig& c) {
  return c.models.front();
}

// The optimizers that follow the learning-rate schedule.
std::vector<std::string> scheduled_optimizers() {
  return {"sgd", "adam", "rmsprop", "adagrad"};
}

std::vector<HyperparameterSpec> schedule_specs() {
  return {
      Declare("use_lr_scheduler", HelpGroup::kOptimizer,
              "Decay the learning rate every lr_scheduler_step updates (not ftrl: its per-coordinate rates decay "
              "already, and its learning_rate stays fixed).")
          .boolean()
          .def("true")
          .applies_when("optimizer", scheduled_optimizers())
          .into([](TrainConfig& c, const json& v) {
            base(c).schedule.enabled = v;
            return v;
          }),
      Declare("lr_scheduler_step", HelpGroup::kOptimizer, "Updates between decays; auto = updates per epoch.")
          .integer(1, 1e12)
          .def("auto")
          .applies_when("use_lr_scheduler", {"true"})
          .applies_when("optimizer", scheduled_optimizers())
          .resolve([](const TrainConfig& c, const DataFacts* data) -> json {
            return data != nullptr ? c.updates_per_epoch : 1;
          })
          .into([](TrainConfig& c, const json& v) {
            base(c).schedule.step = v;
            return v;
          }),
      Declare("lr_scheduler_factor", HelpGroup::kOptimizer,
              "Decay factor per lr_scheduler_step; auto = the factor that reaches 1/1000 of the initial rate in the "
              "last epoch (0.61 for 15 epochs), or 1 (no decay) when an epoch has fewer than 16 mini-batches.")
          .real(0, 1)
          .min_exclusive()
          .def("auto")
          .applies_when("use_lr_scheduler", {"true"})
          .applies_when("optimizer", scheduled_optimizers())
          .resolve([](const TrainConfig& c, const DataFacts* data) -> json {
            return data != nullptr ? auto_lr_scheduler_factor(c) : 1.0;
          })
          .into([](TrainConfig& c, const json& v) {
            base(c).schedule.factor = v;
            return v;
          }),
      Declare("lr_scheduler_minimum_lr", HelpGroup::kOptimizer, "Floor of the learning rate; auto = 1e-5.")
          .real(0, 1e6)
          .def("auto")
          .applies_when("use_lr_scheduler", {"true"})
          .applies_when("optimizer", scheduled_optimizers())
          .resolve([](const TrainConfig&, const DataFacts*) -> json { return 1e-5; })
          .into([](TrainConfig& c, const json& v) {
            base(c).schedule.minimum_lr = v;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> normalization_specs() {
  return {
      Declare("normalize_data", HelpGroup::kNormalization, "Standardize features (statistics from a random sample).")
          .boolean()
          .def("true")
          .into([](TrainConfig& c, const json& v) {
            c.normalization.normalize_data = v;
            return v;
          }),
      Declare("normalize_label", HelpGroup::kNormalization,
              "Standardize the label (regressor only); auto = true for regressor.")
          .boolean()
          .def("auto")
          .applies_when("predictor_type", {"regressor"})
          .resolve([](const TrainConfig& c, const DataFacts*) -> json {
            return c.predictor_type == PredictorType::kRegressor;
          })
          .into([](TrainConfig& c, const json& v) {
            c.normalization.normalize_label = c.predictor_type == PredictorType::kRegressor && v.get<bool>();
            return json(c.normalization.normalize_label);
          }),
      Declare("unbias_data", HelpGroup::kNormalization,
              "Centre features; auto = true for dense data, false for sparse (sparse data is never centred).")
          .boolean()
          .def("auto")
          .resolve([](const TrainConfig&, const DataFacts* data) -> json { return data == nullptr || !data->sparse; })
          .into([](TrainConfig& c, const json& v) {
            c.normalization.unbias_data = v.get<bool>() && !c.data.sparse;
            return json(c.normalization.unbias_data);
          }),
      Declare("unbias_label", HelpGroup::kNormalization,
              "Centre the label (regressor only); auto = true for regressor.")
          .boolean()
          .def("auto")
          .applies_when("predictor_type", {"regressor"})
          .resolve([](const TrainConfig& c, const DataFacts*) -> json {
            return c.predictor_type == PredictorType::kRegressor;
          })
          .into([](TrainConfig& c, const json& v) {
            c.normalization.unbias_label = c.predictor_type == PredictorType::kRegressor && v.get<bool>();
            return json(c.normalization.unbias_label);
          }),
  };
}

std::vector<HyperparameterSpec> grid_specs() {
  return {
      Declare("num_point_for_scaler", HelpGroup::kNormalization, "Records sampled for the statistics.")
          .integer(1, 1e12)
          .def("10000")
          .applies_when_any({{"normalize_data", {"true"}},
                             {"unbias_data", {"true"}},
                             {"normalize_label", {"true"}},
                             {"unbias_label", {"true"}}})
          .into([](TrainConfig& c, const json& v) {
            c.normalization.num_point_for_scaler = v;
            return v;
          }),
      // Last of the settings a model of the grid varies: the grid is built from them.
      Declare("num_models", HelpGroup::kOptimizer,
              "Models trained in parallel; auto = 8, fewer when the models' state would exceed 64 MiB "
              "(20 bytes per weight: from 2^19 features on), 1 for a warm start and for sparse data without "
              "a validation channel.")
          .integer(1, 256)
          .def("auto")
          .resolve([](const TrainConfig& c, const DataFacts* data) -> json {
            const std::size_t outputs = c.loss == LossKind::kSoftmax ? static_cast<std::size_t>(c.num_classes) : 1;
            if (data == nullptr) return kAutoNumModels;
            // A warm start continues one trained model: the grid's exploration is behind it. On wide
            // sparse data, selecting on the training data picks the boldest model of the grid, the one
            // that best memorizes rare features: it scored worse on held-out data than model 0 alone.
            if (data->warm_start || (data->sparse && !data->validation)) return 1;
            return auto_num_models(data->feature_dim * outputs);
          })
          .into([](TrainConfig& c, const json& v) {
            c.models = build_model_grid(base(c), v, default_learning_rate);
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> stopping_specs() {
  return {
      Declare("early_stopping_patience", HelpGroup::kStoppingAndSelection,
              "Epochs without improvement before stopping.")
          .integer(1, 1e6)
          .def("3")
          .into([](TrainConfig& c, const json& v) {
            c.early_stopping.patience = v;
            return v;
          }),
      Declare("early_stopping_tolerance", HelpGroup::kStoppingAndSelection, "Relative improvement that counts.")
          .real(0, 1)
          .def("0.001")
          .into([](TrainConfig& c, const json& v) {
            c.early_stopping.tolerance = v;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> selection_specs() {
  return {
      Declare("binary_classifier_model_selection_criteria", HelpGroup::kStoppingAndSelection,
              "How the best binary model and its threshold are chosen.")
          .choice({"accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision", "loss_function"})
          .def("accuracy")
          .applies_when("predictor_type", {"binary_classifier"})
          .into([](TrainConfig& c, const json& v) {
            c.selection.target.criterion = parse_selection_criterion(v);
            return v;
          }),
      Declare("target_precision", HelpGroup::kStoppingAndSelection, "For recall_at_target_precision.")
          .real(0, 1)
          .min_exclusive()
          .def("0.8")
          .applies_when("predictor_type", {"binary_classifier"})
          .applies_when("binary_classifier_model_selection_criteria", {"recall_at_target_precision"})
          .into([](TrainConfig& c, const json& v) {
            c.selection.target.target_precision = v;
            return v;
          }),
      Declare("target_recall", HelpGroup::kStoppingAndSelection, "For precision_at_target_recall.")
          .real(0, 1)
          .min_exclusive()
          .def("0.8")
          .applies_when("predictor_type", {"binary_classifier"})
          .applies_when("binary_classifier_model_selection_criteria", {"precision_at_target_recall"})
          .into([](TrainConfig& c, const json& v) {
            c.selection.target.target_recall = v;
            return v;
          }),
      // binary_f_beta and macro_f_beta are reported for both kinds of classifier.
      Declare("f_beta", HelpGroup::kStoppingAndSelection, "Beta of the F-beta metric and criterion.")
          .real(0, 1e6)
          .min_exclusive()
          .def("1.0")
          .applies_when("predictor_type", {"binary_classifier", "multiclass_classifier"})
          .into([](TrainConfig& c, const json& v) {
            c.f_beta = v;
            c.selection.target.f_beta = c.f_beta;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> weight_specs() {
  return {
      Declare("num_calibration_samples", HelpGroup::kStoppingAndSelection,
              "Records used to calibrate the binary threshold.")
          .integer(1, 1e12)
          .def("10000000")
          .applies_when("predictor_type", {"binary_classifier"})
          .into([](TrainConfig& c, const json& v) {
            c.selection.num_calibration_samples = v;
            return v;
          }),
      Declare("positive_example_weight_mult", HelpGroup::kStoppingAndSelection,
              "Weight of positive records: a number, balanced (negatives / positives of the training data, "
              "resolved to that number), auto (= balanced).")
          .real(0, 1e6)
          .min_exclusive()
          .words({"balanced", "auto"})
          .def("1.0")
          .applies_when("predictor_type", {"binary_classifier"})
          .resolve([](const TrainConfig&, const DataFacts* data) -> json {
            return data != nullptr ? balanced_positive_weight(data->class_counts) : 1.0;
          })
          .into([](TrainConfig& c, const json& v) {
            c.weighting.positive_weight = v;
            return v;
          }),
      Declare("balance_multiclass_weights", HelpGroup::kStoppingAndSelection,
              "Weight classes inversely to their frequency.")
          .boolean()
          .def("false")
          .applies_when("predictor_type", {"multiclass_classifier"})
          .into([](TrainConfig& c, const json& v) {
            c.weighting.balance_multiclass = v;
            return v;
          }),
      Declare("accuracy_top_k", HelpGroup::kStoppingAndSelection, "k of multiclass_top_k_accuracy.")
          .integer(1, 1000000)
          .def("3")
          .applies_when("predictor_type", {"multiclass_classifier"})
          .into([](TrainConfig& c, const json& v) {
            c.accuracy_top_k = v;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> loss_parameter_specs() {
  return {
      Declare("margin", HelpGroup::kModel, "hinge_loss margin.")
          .real(0, 1e6)
          .def("1.0")
          .applies_when("loss", {"hinge_loss"})
          .into([](TrainConfig& c, const json& v) {
            c.loss_params.margin = v;
            return v;
          }),
      Declare("quantile", HelpGroup::kModel, "quantile_loss quantile (0 < q < 1).")
          .real(0, 1)
          .min_exclusive()
          .max_exclusive()
          .def("0.5")
          .applies_when("loss", {"quantile_loss"})
          .into([](TrainConfig& c, const json& v) {
            c.loss_params.quantile = v;
            return v;
          }),
      Declare("loss_insensitivity", HelpGroup::kModel, "eps_insensitive_* epsilon.")
          .real(0, 1e6)
          .def("0.01")
          .applies_when("loss", {"eps_insensitive_squared_loss", "eps_insensitive_absolute_loss"})
          .into([](TrainConfig& c, const json& v) {
            c.loss_params.loss_insensitivity = v;
            return v;
          }),
      Declare("huber_delta", HelpGroup::kModel, "huber_loss delta.")
          .real(0, 1e6)
          .min_exclusive()
          .def("1.0")
          .applies_when("loss", {"huber_loss"})
          .into([](TrainConfig& c, const json& v) {
            c.loss_params.huber_delta = v;
            return v;
          }),
  };
}

std::vector<HyperparameterSpec> run_specs() {
  return {
      Declare("seed", HelpGroup::kRunControl, "Seed of every random draw.")
          .unsigned_integer()
          .def("0")
          .own()
          .into([](TrainConfig& c, const json& v) {
            c.seed = v;
            return v;
          }),
      Declare("shuffle", HelpGroup::kRunControl, "Shuffle the records every epoch.")
          .boolean()
          .def("true")
          .own()
          .into([](TrainConfig& c, const json& v) {
            c.shuffle = v;
            return v;
          }),
      Declare("prune_models", HelpGroup::kRunControl,
              "Successive halving: after the 2nd, 4th, 8th, ... epoch the worse half of the models still training "
              "stop.")
          .boolean()
          .def("true")
          .own()
          .into([](TrainConfig& c, const json& v) {
            c.prune_models = v;
            return v;
          }),
  };
}

}  // namespace

std::vector<HyperparameterSpec> schedule_and_data_specs() {
  return joined({schedule_specs(), normalization_specs(), grid_specs()});
}

std::vector<HyperparameterSpec> selection_and_run_specs() {
  return joined({stopping_specs(), selection_specs(), weight_specs(), loss_parameter_specs(), run_specs()});
}

}  // namespace linlearn
