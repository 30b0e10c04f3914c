// The training curves of the HTML report (see training_curves.h).
#include "eval/training_curves.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "eval/report_json.h"
#include "eval/report_models.h"
#include "eval/svg_chart.h"

namespace linlearn::detail {
namespace {

using nlohmann::json;

constexpr const char* kSelectedColor = "#2563eb";
constexpr const char* kOtherModelColor = "#c3c8d1";
constexpr const char* kDivergedColor = "#ef9a9a";

// Per model: (epoch from 1, value) pairs of one per-epoch metric; null or missing values break the line.
using ModelCurves = std::map<int, std::vector<std::pair<double, double>>>;

std::vector<std::string> epoch_metric_names(const json& epochs) {
  std::vector<std::string> names;
  for (const json& epoch : epochs) {
    const json* models = json_at(epoch, {"models"});
    if (models == nullptr || !models->is_array()) continue;
    for (const json& model : *models) {
      if (!model.is_object()) continue;
      for (const auto& [key, value] : model.items()) {
        if ((value.is_number() || value.is_null()) && key.find(':') != std::string::npos &&
            std::find(names.begin(), names.end(), key) == names.end()) {
          names.push_back(key);
        }
      }
    }
  }
  // Loss charts first (train before validation), then the criteria.
  const auto rank = [](const std::string& name) {
    return name == "train:objective_loss" ? 0 : name == "validation:objective_loss" ? 1 : 2;
  };
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  return names;
}

ModelCurves curves_of(const json& epochs, const std::string& metric) {
  ModelCurves curves;
  for (std::size_t e = 0; e < epochs.size(); ++e) {
    const json* epoch_number = json_at(epochs[e], {"epoch"});
    const double epoch =
        1.0 + (epoch_number && epoch_number->is_number() ? epoch_number->get<double>() : static_cast<double>(e));
    const json* models = json_at(epochs[e], {"models"});
    if (models == nullptr || !models->is_array()) continue;
    for (std::size_t m = 0; m < models->size(); ++m) {
      const json& model = (*models)[m];
      const json* index = json_at(model, {"index"});
      const int model_index = index && index->is_number_integer() ? index->get<int>() : static_cast<int>(m);
      const json* value = json_at(model, {metric.c_str()});
      if (value == nullptr) continue;
      curves[model_index].emplace_back(epoch, value->is_number() ? value->get<double>() : NAN);
    }
  }
  return curves;
}

struct YAxis {
  Range range;
  bool log = false;
};

bool diverged(const std::map<int, ModelInfo>& models, int index) {
  const auto info = models.find(index);
  return info != models.end() && info->second.status == "diverged";
}

// The finite values the axis is fitted to: a diverged model's say only that it diverged, so they
// run off the axis (marked at its edge) unless every model diverged.
std::vector<double> fitted_values(const ModelCurves& curves, const std::map<int, ModelInfo>& models, bool& all) {
  std::vector<double> values;
  for (const bool skip_diverged : {true, false}) {
    for (const auto& [index, points] : curves)
      for (const auto& [epoch, value] : points)
        if (std::isfinite(value) && !(skip_diverged && diverged(models, index))) values.push_back(value);
    all = !skip_diverged;
    if (!values.empty()) break;
  }
  std::sort(values.begin(), values.end());
  return values;
}

// Values spanning more than three powers of ten (positive, as losses are) go on a log axis, where
// they are all readable. Otherwise the axis shows every curve it fits unless a few runaway values
// would flatten the rest: then the top is capped at the larger of the selected model's maximum and
// the 90th percentile.
YAxis y_axis_of(const ModelCurves& curves, int selected, const std::map<int, ModelInfo>& models) {
  bool all = false;
  const std::vector<double> values = fitted_values(curves, models, all);
  if (values.empty()) return {{0.0, 1.0}};
  if (values.front() > 0.0 && values.back() > 1000.0 * values.front()) {
    const double pad = std::pow(values.back() / values.front(), 0.05);
    return {{values.front() / pad, values.back() * pad}, true};
  }
  double selected_max = -INFINITY;
  if (const auto it = curves.find(selected); it != curves.end())
    for (const auto& [epoch, value] : it->second)
      if (std::isfinite(value)) selected_max = std::max(selected_max, value);
  const double percentile_90 = values[(values.size() - 1) * 9 / 10];
  const double cap = std::max(selected_max, percentile_90);
  // Runaway means the outliers would take more than half of the chart's height.
  const bool runaway = !all && values.back() - values.front() > 2.0 * (cap - values.front());
  const double top = runaway ? cap : values.back();
  const double pad = 0.06 * (top - values.front());
  return {{values.front() - pad, top + pad}};
}

// Whether any finite value lies outside the axis: its line runs off the plot.
bool runs_off(const ModelCurves& curves, const YAxis& axis) {
  for (const auto& [index, points] : curves)
    for (const auto& [epoch, value] : points)
      if (std::isfinite(value) && (value > axis.range.high || value < axis.range.low)) return true;
  return false;
}

// The line of one model in a training chart: grey, or red when it diverged, with its description
// on hover.
ChartSeries other_model_series(const std::vector<std::pair<double, double>>& points, int index,
                               const std::map<int, ModelInfo>& models) {
  const auto info = models.find(index);
  const bool is_diverged = diverged(models, index);
  return {points,
          is_diverged ? kDivergedColor : kOtherModelColor,
          is_diverged ? 1.4 : 1.0,
          false,
          false,
          1.0,
          info != models.end() ? info->second.description : fmt::format("model {}", index)};
}

struct ChartContext {
  int selected = -1;
  const json* selected_epoch = nullptr;  // 0-based, as in metrics.json
  std::map<int, ModelInfo> models;
};

bool any_finite(const ModelCurves& curves) {
  for (const auto& [index, points] : curves)
    for (const auto& [epoch, value] : points)
      if (std::isfinite(value)) return true;
  return false;
}

// The selected model's line, its best epoch's dot and their legend entries.
void add_selected(ChartSpec& chart, const ModelCurves& curves, const ChartContext& context) {
  const auto selected = curves.find(context.selected);
  if (selected == curves.end()) return;
  const auto info = context.models.find(context.selected);
  chart.series.push_back({selected->second, kSelectedColor, 2.6, false, false, 1.0,
                          info != context.models.end() ? info->second.description + " (selected)" : "selected model"});
  chart.legend.push_back(
      {fmt::format("model {} (selected)", context.selected), kSelectedColor, 2.6, LegendMark::kLine});
  if (context.selected_epoch == nullptr || !context.selected_epoch->is_number()) return;
  for (const auto& [epoch, value] : selected->second) {
    if (epoch == context.selected_epoch->get<double>() + 1 && std::isfinite(value)) {
      // Named in the legend: a label by the dot would cross the curve at a minimum or maximum.
      chart.markers.push_back({epoch, value, "", kSelectedColor, LabelSide::kAbove});
      chart.legend.push_back({"best epoch", kSelectedColor, 0.0, LegendMark::kDot});
    }
  }
}

std::string render_epoch_chart(const json& epochs, const std::string& metric, const ChartContext& context,
                               std::size_t chart_number) {
  const ModelCurves curves = curves_of(epochs, metric);
  if (!any_finite(curves)) return "";
  ChartSpec chart;
  chart.id = fmt::format("epochs-{}", chart_number);
  chart.x_label = "epoch";
  // The caption names the channel; the axis only needs the metric, which then fits the plot's height.
  chart.y_label = metric.substr(metric.find(':') + 1);
  chart.integer_x_ticks = true;
  Range epochs_range{INFINITY, -INFINITY};
  bool any_other = false;
  bool any_diverged = false;
  for (const auto& [index, points] : curves) {
    for (const auto& point : points)
      epochs_range = {std::min(epochs_range.low, point.first), std::max(epochs_range.high, point.first)};
    if (index == context.selected) continue;
    chart.series.push_back(other_model_series(points, index, context.models));
    (chart.series.back().color == kDivergedColor ? any_diverged : any_other) = true;
  }
  chart.x_range = epochs_range;
  const YAxis y_axis = y_axis_of(curves, context.selected, context.models);
  chart.y_range = y_axis.range;
  chart.log_y = y_axis.log;
  add_selected(chart, curves, context);
  if (any_other)
    chart.legend.push_back(
        {context.selected < 0 ? "models" : "other models", kOtherModelColor, 1.0, LegendMark::kLine});
  if (any_diverged) chart.legend.push_back({"diverged", kDivergedColor, 1.4, LegendMark::kLine});
  const bool clipped = runs_off(curves, y_axis);
  if (clipped) chart.legend.push_back({"off the chart", kOtherModelColor, 1.0, LegendMark::kTriangle});
  std::string caption = metric;
  if (y_axis.log) caption += " (log scale)";
  if (clipped) caption += " (clipped)";
  return "<figure><figcaption>" + html_escape(caption) + "</figcaption>\n" + render_chart_svg(chart) + "</figure>\n";
}

}  // namespace

std::string render_training_curves(const json& metrics) {
  const json* epochs = json_at(metrics, {"epochs"});
  ChartContext context{index_at(metrics, {"selected_model", "index"}), json_at(metrics, {"selected_model", "epoch"}),
                       describe_models(metrics)};
  std::string charts;
  const bool any_epochs = epochs != nullptr && epochs->is_array() && !epochs->empty();
  if (any_epochs) {
    std::size_t chart_number = 0;
    for (const std::string& metric : epoch_metric_names(*epochs))
      charts += render_epoch_chart(*epochs, metric, context, chart_number++);
  }
  std::string html = "<section class=\"card\">\n<h2>Training curves <span class=\"muted\">(every model per epoch; " +
                     std::string(context.selected < 0 ? "none was selected" : "the selected one highlighted") +
                     "; hover over a line for its model)</span></h2>\n";
  if (charts.empty())
    return html + "<p class=\"note\">" +
           (any_epochs ? "No curve to draw: every per-epoch value is NaN or infinite (the models table says when each "
                         "model stopped)."
                       : "No per-epoch records.") +
           "</p>\n</section>\n";
  return html + "<div class=\"charts\">\n" + charts + "</div>\n</section>\n";
}

}  // namespace linlearn::detail
