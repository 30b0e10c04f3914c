// The HTML report: sections present, charts drawn, nothing external, strings escaped.
#include "linlearn/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "eval/sample_report.h"
#include "eval/svg_chart.h"

namespace linlearn {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

std::string without(std::string text, const std::string& needle) {
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at))
    text.erase(at, needle.size());
  return text;
}

TEST(ReportTest, BinaryReportHasEverySection) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_TRUE(html.ends_with("</html>\n"));
  for (const char* section : {"linlearn training report", "Diagnostics", "Final metrics", "Training curves",
                              "ROC curve (AUC", "Precision-recall (at the threshold", "Hyperparameters",
                              "early_stopped", "binary_classification_accuracy", "threshold 0.42", "best epoch"}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
  // train loss, validation loss and the validation criterion, plus ROC and precision-recall.
  EXPECT_EQ(count(html, "<svg "), 5U);
  EXPECT_EQ(count(html, "</svg>"), 5U);
}

TEST(ReportTest, SelectedModelIsHighlightedOthersGreyAndTheDivergedOneRed) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  // One thick blue line per training chart, for model 1 of 4.
  EXPECT_EQ(count(html, "fill=\"none\" stroke=\"#2563eb\" stroke-width=\"2.6\""), 3U);
  EXPECT_NE(html.find("model 1 (selected)"), std::string::npos);
  // Two grey models per chart; the diverged one is red, broken by its nulls, never drawn past them.
  EXPECT_EQ(count(html, "fill=\"none\" stroke=\"#c3c8d1\" stroke-width=\"1\""), 6U);
  EXPECT_EQ(count(html, "fill=\"none\" stroke=\"#ef9a9a\" stroke-width=\"1.4\""), 3U);
  EXPECT_EQ(count(html, ">diverged</text>"), 3U);
  EXPECT_NE(html.find("train:objective_loss (clipped)"), std::string::npos);
}

TEST(ReportTest, NothingExternalAndStringsEscaped) {
  const testing::SampleReport sample = testing::sample_binary_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  EXPECT_EQ(without(html, "xmlns=\"http://www.w3.org/2000/svg\"").find("http"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(without(html, "url(#").find("url("), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &gt; 10x"), std::string::npos);
  EXPECT_NE(html.find("auto &lt;resolved&gt; &amp; &quot;logistic&quot;"), std::string::npos);
}

TEST(ReportTest, MulticlassShowsAConfusionMatrix) {
  const testing::SampleReport sample = testing::sample_multiclass_report();
  const std::string html = render_report_html(sample.metrics, sample.curves());
  EXPECT_NE(html.find("<table class=\"confusion\">"), std::string::npos);
  EXPECT_EQ(html.find("ROC curve"), std::string::npos);
  // A header row and one row per class, each with a recall cell.
  EXPECT_EQ(count(html, "<td class=\"total\">"), 5U);
}

TEST(ReportTest, ConfusionMatrixCountsAreWeighted) {
  nlohmann::json metrics{{"predictor_type", "multiclass_classifier"}};
  const std::vector<float> probs{0.8f, 0.2f, 0.3f, 0.7f, 0.6f, 0.4f};
  const std::vector<float> labels{0, 1, 1};
  const std::vector<float> weights{2.5f, 1, 4};
  ReportCurves curves{"multiclass_classifier", "validation", 2, 0.5, probs, labels, weights};
  const std::string html = render_report_html(metrics, curves);
  // Row 1: one record (weight 4) predicted 0, one (weight 1) predicted 1: recall 0.2.
  EXPECT_NE(html.find(">2.5</td>"), std::string::npos);
  EXPECT_NE(html.find(">4</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"total\">0.2</td>"), std::string::npos);
}

TEST(ReportTest, RegressionScatterIsSubsampled) {
  const testing::SampleReport sample = testing::sample_regression_report(5000);
  const std::string html = render_report_html(sample.metrics, sample.curves());
  EXPECT_NE(html.find("Residuals vs prediction (2000 of 5000 records"), std::string::npos);
  EXPECT_EQ(count(html, "r=\"2.2\""), 2000U);
  const testing::SampleReport small = testing::sample_regression_report(300);
  EXPECT_EQ(count(render_report_html(small.metrics, small.curves()), "r=\"2.2\""), 300U);
}

TEST(ReportTest, MissingPartsAreLeftOut) {
  ReportCurves curves;
  curves.predictor_type = "regressor";
  const std::string html = render_report_html(nlohmann::json::object(), curves);
  EXPECT_NE(html.find("No per-epoch records."), std::string::npos);
  EXPECT_NE(html.find("No diagnostics"), std::string::npos);
  EXPECT_NE(html.find("No labelled records"), std::string::npos);
  EXPECT_EQ(html.find("Final metrics"), std::string::npos);
}

TEST(ReportTest, BinaryWithOneClassExplainsInsteadOfDrawing) {
  const std::vector<float> scores{0.2f, 0.7f};
  const std::vector<float> labels{1, 1};
  const std::string html = render_report_html(nlohmann::json::object(),
                                              ReportCurves{"binary_classifier", "train", 0, 0.5, scores, labels, {}});
  EXPECT_NE(html.find("need both classes"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
}

TEST(ReportTest, MismatchedCurvesAreRejected) {
  const std::vector<float> scores{0.2f, 0.7f, 0.1f};
  const std::vector<float> labels{1, 0};
  EXPECT_THROW(render_report_html(nlohmann::json::object(),
                                  ReportCurves{"binary_classifier", "train", 0, 0.5, scores, labels, {}}),
               std::invalid_argument);
}

TEST(SvgChartTest, HtmlEscape) {
  EXPECT_EQ(detail::html_escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(detail::html_escape("plain"), "plain");
}

TEST(SvgChartTest, NiceTicks) {
  EXPECT_EQ(detail::nice_ticks(0.0, 1.0, 5), (std::vector<double>{0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0}));
  const std::vector<double> ticks = detail::nice_ticks(0.27, 0.83, 5);
  ASSERT_FALSE(ticks.empty());
  EXPECT_GE(ticks.front(), 0.27);
  EXPECT_LE(ticks.back(), 0.83);
  EXPECT_EQ(detail::nice_ticks(0.0, 11.0, 6), (std::vector<double>{0, 2, 4, 6, 8, 10}));
}

TEST(SvgChartTest, NonFiniteValuesBreakLines) {
  detail::ChartSpec chart;
  chart.id = "t";
  chart.x_range = {0, 4};
  chart.y_range = {0, 4};
  chart.series.push_back({{{0, 1}, {1, 2}, {2, NAN}, {3, 1}, {4, 2}}, "#000000", 1.0, false, false, 1.0, "a line"});
  const std::string svg = detail::render_chart_svg(chart);
  EXPECT_EQ(count(svg, "stroke=\"#000000\""), 2U);
  EXPECT_EQ(svg.find("nan,"), std::string::npos);
  EXPECT_EQ(svg.find(",nan"), std::string::npos);
}

}  // namespace
}  // namespace linlearn
