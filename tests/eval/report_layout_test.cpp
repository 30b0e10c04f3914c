// The HTML report's layout rules: only hyperparameters that apply, values that wrap between their
// parts, curves clipped to the plot and named on hover, labels off the curves, the channel named, and
// a report for a run in which every model diverged.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "eval/sample_report.h"
#include "linlearn/hyperparameters.h"
#include "linlearn/report.h"

namespace linlearn {
namespace {

using nlohmann::json;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The hyperparameters section alone, so that names elsewhere in the page do not count.
std::string hyperparameter_section(const std::string& html) {
  const std::size_t start = html.find("<h2>Hyperparameters");
  EXPECT_NE(start, std::string::npos);
  return html.substr(start, html.find("</section>", start) - start);
}

bool shows_hyperparameter(const std::string& section, const std::string& name) {
  std::string key;
  for (const char c : name) key += c == '_' ? std::string("_<wbr>") : std::string(1, c);
  return section.find("<span class=\"k\">" + key + "</span>") != std::string::npos;
}

TEST(HyperparameterRelevance, FollowsPredictorLossOptimizerAndSwitches) {
  const json regressor{{"predictor_type", "regressor"}, {"loss", "huber_loss"}, {"optimizer", "sgd"},
                       {"init_method", "normal"},       {"use_bias", false},    {"use_lr_scheduler", true},
                       {"normalize_data", false},       {"unbias_data", false}, {"normalize_label", true}};
  for (const char* name : {"huber_delta", "momentum", "init_sigma", "lr_scheduler_step", "normalize_label",
                           "num_point_for_scaler", "learning_rate", "a_future_hyperparameter"})
    EXPECT_TRUE(hyperparameter_applies(name, regressor)) << name;
  for (const char* name :
       {"binary_classifier_model_selection_criteria", "target_recall", "quantile", "margin", "beta_1", "init_scale",
        "bias_lr_mult", "accuracy_top_k", "num_classes", "f_beta", "positive_example_weight_mult"})
    EXPECT_FALSE(hyperparameter_applies(name, regressor)) << name;

  const json binary{{"predictor_type", "binary_classifier"},
                    {"loss", "logistic"},
                    {"optimizer", "adam"},
                    {"binary_classifier_model_selection_criteria", "precision_at_target_recall"}};
  EXPECT_TRUE(hyperparameter_applies("target_recall", binary));
  EXPECT_FALSE(hyperparameter_applies("target_precision", binary));
  EXPECT_TRUE(hyperparameter_applies("beta_2", binary));
  EXPECT_FALSE(hyperparameter_applies("momentum", binary));
  EXPECT_FALSE(hyperparameter_applies("normalize_label", binary));
  EXPECT_TRUE(hyperparameter_applies("num_classes", {{"predictor_type", "multiclass_classifier"}}));
}

TEST(ReportLayout, HyperparametersThatDoNotApplyAreLeftOut) {
  const testing::SampleReport regression = testing::sample_regression_report(50);
  const std::string section = hyperparameter_section(render_report_html(regression.metrics, regression.curves()));
  for (const char* name : {"learning_rate", "optimizer", "mini_batch_size", "loss"})
    EXPECT_TRUE(shows_hyperparameter(section, name)) << name;
  for (const char* name : {"binary_classifier_model_selection_criteria", "target_precision", "accuracy_top_k",
                           "num_classes", "quantile", "huber_delta", "momentum"})
    EXPECT_FALSE(shows_hyperparameter(section, name)) << name;

  const testing::SampleReport multiclass = testing::sample_multiclass_report();
  const std::string multiclass_section =
      hyperparameter_section(render_report_html(multiclass.metrics, multiclass.curves()));
  EXPECT_TRUE(shows_hyperparameter(multiclass_section, "num_classes"));
  EXPECT_TRUE(shows_hyperparameter(multiclass_section, "accuracy_top_k"));
  EXPECT_FALSE(shows_hyperparameter(multiclass_section, "binary_classifier_model_selection_criteria"));
}

TEST(ReportLayout, LongValuesWrapAtCommasAndNamesAtUnderscoresNeverMidWord) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  const std::string section = hyperparameter_section(html);
  EXPECT_NE(section.find("<div class=\"long\"><span class=\"k\">grid</span><span class=\"v\">[0.001,<wbr>0.003,<wbr>"),
            std::string::npos);
  EXPECT_NE(section.find("<span class=\"v\">adam</span>"), std::string::npos);
  // Nothing in the style sheet lets text break inside a word.
  EXPECT_EQ(html.find("overflow-wrap:anywhere"), std::string::npos);
  EXPECT_EQ(html.find("word-break:break-all"), std::string::npos);
}

TEST(ReportLayout, EveryCurveIsClippedToItsPlotAndTitled) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  // 3 training charts, ROC and precision-recall: each clips its series to its own plot area.
  for (const char* id : {"epochs-0", "epochs-1", "epochs-2", "roc", "precision-recall"}) {
    EXPECT_NE(html.find(std::string("<clipPath id=\"") + id + "-clip\">"), std::string::npos) << id;
    EXPECT_NE(html.find(std::string("<g clip-path=\"url(#") + id + "-clip)\">"), std::string::npos) << id;
  }
  // 4 models in each training chart and 2 curves in each of ROC and precision-recall.
  EXPECT_EQ(count(html, "<g><title>"), 3U * 4U + 4U);
  // Epochs counted from 1: metrics.json's stopped_at_epoch 3 is the fourth epoch.
  EXPECT_NE(html.find("<title>model 0: pruned after epoch 4; learning_rate 0.1, optimizer adam</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<title>model 3: diverged at epoch 8; learning_rate 0.4, optimizer adam</title>"),
            std::string::npos);
  EXPECT_NE(html.find("<title>model 1: stopped early at epoch 12; learning_rate 0.05, optimizer adam (selected)"),
            std::string::npos);
  // The diverged model's runaway loss leaves the top of both loss charts: marked at the edge, and
  // the legend says what the mark means.
  EXPECT_GE(count(html, " h10 l-5 -9 z\" fill=\"#ef9a9a\" stroke=\"#4b5563\""), 2U);
  EXPECT_GE(count(html, ">off the chart</text>"), 2U);
}

struct Box {
  double left, top, right, bottom;
  bool contains(double x, double y) const { return x >= left && x <= right && y >= top && y <= bottom; }
};

// The threshold label's box in one chart (between its clip path and the next </svg>), estimated as
// the renderer does (6.6 px per character, 11 px high), and the vertices of its blue curve.
void label_and_curve(const std::string& html, const std::string& chart_id, Box& label,
                     std::vector<std::pair<double, double>>& curve) {
  const std::size_t start = html.find("<clipPath id=\"" + chart_id + "-clip\">");
  ASSERT_NE(start, std::string::npos);
  const std::string svg = html.substr(start, html.find("</svg>", start) - start);
  std::smatch text;
  ASSERT_TRUE(std::regex_search(svg, text,
                                std::regex("<text x=\"([0-9.]+)\" y=\"([0-9.]+)\" text-anchor=\"(start|end)\"[^>]*>"
                                           "(threshold [0-9.]+)</text>")));
  const double x = std::stod(text[1]);
  const double y = std::stod(text[2]);
  const double width = 6.6 * static_cast<double>(text[4].length());
  label = text[3] == "start" ? Box{x, y - 11, x + width, y + 2} : Box{x - width, y - 11, x, y + 2};
  std::smatch points;
  ASSERT_TRUE(
      std::regex_search(svg, points, std::regex("<polyline points=\"([^\"]+)\" fill=\"none\" stroke=\"#2563eb\"")));
  std::istringstream in(points[1].str());
  for (std::string pair; in >> pair;) {
    const std::size_t comma = pair.find(',');
    curve.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
}

TEST(ReportLayout, ThresholdLabelsStayOffTheirCurves) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  for (const char* chart : {"roc", "precision-recall"}) {
    Box label{};
    std::vector<std::pair<double, double>> curve;
    label_and_curve(html, chart, label, curve);
    ASSERT_GT(curve.size(), 10U) << chart;
    for (const auto& [x, y] : curve) EXPECT_FALSE(label.contains(x, y)) << chart << ": curve at " << x << "," << y;
  }
}

TEST(ReportLayout, FinalMetricsKeepTheirTrailingZerosSoDecimalsLineUp) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  EXPECT_NE(html.find("<td>0.31000</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>0.33500</td>"), std::string::npos);
}

TEST(ReportLayout, PredictionSectionsNameTheirChannel) {
  testing::SampleReport multiclass = testing::sample_multiclass_report();
  ReportCurves curves = multiclass.curves();
  curves.channel = "test";
  const std::string html = render_report_html(multiclass.metrics, curves);
  EXPECT_NE(html.find("<h2>Confusion matrix <span class=\"muted\">(test channel, selected model)"), std::string::npos);
  EXPECT_NE(html.find("Weighted counts of the test channel's records"), std::string::npos);
}

TEST(ReportLayout, EveryModelDivergedStillShowsWhatHappened) {
  json metrics = testing::sample_metrics("regressor", "mse");
  metrics["selected_model"] = nullptr;
  metrics["final_metrics"] = json::object();
  metrics["convergence"]["status"] = "diverged";
  for (json& model : metrics["models"]) {
    model["status"] = "diverged";
    model["best_criterion"] = nullptr;
  }
  for (json& epoch : metrics["epochs"])
    for (json& model : epoch["models"]) model["status"] = "diverged";
  ReportCurves no_predictions;
  no_predictions.predictor_type = "regressor";
  const std::string html = render_report_html(metrics, no_predictions);
  EXPECT_NE(html.find("<h2>No model was selected</h2>"), std::string::npos);
  EXPECT_NE(html.find("Every one of the 4 models diverged"), std::string::npos);
  EXPECT_NE(html.find("No model was selected, so there are no predictions to chart."), std::string::npos);
  EXPECT_NE(html.find("(4 trained; none selected; criterion"), std::string::npos);
  EXPECT_EQ(count(html, "<td class=\"status\"><span class=\"badge error\">diverged</span></td>"), 4U);
  EXPECT_NE(html.find("<title>model 2: diverged at epoch 12; learning_rate 0.02, optimizer sgd</title>"),
            std::string::npos);
  EXPECT_NE(html.find("of the run; no model was selected"), std::string::npos);
  EXPECT_EQ(html.find("(selected)"), std::string::npos);
  EXPECT_EQ(html.find("Residuals"), std::string::npos);
}

TEST(ReportLayout, ModelsTableMarksTheSelectedModelAndTheirDifferences) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  EXPECT_NE(html.find("<tr class=\"selected\" title=\"model 1: stopped early at epoch 12; learning_rate 0.05, "
                      "optimizer adam\"><td>1</td>"
                      "<td class=\"status\"><span class=\"badge good\">early_stopped"
                      "</span> <span class=\"badge info\">selected</span>"),
            std::string::npos);
  // momentum applies to the sgd model only and beta_1 is the same for every adam model: no difference.
  EXPECT_NE(html.find("<td class=\"differences\">learning_rate 0.02, optimizer sgd</td>"), std::string::npos);
}

// Huge values of a model that did not diverge put the axis on a log scale, where every model shows.
TEST(ReportLayout, HugeLossRangesGoOnALogAxis) {
  json metrics = testing::sample_metrics("regressor", "mse");
  metrics["models"][3]["status"] = "max_epochs";
  for (json& epoch : metrics["epochs"]) {
    json& runaway = epoch["models"][3];
    const int e = epoch["epoch"].get<int>();
    runaway["train:objective_loss"] = std::pow(10.0, e);
    runaway["validation:objective_loss"] = std::pow(10.0, e);
  }
  ReportCurves no_records;
  no_records.predictor_type = "regressor";
  const std::string html = render_report_html(metrics, no_records);
  EXPECT_NE(html.find("train:objective_loss (log scale)"), std::string::npos);
  EXPECT_NE(html.find(">1e10</text>"), std::string::npos);
  EXPECT_EQ(html.find("(clipped)"), std::string::npos);
}

// A diverged model's values say only that it diverged: the axis fits the other models, and its line
// leaves the plot, marked at the edge, instead of squashing them on a log axis.
TEST(ReportLayout, ADivergedModelLeavesTheAxisToTheOthers) {
  json metrics = testing::sample_metrics("regressor", "mse");
  for (json& epoch : metrics["epochs"]) {
    const int e = epoch["epoch"].get<int>();
    epoch["models"][3]["train:objective_loss"] = std::pow(10.0, e);
  }
  ReportCurves no_records;
  no_records.predictor_type = "regressor";
  const std::string html = render_report_html(metrics, no_records);
  EXPECT_EQ(html.find("train:objective_loss (log scale)"), std::string::npos);
  EXPECT_NE(html.find("train:objective_loss (clipped)"), std::string::npos);
  EXPECT_EQ(html.find(">1e10</text>"), std::string::npos);
}

// When every model diverged the axis fits them all: nothing is left to fit it to.
TEST(ReportLayout, EveryModelDivergedFitsTheAxisToThemAll) {
  json metrics = testing::sample_metrics("regressor", "mse");
  for (json& model : metrics["models"]) model["status"] = "diverged";
  ReportCurves no_records;
  no_records.predictor_type = "regressor";
  const std::string html = render_report_html(metrics, no_records);
  EXPECT_EQ(html.find("(clipped)"), std::string::npos);
  EXPECT_EQ(html.find(">off the chart</text>"), std::string::npos);
}

// Null everywhere (every loss NaN from the first epoch): no empty charts, a note instead.
TEST(ReportLayout, NoFiniteValuesMeanNoChartsButANote) {
  json metrics = testing::sample_metrics("regressor", "mse");
  for (json& epoch : metrics["epochs"])
    for (json& model : epoch["models"])
      for (auto& [key, value] : model.items())
        if (key.find(':') != std::string::npos) value = nullptr;
  ReportCurves no_records;
  no_records.predictor_type = "regressor";
  const std::string html = render_report_html(metrics, no_records);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("No curve to draw: every per-epoch value is NaN or infinite"), std::string::npos);
}

}  // namespace
}  // namespace linlearn
