// Charts of the selected model's predictions for the HTML report (see prediction_charts.h).
#include "eval/prediction_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "eval/binary_confusion.h"
#include "eval/svg_chart.h"
#include "linlearn/metrics.h"

namespace linlearn::detail {
namespace {

constexpr const char* kAccent = "#2563eb";
constexpr const char* kThresholdColor = "#dc2626";
constexpr const char* kReferenceColor = "#9aa1ac";
// Curves with more vertices than this are thinned; the eye cannot tell the difference.
constexpr std::size_t kMaxCurvePoints = 800;
constexpr std::size_t kMaxConfusionClasses = 30;
constexpr Range kUnitRange{-0.02, 1.02};

std::vector<std::pair<double, double>> thinned(const std::vector<std::pair<double, double>>& points) {
  if (points.size() <= kMaxCurvePoints) return points;
  const std::size_t stride = (points.size() + kMaxCurvePoints - 1) / kMaxCurvePoints;
  std::vector<std::pair<double, double>> kept;
  for (std::size_t i = 0; i < points.size(); i += stride) kept.push_back(points[i]);
  if (kept.back() != points.back()) kept.push_back(points.back());
  return kept;
}

std::string figure(const std::string& caption, const std::string& svg) {
  return "<figure><figcaption>" + html_escape(caption) + "</figcaption>\n" + svg + "</figure>\n";
}

// The ROC and precision-recall curves of a binary channel, and its confusion at the threshold.
struct BinaryCurves {
  std::vector<std::pair<double, double>> roc{{0.0, 0.0}};
  std::vector<std::pair<double, double>> precision_recall;
  BinaryConfusion at_threshold;
  double positives = 0.0;
  double negatives = 0.0;
};

BinaryCurves binary_curves(const ReportCurves& curves) {
  BinaryCurves c;
  for (std::size_t i = 0; i < curves.labels.size(); ++i) {
    const bool positive = is_positive_label(curves.labels[i]);
    const double w = weight_at(curves.weights, i);
    (positive ? c.positives : c.negatives) += w;
    c.at_threshold.add(curves.scores[i] > curves.threshold, positive, w);
  }
  if (c.positives <= 0.0 || c.negatives <= 0.0) return c;
  // One sweep down the sorted scores; each group of equal scores is one step of both curves.
  double true_positive = 0.0;
  double false_positive = 0.0;
  for_each_score_group(sorted_by_descending_score(curves.scores, curves.labels, curves.weights), [&](auto first,
                                                                                                     auto last) {
    for (auto it = first; it != last; ++it) (it->positive ? true_positive : false_positive) += it->weight;
    c.roc.emplace_back(false_positive / c.negatives, true_positive / c.positives);
    if (true_positive + false_positive > 0.0)
      c.precision_recall.emplace_back(true_positive / c.positives, true_positive / (true_positive + false_positive));
  });
  return c;
}

ChartSpec unit_chart(const char* id, const char* x_label, const char* y_label) {
  ChartSpec chart;
  chart.id = id;
  chart.x_label = x_label;
  chart.y_label = y_label;
  chart.width = 500;
  chart.height = 400;
  // A little room beyond 0 and 1, so curves along the edges are not half clipped.
  chart.x_range = chart.y_range = kUnitRange;
  return chart;
}

ChartSpec roc_chart(const BinaryCurves& c, const std::string& threshold_label) {
  ChartSpec chart = unit_chart("roc", "false positive rate", "true positive rate");
  chart.series.push_back({{{0.0, 0.0}, {1.0, 1.0}}, kReferenceColor, 1.0, true, false, 1.0, "chance"});
  chart.series.push_back({thinned(c.roc), kAccent, 2.2, false, false, 1.0, "ROC curve of the selected model"});
  // Below-right of a ROC curve is empty: every other point of it lies up or to the left.
  chart.markers.push_back({c.at_threshold.false_positive / c.negatives, c.at_threshold.recall(), threshold_label,
                           kThresholdColor, LabelSide::kBelowRight});
  chart.legend = {{"ROC curve", kAccent, 2.2, LegendMark::kLine},
                  {"chance", kReferenceColor, 1.0, LegendMark::kDashedLine}};
  return chart;
}

ChartSpec precision_recall_chart(const BinaryCurves& c, const std::string& threshold_label) {
  ChartSpec chart = unit_chart("precision-recall", "recall", "precision");
  const double base_rate = c.positives / (c.positives + c.negatives);
  chart.series.push_back({{{0.0, base_rate}, {1.0, base_rate}},
                          kReferenceColor,
                          1.0,
                          true,
                          false,
                          1.0,
                          "positive rate " + format_number(base_rate, 3)});
  chart.series.push_back(
      {thinned(c.precision_recall), kAccent, 2.2, false, false, 1.0, "precision-recall curve of the selected model"});
  // Below-left of a precision-recall curve is empty: lower recall comes with higher precision.
  chart.markers.push_back(
      {c.at_threshold.recall(), c.at_threshold.precision(), threshold_label, kThresholdColor, LabelSide::kBelowLeft});
  chart.legend = {{"precision-recall", kAccent, 2.2, LegendMark::kLine},
                  {"positive rate", kReferenceColor, 1.0, LegendMark::kDashedLine}};
  return chart;
}

std::string render_binary(const ReportCurves& curves) {
  const BinaryCurves c = binary_curves(curves);
  if (c.positives <= 0.0 || c.negatives <= 0.0) {
    return "<p class=\"note\">ROC and precision-recall curves need both classes; the " + html_escape(curves.channel) +
           " channel has only one.</p>\n";
  }
  const MetricMap metrics = binary_metrics(curves.scores, curves.labels, curves.weights, curves.threshold, 1.0);
  const std::string threshold_label = "threshold " + format_number(curves.threshold);
  return "<div class=\"charts\">\n" +
         figure(fmt::format("ROC curve (AUC {})", format_number(metrics.at("roc_auc_score"), 3)),
                render_chart_svg(roc_chart(c, threshold_label))) +
         // Short enough for one line, so both charts start at the same height.
         figure(fmt::format("Precision-recall (at the threshold: precision {}, recall {})",
                            format_number(metrics.at("precision"), 3), format_number(metrics.at("recall"), 3)),
                render_chart_svg(precision_recall_chart(c, threshold_label))) +
         "</div>\n";
}

std::string render_confusion_matrix(const ReportCurves& curves) {
  const auto classes = static_cast<std::size_t>(std::max(curves.num_classes, 1));
  std::vector<double> counts(classes * classes, 0.0);
  std::vector<double> row_totals(classes, 0.0);
  for (std::size_t r = 0; r < curves.labels.size(); ++r) {
    const auto row = curves.scores.subspan(r * classes, classes);
    const auto predicted = static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
    const double label = std::round(static_cast<double>(curves.labels[r]));
    if (label < 0.0 || label >= static_cast<double>(classes)) continue;
    const auto truth = static_cast<std::size_t>(label);
    const double w = weight_at(curves.weights, r);
    counts[truth * classes + predicted] += w;
    row_totals[truth] += w;
  }

  const std::size_t shown = std::min(classes, kMaxConfusionClasses);
  std::string html =
      "<div class=\"scroll\"><table class=\"confusion\">\n<tr><th class=\"corner\">true \\ predicted</th>";
  for (std::size_t c = 0; c < shown; ++c) html += fmt::format("<th>{}</th>", c);
  html += "<th class=\"total\">recall</th></tr>\n";
  for (std::size_t t = 0; t < shown; ++t) {
    html += fmt::format("<tr><th>{}</th>", t);
    for (std::size_t p = 0; p < shown; ++p) {
      const double count = counts[t * classes + p];
      // Shade by the share of the true class's weight, so rare classes read as clearly as common ones.
      const double share = row_totals[t] > 0.0 ? count / row_totals[t] : 0.0;
      html += fmt::format(
          "<td style=\"background:rgba(37,99,235,{:.3f});color:{}\" title=\"{:.1f}% of class {}\">{}</td>", share,
          share > 0.55 ? "#ffffff" : "#1f2430", 100.0 * share, t, count > 0.0 ? format_number(count) : "");
    }
    const double recall = row_totals[t] > 0.0 ? counts[t * classes + t] / row_totals[t] : 0.0;
    html += fmt::format("<td class=\"total\">{}</td></tr>\n", format_number(recall, 3));
  }
  html += "</table></div>\n";
  html += "<p class=\"note\">Rows: true class; columns: predicted class. Weighted counts of the " +
          html_escape(curves.channel) + " channel's records; shade: the cell's share of its row.</p>\n";
  if (shown < classes) {
    html += fmt::format("<p class=\"note\">Showing the first {} of {} classes.</p>\n", shown, classes);
  }
  return html;
}

std::string render_residuals(const ReportCurves& curves) {
  const std::size_t n = curves.labels.size();
  const std::size_t shown = std::min(n, kMaxScatterPoints);
  ChartSeries dots;
  dots.scatter = true;
  dots.color = kAccent;
  dots.opacity = 0.45;
  dots.title = "a record of the " + curves.channel + " channel: its prediction and residual";
  Range x{INFINITY, -INFINITY};
  Range y{INFINITY, -INFINITY};
  // Evenly spaced records: a deterministic subsample spread over the whole channel.
  for (std::size_t j = 0; j < shown; ++j) {
    const std::size_t i = j * n / shown;
    const double prediction = curves.scores[i];
    const double residual = static_cast<double>(curves.labels[i]) - prediction;
    if (!std::isfinite(prediction) || !std::isfinite(residual)) continue;
    dots.points.emplace_back(prediction, residual);
    x = {std::min(x.low, prediction), std::max(x.high, prediction)};
    y = {std::min(y.low, residual), std::max(y.high, residual)};
  }
  if (dots.points.empty()) return "<p class=\"note\">No finite predictions to plot.</p>\n";
  const auto padded = [](Range r) {
    const double pad = 0.04 * (r.high - r.low);
    return Range{r.low - pad, r.high + pad};
  };

  ChartSpec chart;
  chart.id = "residuals";
  chart.x_label = "prediction";
  chart.y_label = "residual (label - prediction)";
  chart.width = 1000;
  chart.height = 400;
  chart.x_range = padded(x);
  chart.y_range = padded({std::min(y.low, 0.0), std::max(y.high, 0.0)});
  chart.series.push_back(
      {{{chart.x_range.low, 0.0}, {chart.x_range.high, 0.0}}, kReferenceColor, 1.2, true, false, 1.0, "zero residual"});
  chart.series.push_back(std::move(dots));
  const std::size_t plotted = chart.series.back().points.size();
  const MetricMap metrics = regression_metrics(curves.scores, curves.labels, curves.weights);
  return figure(fmt::format("Residuals vs prediction ({} of {} records; rmse {}, r2 {})", plotted, n,
                            format_number(metrics.at("rmse")), format_number(metrics.at("r2"))),
                render_chart_svg(chart));
}

}  // namespace

std::string render_prediction_section(const ReportCurves& curves) {
  const std::size_t per_record =
      curves.predictor_type == "multiclass_classifier" ? static_cast<std::size_t>(std::max(curves.num_classes, 1)) : 1;
  if (curves.scores.size() != curves.labels.size() * per_record ||
      (!curves.weights.empty() && curves.weights.size() != curves.labels.size())) {
    throw std::invalid_argument("render_report_html: scores, labels and weights of the curves do not line up");
  }
  std::string title;
  std::string body;
  if (curves.labels.empty()) {
    body = "<p class=\"note\">No labelled records to evaluate.</p>\n";
  }
  if (curves.predictor_type == "binary_classifier") {
    title = "ROC and precision-recall";
    if (body.empty()) body = render_binary(curves);
  } else if (curves.predictor_type == "multiclass_classifier") {
    title = "Confusion matrix";
    if (body.empty()) body = render_confusion_matrix(curves);
  } else {
    title = "Residuals";
    if (body.empty()) body = render_residuals(curves);
  }
  const std::string sampled =
      curves.channel_records > curves.labels.size()
          ? fmt::format(", a uniform sample of {} of its {} records", curves.labels.size(), curves.channel_records)
          : "";
  return "<section class=\"card\">\n<h2>" + html_escape(title) + " <span class=\"muted\">(" +
         html_escape(curves.channel) + " channel" + sampled + ", selected model)</span></h2>\n" + body + "</section>\n";
}

}  // namespace linlearn::detail
