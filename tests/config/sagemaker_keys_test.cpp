// The keys SageMaker adds to hyperparameters.json: declared, checked, kept out of the resolved
// values, and what a tuning objective does to the job.
#include "config/sagemaker_keys.h"

#include <gtest/gtest.h>

#include "linlearn/config.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

const HyperparameterValues kBinary{{"predictor_type", "binary_classifier"}};

HyperparameterValues with(HyperparameterValues values, const std::string& key, const std::string& value) {
  values[key] = value;
  return values;
}

TEST(SageMakerKeys, AreDeclaredInternalAndStayOutOfTheResolvedValues) {
  HyperparameterValues given = kBinary;
  for (const char* key : {"_tuning_objective_metric", "_kvstore", "_num_gpus", "_num_kv_servers", "_log_level",
                          "_enable_profiler", "force_dense"}) {
    const HyperparameterSpec* spec = find_hyperparameter(key);
    ASSERT_NE(spec, nullptr) << key;
    EXPECT_TRUE(spec->internal) << key;
    EXPECT_FALSE(spec->help.empty()) << key;
    given[key] = spec->default_value;
  }
  // The model's resolved hyperparameters (and so model.pb's bytes) are those of a run without them.
  EXPECT_EQ(resolve_config(given).resolved, resolve_config(kBinary).resolved);
}

TEST(SageMakerKeys, ValuesAreCheckedLikeAnyHyperparameter) {
  EXPECT_NO_THROW(resolve_config(with(kBinary, "_num_gpus", "auto")));
  EXPECT_NO_THROW(resolve_config(with(kBinary, "_num_gpus", "4")));
  EXPECT_NO_THROW(resolve_config(with(kBinary, "_kvstore", "dist_sync")));
  EXPECT_NO_THROW(resolve_config(with(kBinary, "_log_level", "WARNING")));
  EXPECT_NO_THROW(resolve_config(with(kBinary, "_tuning_objective_metric", "validation:my own metric")));
  EXPECT_THROW(resolve_config(with(kBinary, "_num_gpus", "-1")), UsageError);
  EXPECT_THROW(resolve_config(with(kBinary, "_kvstore", "everywhere")), UsageError);
  EXPECT_THROW(resolve_config(with(kBinary, "force_dense", "sometimes")), UsageError);
}

TEST(SageMakerKeys, ATuningObjectiveTrainsOneModelAndPicksTheCriterion) {
  const SageMakerKeys keys =
      apply_sagemaker_keys(with(with(kBinary, "num_models", "8"), "_tuning_objective_metric", "validation:precision"));
  EXPECT_EQ(keys.values.at("num_models"), "1");
  EXPECT_EQ(keys.values.at("binary_classifier_model_selection_criteria"), "precision_at_target_recall");
  ASSERT_EQ(keys.notes.size(), 3U);
  EXPECT_NE(keys.notes[1].find("num_models 8 ignored"), std::string::npos) << keys.notes[1];
  const std::vector<std::pair<std::string, std::string>> objectives{
      {"test:binary_classification_accuracy", "accuracy"},
      {"validation:binary_f_beta", "f_beta"},
      {"validation:recall", "recall_at_target_precision"},
      {"validation:objective_loss:final", "loss_function"}};
  for (const auto& [objective, criterion] : objectives)
    EXPECT_EQ(apply_sagemaker_keys(with(kBinary, "_tuning_objective_metric", objective))
                  .values.at("binary_classifier_model_selection_criteria"),
              criterion)
        << objective;
}

TEST(SageMakerKeys, ACriterionGivenOrNotMeasurableStaysAsItIs) {
  const HyperparameterValues given = with(with(kBinary, "binary_classifier_model_selection_criteria", "accuracy"),
                                          "_tuning_objective_metric", "validation:binary_f_beta");
  EXPECT_EQ(apply_sagemaker_keys(given).values.at("binary_classifier_model_selection_criteria"), "accuracy");
  const SageMakerKeys auc = apply_sagemaker_keys(with(kBinary, "_tuning_objective_metric", "validation:roc_auc_score"));
  EXPECT_FALSE(auc.values.contains("binary_classifier_model_selection_criteria"));
  const SageMakerKeys regressor =
      apply_sagemaker_keys({{"predictor_type", "regressor"}, {"_tuning_objective_metric", "validation:mse"}});
  EXPECT_EQ(regressor.values.at("num_models"), "1");
  EXPECT_FALSE(regressor.values.contains("binary_classifier_model_selection_criteria"));
  // SageMaker's default, an empty objective, is no tuning job.
  EXPECT_EQ(apply_sagemaker_keys(with(kBinary, "_tuning_objective_metric", "")).values,
            with(kBinary, "_tuning_objective_metric", ""));
}

TEST(SageMakerKeys, KeysWithoutEffectAreNotedSaying) {
  const SageMakerKeys keys = apply_sagemaker_keys(with(with(kBinary, "_num_gpus", "2"), "force_dense", "true"));
  EXPECT_EQ(keys.values, with(with(kBinary, "_num_gpus", "2"), "force_dense", "true"));
  ASSERT_EQ(keys.notes.size(), 2U);
  EXPECT_EQ(keys.notes[0].rfind("SageMaker's _num_gpus=2: ", 0), 0U) << keys.notes[0];
  EXPECT_NE(keys.notes[0].find("no effect"), std::string::npos) << keys.notes[0];
  EXPECT_EQ(keys.notes[1].rfind("SageMaker's force_dense=true: ", 0), 0U) << keys.notes[1];
}

TEST(SageMakerKeys, LogLevelInPythonsNames) {
  EXPECT_EQ(sagemaker_log_level(kBinary), "");
  EXPECT_EQ(sagemaker_log_level(with(kBinary, "_log_level", "DEBUG")), "debug");
  EXPECT_EQ(sagemaker_log_level(with(kBinary, "_log_level", "warning")), "warn");
  EXPECT_EQ(sagemaker_log_level(with(kBinary, "_log_level", "critical")), "error");
  EXPECT_THROW(sagemaker_log_level(with(kBinary, "_log_level", "chatty")), UsageError);
}

}  // namespace
}  // namespace linlearn
