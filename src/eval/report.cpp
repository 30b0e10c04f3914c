// The self-contained HTML training report (see include/linlearn/report.h). Every string that comes
// from the metrics goes through html_escape; the page references nothing outside itself.
#include "linlearn/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "eval/prediction_charts.h"
#include "eval/svg_chart.h"

namespace linlearn {
namespace {

using detail::ChartSeries;
using detail::ChartSpec;
using detail::format_number;
using detail::html_escape;
using nlohmann::json;

constexpr const char* kSelectedColor = "#2563eb";
constexpr const char* kOtherModelColor = "#c3c8d1";

constexpr const char* kStyle = R"css(
*{box-sizing:border-box}
body{margin:0;background:#f4f5f7;color:#1f2430;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
main{max-width:1160px;margin:0 auto;padding:28px 24px 40px}
header h1{font-size:24px;margin:0 0 2px}
.muted{color:#6b7280;font-weight:400}
.subtitle{color:#6b7280;margin:0}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-top:18px}
.stat{background:#fff;border:1px solid #e3e6eb;border-radius:10px;padding:12px 14px}
.stat .label{font-size:11px;color:#6b7280;text-transform:uppercase;letter-spacing:.05em}
.stat.wide{grid-column:span 2}
.stat .value{font-size:19px;font-weight:600;margin-top:2px;overflow-wrap:anywhere}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:10px;padding:18px 22px;margin-top:18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
h2{font-size:16px;margin:0 0 12px}
h2 .muted{font-size:13px}
table{border-collapse:collapse}
.table th,.table td{padding:6px 14px;border-bottom:1px solid #eef0f3;text-align:right;font-variant-numeric:tabular-nums}
.table th{font-size:12px;color:#6b7280;font-weight:600;text-transform:uppercase;letter-spacing:.04em}
.table th:first-child,.table td:first-child{text-align:left;padding-left:0}
.table td:first-child{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.badge{display:inline-block;padding:1px 9px;border-radius:999px;font-size:12px;font-weight:600;vertical-align:middle}
.good{background:#dcfce7;color:#166534}.warning{background:#fef3c7;color:#92400e}
.error{background:#fee2e2;color:#991b1b}.info{background:#dbeafe;color:#1e40af}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:18px 24px}
figure{margin:0}
figcaption{font-size:13px;font-weight:600;margin-bottom:2px}
svg.chart{max-width:100%;height:auto;display:block}
.note{color:#6b7280;font-size:13px;margin:8px 0 0}
ul.diagnostics{list-style:none;margin:0;padding:0}
ul.diagnostics li{padding:8px 0;border-bottom:1px solid #eef0f3}
ul.diagnostics li:last-child{border-bottom:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.suggestion{color:#4b5563;margin-left:2px}
.kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));column-gap:28px}
.kv div{display:flex;justify-content:space-between;gap:12px;border-bottom:1px solid #eef0f3;padding:4px 0}
.kv .k{color:#4b5563}
.kv .v{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;text-align:right;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
.confusion th,.confusion td{padding:0 6px;min-width:40px;height:32px;text-align:center;font-size:12px;font-variant-numeric:tabular-nums}
.confusion td{border:1px solid #fff}
.confusion th{color:#6b7280;font-weight:600}
.confusion .corner{font-weight:400;font-size:11px;text-align:left}
.confusion .total{background:#f4f5f7;color:#1f2430;font-weight:600}
footer{color:#9ca3af;font-size:12px;margin-top:20px;text-align:center}
)css";

// The value at a path of object keys, or nullptr when any step is missing.
const json* find(const json& root, std::initializer_list<const char*> path) {
  const json* node = &root;
  for (const char* key : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

// A JSON scalar as readers expect it: strings bare, numbers compact, null as a dash.
std::string display(const json* value) {
  if (value == nullptr || value->is_null()) return "—";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return value->dump();
  if (value->is_number()) return format_number(value->get<double>(), 5);
  return value->dump();
}

std::string status_badge(const std::string& status) {
  const char* kind = status == "converged" || status == "early_stopped" ? "good"
                     : status == "diverged"                             ? "error"
                     : status == "max_epochs"                           ? "warning"
                                                                        : "info";
  return fmt::format("<span class=\"badge {}\">{}</span>", kind, html_escape(status));
}

std::string stat(const std::string& label, const std::string& value_html, bool wide = false) {
  return std::string("<div class=\"stat") + (wide ? " wide" : "") + "\"><div class=\"label\">" + html_escape(label) +
         "</div><div class=\"value\">" + value_html + "</div></div>\n";
}

std::string render_header(const json& metrics, const ReportCurves& curves) {
  std::string subtitle = html_escape(curves.predictor_type);
  if (const json* version = find(metrics, {"linlearn_version"}))
    subtitle += " · linlearn " + html_escape(display(version));
  if (const json* seed = find(metrics, {"seed"})) subtitle += " · seed " + html_escape(display(seed));
  if (const json* total = find(metrics, {"timing", "total_seconds"}); total && total->is_number()) {
    subtitle += " · " + html_escape(format_number(total->get<double>(), 3)) + " s";
  }
  return "<header><h1>linlearn training report</h1><p class=\"subtitle\">" + subtitle + "</p></header>\n";
}

std::string render_stats(const json& metrics, const ReportCurves& curves) {
  std::string html = "<div class=\"stats\">\n";
  html += stat("predictor", html_escape(curves.predictor_type), true);
  html += stat("selected model", "#" + html_escape(display(find(metrics, {"selected_model", "index"}))));
  html += stat("selected epoch", html_escape(display(find(metrics, {"selected_model", "epoch"}))));
  const json* status = find(metrics, {"convergence", "status"});
  html += stat("status", status && status->is_string() ? status_badge(status->get<std::string>()) : "—");
  if (curves.predictor_type == "binary_classifier") {
    html += stat("threshold", html_escape(format_number(curves.threshold, 4)));
  }
  for (const char* channel : {"train", "validation", "test"}) {
    if (const json* records = find(metrics, {"data", channel, "records"})) {
      html += stat(std::string(channel) + " records", html_escape(display(records)));
    }
  }
  if (const json* dim = find(metrics, {"data", "train", "feature_dim"}))
    html += stat("feature_dim", html_escape(display(dim)));
  return html + "</div>\n";
}

// Rows are metric names, columns the channels that report them ("validation:rmse" -> rmse x validation).
std::string render_final_metrics(const json& metrics) {
  const json* final_metrics = find(metrics, {"final_metrics"});
  if (final_metrics == nullptr || !final_metrics->is_object() || final_metrics->empty()) return "";
  const std::vector<std::string> channels{"train", "validation", "test"};
  std::vector<std::string> names;
  std::map<std::string, std::map<std::string, const json*>> table;
  for (const auto& [key, value] : final_metrics->items()) {
    const std::size_t colon = key.find(':');
    const std::string channel = colon == std::string::npos ? "" : key.substr(0, colon);
    const std::string name = colon == std::string::npos ? key : key.substr(colon + 1);
    if (!table.contains(name)) names.push_back(name);
    table[name][channel] = &value;
  }
  // objective_loss first, then the rest in the order metrics.json lists them.
  std::stable_partition(names.begin(), names.end(), [](const std::string& n) { return n == "objective_loss"; });
  std::vector<std::string> shown_channels;
  for (const std::string& channel : channels) {
    if (std::any_of(names.begin(), names.end(), [&](const std::string& n) { return table[n].contains(channel); })) {
      shown_channels.push_back(channel);
    }
  }
  std::string html = "<section class=\"card\">\n<h2>Final metrics</h2>\n<table class=\"table\"><tr><th>metric</th>";
  for (const std::string& channel : shown_channels) html += "<th>" + channel + "</th>";
  html += "</tr>\n";
  for (const std::string& name : names) {
    html += "<tr><td>" + html_escape(name) + "</td>";
    for (const std::string& channel : shown_channels) {
      const auto it = table[name].find(channel);
      html += "<td>" + html_escape(display(it == table[name].end() ? nullptr : it->second)) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n</section>\n";
}

// Per model: (epoch, value) pairs of one per-epoch metric; null or missing values break the line.
using ModelCurves = std::map<int, std::vector<std::pair<double, double>>>;

std::vector<std::string> epoch_metric_names(const json& epochs) {
  std::vector<std::string> names;
  for (const json& epoch : epochs) {
    const json* models = find(epoch, {"models"});
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
    const json* epoch_number = find(epochs[e], {"epoch"});
    const double epoch =
        epoch_number && epoch_number->is_number() ? epoch_number->get<double>() : static_cast<double>(e);
    const json* models = find(epochs[e], {"models"});
    if (models == nullptr || !models->is_array()) continue;
    for (std::size_t m = 0; m < models->size(); ++m) {
      const json& model = (*models)[m];
      const json* index = find(model, {"index"});
      const int model_index = index && index->is_number_integer() ? index->get<int>() : static_cast<int>(m);
      const json* value = find(model, {metric.c_str()});
      if (value == nullptr) continue;
      curves[model_index].emplace_back(epoch, value->is_number() ? value->get<double>() : NAN);
    }
  }
  return curves;
}

// The y range shows every model's curve unless a few runaway (diverging) values would flatten the
// rest: then the top is capped at the larger of the selected model's maximum and the 90th percentile.
detail::Range y_range_of(const ModelCurves& curves, int selected, bool& clipped) {
  std::vector<double> values;
  double selected_max = -INFINITY;
  for (const auto& [index, points] : curves) {
    for (const auto& [epoch, value] : points) {
      if (!std::isfinite(value)) continue;
      values.push_back(value);
      if (index == selected) selected_max = std::max(selected_max, value);
    }
  }
  if (values.empty()) return {0.0, 1.0};
  std::sort(values.begin(), values.end());
  const double percentile_90 = values[(values.size() - 1) * 9 / 10];
  const double cap = std::max(selected_max, percentile_90);
  // Runaway means the outliers would take more than half of the chart's height.
  clipped = values.back() - values.front() > 2.0 * (cap - values.front());
  const double top = clipped ? cap : values.back();
  const double pad = 0.06 * (top - values.front());
  return {values.front() - pad, top + pad};
}

std::string render_epoch_chart(const json& epochs, const std::string& metric, int selected, const json* selected_epoch,
                               std::size_t chart_number) {
  const ModelCurves curves = curves_of(epochs, metric);
  if (curves.empty()) return "";
  ChartSpec chart;
  chart.id = fmt::format("epochs-{}", chart_number);
  chart.x_label = "epoch";
  chart.y_label = metric;
  chart.integer_x_ticks = true;
  double first_epoch = INFINITY;
  double last_epoch = -INFINITY;
  for (const auto& [index, points] : curves) {
    for (const auto& point : points) {
      first_epoch = std::min(first_epoch, point.first);
      last_epoch = std::max(last_epoch, point.first);
    }
    if (index != selected) chart.series.push_back({points, kOtherModelColor, 1.0, false, false, 1.0});
  }
  chart.x_range = {first_epoch, last_epoch};
  bool clipped = false;
  chart.y_range = y_range_of(curves, selected, clipped);
  const auto selected_curve = curves.find(selected);
  if (selected_curve != curves.end()) {
    chart.series.push_back({selected_curve->second, kSelectedColor, 2.6, false, false, 1.0});
    chart.legend.push_back({fmt::format("model {} (selected)", selected), kSelectedColor, 2.6});
    if (selected_epoch != nullptr && selected_epoch->is_number()) {
      for (const auto& [epoch, value] : selected_curve->second) {
        if (epoch == selected_epoch->get<double>() && std::isfinite(value)) {
          chart.markers.push_back({epoch, value, "best epoch", kSelectedColor});
        }
      }
    }
  }
  if (curves.size() > (selected_curve != curves.end() ? 1U : 0U)) {
    chart.legend.push_back({"other models", kOtherModelColor, 1.0});
  }
  std::string caption = metric;
  if (clipped) caption += " (runaway values clipped at the top)";
  return "<figure><figcaption>" + html_escape(caption) + "</figcaption>\n" + detail::render_chart_svg(chart) +
         "</figure>\n";
}

std::string render_training_curves(const json& metrics) {
  const json* epochs = find(metrics, {"epochs"});
  const json* selected_index = find(metrics, {"selected_model", "index"});
  const int selected = selected_index && selected_index->is_number_integer() ? selected_index->get<int>() : -1;
  std::string charts;
  if (epochs != nullptr && epochs->is_array()) {
    std::size_t chart_number = 0;
    for (const std::string& metric : epoch_metric_names(*epochs)) {
      charts +=
          render_epoch_chart(*epochs, metric, selected, find(metrics, {"selected_model", "epoch"}), chart_number++);
    }
  }
  std::string html =
      "<section class=\"card\">\n<h2>Training curves <span class=\"muted\">(every model per epoch; "
      "the selected one highlighted)</span></h2>\n";
  if (charts.empty()) return html + "<p class=\"note\">No per-epoch records.</p>\n</section>\n";
  return html + "<div class=\"charts\">\n" + charts + "</div>\n</section>\n";
}

std::string render_diagnostics(const json& metrics) {
  std::string html = "<section class=\"card\">\n<h2>Diagnostics</h2>\n";
  const json* diagnostics = find(metrics, {"convergence", "diagnostics"});
  if (diagnostics == nullptr || !diagnostics->is_array() || diagnostics->empty()) {
    return html + "<p class=\"note\">No diagnostics: nothing looked wrong.</p>\n</section>\n";
  }
  html += "<ul class=\"diagnostics\">\n";
  for (const json& diagnostic : *diagnostics) {
    const std::string severity = display(find(diagnostic, {"severity"}));
    const char* kind = severity == "error" ? "error" : severity == "warning" ? "warning" : "info";
    html += fmt::format("<li><span class=\"badge {}\">{}</span> <code>{}</code> {}", kind, html_escape(severity),
                        html_escape(display(find(diagnostic, {"code"}))),
                        html_escape(display(find(diagnostic, {"message"}))));
    if (const json* suggestion = find(diagnostic, {"suggestion"});
        suggestion && suggestion->is_string() && !suggestion->get<std::string>().empty()) {
      html += "<div class=\"suggestion\">→ " + html_escape(suggestion->get<std::string>()) + "</div>";
    }
    html += "</li>\n";
  }
  return html + "</ul>\n</section>\n";
}

std::string render_hyperparameters(const json& metrics) {
  const json* hyperparameters = find(metrics, {"selected_model", "hyperparameters"});
  if (hyperparameters == nullptr || !hyperparameters->is_object()) hyperparameters = find(metrics, {"hyperparameters"});
  if (hyperparameters == nullptr || !hyperparameters->is_object() || hyperparameters->empty()) return "";
  std::string html =
      "<section class=\"card\">\n<h2>Hyperparameters <span class=\"muted\">(selected model)</span></h2>\n"
      "<div class=\"kv\">\n";
  for (const auto& [name, value] : hyperparameters->items()) {
    html += "<div><span class=\"k\">" + html_escape(name) + "</span><span class=\"v\">" + html_escape(display(&value)) +
            "</span></div>\n";
  }
  return html + "</div>\n</section>\n";
}

std::string render_data(const json& metrics) {
  std::string rows;
  for (const char* channel : {"train", "validation", "test"}) {
    const json* data = find(metrics, {"data", channel});
    if (data == nullptr || !data->is_object()) continue;
    const json* files = find(*data, {"files"});
    std::string file_list;
    if (files != nullptr && files->is_array()) {
      for (const json& file : *files) file_list += (file_list.empty() ? "" : ", ") + display(&file);
    }
    rows +=
        fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"files\">{}</td></tr>\n", channel,
                    html_escape(display(find(*data, {"records"}))), html_escape(display(find(*data, {"feature_dim"}))),
                    html_escape(display(find(*data, {"sparse"}))), html_escape(file_list));
  }
  if (rows.empty()) return "";
  std::string notes;
  for (const char* channel : {"train", "validation", "test"}) {
    if (const json* note = find(metrics, {"data", channel, "evaluation_sample", "note"}); note && note->is_string()) {
      notes += "<p class=\"note\">" + html_escape(std::string(channel)) + " (" +
               html_escape(display(find(metrics, {"data", channel, "evaluation_sample", "records"}))) +
               " records sampled): " + html_escape(note->get<std::string>()) + "</p>\n";
    }
  }
  return "<section class=\"card\">\n<h2>Data</h2>\n<table class=\"table\"><tr><th>channel</th><th>records</th>"
         "<th>feature_dim</th><th>sparse</th><th>files</th></tr>\n" +
         rows + "</table>\n" + notes + "</section>\n";
}

}  // namespace

std::string render_report_html(const json& metrics, const ReportCurves& curves) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>linlearn report: " +
      html_escape(curves.predictor_type) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
  html += render_header(metrics, curves);
  html += render_stats(metrics, curves);
  html += render_diagnostics(metrics);
  html += render_final_metrics(metrics);
  html += render_training_curves(metrics);
  html += detail::render_prediction_section(curves);
  html += render_hyperparameters(metrics);
  html += render_data(metrics);
  html +=
      "<footer>Generated by linlearn. Self-contained: no scripts, no network.</footer>\n</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace linlearn
