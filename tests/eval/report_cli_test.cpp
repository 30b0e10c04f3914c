// report.html as `linlearn train` writes it on the bundled data: the prediction charts' channel, only
// the hyperparameters that apply, and a report for a run in which every model diverged.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::slurp;

bool names_hyperparameter(const std::string& html, const std::string& name) {
  std::string key;
  for (const char c : name) key += c == '_' ? std::string("_<wbr>") : std::string(1, c);
  return html.find("<span class=\"k\">" + key + "</span>") != std::string::npos;
}

TEST(ReportCli, MulticlassConfusionMatrixComesFromTheTestChannel) {
  testing::TempDir dir;
  const auto r = run_linlearn("train --predictor_type multiclass_classifier --num_classes 10 --train " +
                                  data_path("digits/train.csv") + " --test " + data_path("digits/test.csv") +
                                  " --epochs 2 --num_models 2 --quiet --output-dir " + dir.path("out"),
                              dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = slurp(dir.path("out/report.html"));
  EXPECT_NE(html.find("<h2>Confusion matrix <span class=\"muted\">(test channel, selected model)"), std::string::npos);
  EXPECT_NE(html.find("Weighted counts of the test channel's records"), std::string::npos);
  EXPECT_TRUE(names_hyperparameter(html, "num_classes"));
  for (const char* name :
       {"binary_classifier_model_selection_criteria", "positive_example_weight_mult", "quantile", "normalize_label"})
    EXPECT_FALSE(names_hyperparameter(html, name)) << name;
}

TEST(ReportCli, BinaryRocStaysOnTheValidationChannelAndRegressorHasNoBinaryOptions) {
  testing::TempDir dir;
  const auto binary =
      run_linlearn("train --predictor_type binary_classifier --train " + data_path("churn/train.csv") +
                       " --validation " + data_path("churn/validation.csv") + " --test " + data_path("churn/test.csv") +
                       " --epochs 2 --num_models 2 --quiet --output-dir " + dir.path("binary"),
                   dir.path());
  ASSERT_EQ(binary.exit_code, 0) << binary.err;
  const std::string binary_html = slurp(dir.path("binary/report.html"));
  EXPECT_NE(binary_html.find("ROC and precision-recall <span class=\"muted\">(validation channel"), std::string::npos);
  EXPECT_TRUE(names_hyperparameter(binary_html, "binary_classifier_model_selection_criteria"));
  for (const char* name : {"quantile", "huber_delta", "accuracy_top_k", "num_classes", "momentum"})
    EXPECT_FALSE(names_hyperparameter(binary_html, name)) << name;

  const auto regressor = run_linlearn("train --predictor_type regressor --train " + data_path("diabetes/train.csv") +
                                          " --test " + data_path("diabetes/test.csv") +
                                          " --epochs 2 --num_models 2 --quiet --output-dir " + dir.path("regressor"),
                                      dir.path());
  ASSERT_EQ(regressor.exit_code, 0) << regressor.err;
  const std::string regressor_html = slurp(dir.path("regressor/report.html"));
  EXPECT_NE(regressor_html.find("Residuals <span class=\"muted\">(test channel"), std::string::npos);
  EXPECT_NE(regressor_html.find("(88 of 88 records"), std::string::npos);
  EXPECT_TRUE(names_hyperparameter(regressor_html, "normalize_label"));
  for (const char* name : {"binary_classifier_model_selection_criteria", "target_precision", "accuracy_top_k",
                           "num_calibration_samples", "f_beta"})
    EXPECT_FALSE(names_hyperparameter(regressor_html, name)) << name;
}

TEST(ReportCli, EveryModelDivergedWritesAReportOfWhatDiverged) {
  testing::TempDir dir;
  // A step size of 1e6 with plain sgd overflows every grid point's loss in the first epochs.
  const auto r = run_linlearn("train --predictor_type regressor --train " + data_path("diabetes/train.csv") +
                                  " --num_models 3 --learning_rate 1e6 --optimizer sgd --epochs 3 --quiet "
                                  "--output-dir " +
                                  dir.path("out"),
                              dir.path());
  ASSERT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("report.html"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out/model.pb")));
  const std::string html = slurp(dir.path("out/report.html"));
  ASSERT_FALSE(html.empty());
  EXPECT_TRUE(html.ends_with("</html>\n"));
  EXPECT_NE(html.find("<h2>No model was selected</h2>"), std::string::npos);
  EXPECT_NE(html.find("Every one of the 3 models diverged"), std::string::npos);
  for (const char* model : {"model 0: diverged at epoch", "model 1: diverged at epoch", "model 2: diverged at epoch"})
    EXPECT_NE(html.find(model), std::string::npos) << model;
  // The diagnostics say what to change.
  EXPECT_NE(html.find("<code>divergence</code>"), std::string::npos);
  EXPECT_NE(html.find("No model was selected, so there are no predictions to chart."), std::string::npos);
}

}  // namespace
}  // namespace linlearn
