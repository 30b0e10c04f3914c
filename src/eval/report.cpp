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
#include "eval/report_json.h"
#include "eval/report_models.h"
#include "eval/report_style.h"
#include "eval/svg_chart.h"
#include "eval/training_curves.h"
#include "linlearn/hyperparameters.h"

namespace linlearn {
namespace {

using detail::display_value;
using detail::format_number;
using detail::html_escape;
using detail::index_at;
using detail::json_at;
using detail::status_badge;
using nlohmann::json;

std::string stat(const std::string& label, const std::string& value_html, bool wide = false) {
  return std::string("<div class=\"stat") + (wide ? " wide" : "") + "\"><div class=\"label\">" + html_escape(label) +
         "</div><div class=\"value\">" + value_html + "</div></div>\n";
}

std::string render_header(const json& metrics, const ReportCurves& curves) {
  std::string subtitle = html_escape(curves.predictor_type);
  if (const json* version = json_at(metrics, {"linlearn_version"}))
    subtitle += " · linlearn " + html_escape(display_value(version));
  if (const json* seed = json_at(metrics, {"seed"})) subtitle += " · seed " + html_escape(display_value(seed));
  if (const json* total = json_at(metrics, {"timing", "total_seconds"}); total && total->is_number()) {
    subtitle += " · " + html_escape(format_number(total->get<double>(), 3)) + " s";
  }
  return "<header><h1>linlearn training report</h1><p class=\"subtitle\">" + subtitle + "</p></header>\n";
}

std::string render_stats(const json& metrics, const ReportCurves& curves) {
  std::string html = "<div class=\"stats\">\n";
  html += stat("predictor", html_escape(curves.predictor_type), true);
  const int selected = index_at(metrics, {"selected_model", "index"});
  html += stat("selected model", selected < 0 ? "none" : fmt::format("#{}", selected));
  if (selected >= 0)
    html += stat("selected epoch", html_escape(detail::display_epoch(json_at(metrics, {"selected_model", "epoch"}))));
  const json* status = json_at(metrics, {"convergence", "status"});
  html += stat("status", status && status->is_string() ? status_badge(status->get<std::string>()) : "—");
  if (curves.predictor_type == "binary_classifier" && selected >= 0) {
    html += stat("threshold", html_escape(format_number(curves.threshold, 4)));
  }
  for (const char* channel : {"train", "validation", "test"}) {
    if (const json* records = json_at(metrics, {"data", channel, "records"})) {
      html += stat(std::string(channel) + " records", html_escape(display_value(records)));
    }
  }
  if (const json* dim = json_at(metrics, {"data", "train", "feature_dim"}))
    html += stat("feature_dim", html_escape(display_value(dim)));
  return html + "</div>\n";
}

// Rows are metric names, columns the channels that report them ("validation:rmse" -> rmse x validation).
std::string render_final_metrics(const json& metrics) {
  const json* final_metrics = json_at(metrics, {"final_metrics"});
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
      const json* value = it == table[name].end() ? nullptr : it->second;
      // Five significant digits with trailing zeros kept, so a column's decimals line up.
      const bool real = value != nullptr && value->is_number_float() && std::isfinite(value->get<double>());
      html +=
          "<td>" + html_escape(real ? fmt::format("{:#.5g}", value->get<double>()) : display_value(value)) + "</td>";
    }
    html += "</tr>\n";
  }
  return html + "</table>\n</section>\n";
}

std::string render_diagnostics(const json& metrics) {
  std::string html = "<section class=\"card\">\n<h2>Diagnostics</h2>\n";
  const json* diagnostics = json_at(metrics, {"convergence", "diagnostics"});
  if (diagnostics == nullptr || !diagnostics->is_array() || diagnostics->empty()) {
    return html + "<p class=\"note\">No diagnostics: nothing looked wrong.</p>\n</section>\n";
  }
  html += "<ul class=\"diagnostics\">\n";
  for (const json& diagnostic : *diagnostics) {
    const std::string severity = display_value(json_at(diagnostic, {"severity"}));
    const char* kind = severity == "error" ? "error" : severity == "warning" ? "warning" : "info";
    html += fmt::format("<li><span class=\"badge {}\">{}</span> <code>{}</code> {}", kind, html_escape(severity),
                        html_escape(display_value(json_at(diagnostic, {"code"}))),
                        html_escape(display_value(json_at(diagnostic, {"message"}))));
    if (const json* suggestion = json_at(diagnostic, {"suggestion"});
        suggestion && suggestion->is_string() && !suggestion->get<std::string>().empty()) {
      html += "<div class=\"suggestion\">→ " + html_escape(suggestion->get<std::string>()) + "</div>";
    }
    html += "</li>\n";
  }
  return html + "</ul>\n</section>\n";
}

// Escaped text with a line-break opportunity after every `after` character, so long names and values
// wrap only between their parts (at '_' in names, ',' in lists), never inside a word.
std::string breakable(const std::string& text, char after) {
  std::string html;
  for (const char c : text) {
    html += html_escape(std::string_view(&c, 1));
    if (c == after) html += "<wbr>";
  }
  return html;
}

std::string render_hyperparameters(const json& metrics) {
  const bool selected = index_at(metrics, {"selected_model", "index"}) >= 0;
  const json* hyperparameters = json_at(metrics, {"selected_model", "hyperparameters"});
  if (hyperparameters == nullptr || !hyperparameters->is_object())
    hyperparameters = json_at(metrics, {"hyperparameters"});
  if (hyperparameters == nullptr || !hyperparameters->is_object() || hyperparameters->empty()) return "";
  std::string html = std::string("<section class=\"card\">\n<h2>Hyperparameters <span class=\"muted\">(") +
                     (selected ? "selected model" : "of the run; no model was selected") +
                     "; those that have no effect on it left out)</span></h2>\n<div class=\"kv\">\n";
  for (const auto& [name, value] : hyperparameters->items()) {
    if (!hyperparameter_applies(name, *hyperparameters)) continue;
    const std::string shown = display_value(&value);
    // A long value (a list, JSON) gets a row of its own, where it wraps at commas or scrolls.
    const bool long_value = shown.size() > 24;
    html += std::string("<div") + (long_value ? " class=\"long\"" : "") + "><span class=\"k\">" + breakable(name, '_') +
            "</span><span class=\"v\">" + breakable(shown, ',') + "</span></div>\n";
  }
  return html + "</div>\n</section>\n";
}

std::string render_data(const json& metrics) {
  std::string rows;
  for (const char* channel : {"train", "validation", "test"}) {
    const json* data = json_at(metrics, {"data", channel});
    if (data == nullptr || !data->is_object()) continue;
    const json* files = json_at(*data, {"files"});
    std::string file_list;
    if (files != nullptr && files->is_array()) {
      for (const json& file : *files) file_list += (file_list.empty() ? "" : ", ") + display_value(&file);
    }
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"files\">{}</td></tr>\n", channel,
                        html_escape(display_value(json_at(*data, {"records"}))),
                        html_escape(display_value(json_at(*data, {"feature_dim"}))),
                        html_escape(display_value(json_at(*data, {"sparse"}))), html_escape(file_list));
  }
  if (rows.empty()) return "";
  std::string notes;
  for (const char* channel : {"train", "validation", "test"}) {
    if (const json* note = json_at(metrics, {"data", channel, "evaluation_sample", "note"});
        note && note->is_string()) {
      notes += "<p class=\"note\">" + html_escape(std::string(channel)) + " (" +
               html_escape(display_value(json_at(metrics, {"data", channel, "evaluation_sample", "records"}))) +
               " records sampled): " + html_escape(note->get<std::string>()) + "</p>\n";
    }
  }
  return "<section class=\"card\">\n<h2>Data</h2>\n<table class=\"table\"><tr><th>channel</th><th>records</th>"
         "<th>feature_dim</th><th>sparse</th><th>files</th></tr>\n" +
         rows + "</table>\n" + notes + "</section>\n";
}

// In place of the prediction charts when every model diverged: there is no model to chart.
std::string render_no_model_predictions() {
  return "<section class=\"card\">\n<h2>Predictions</h2>\n<p class=\"note\">No model was selected, so there are "
         "no predictions to chart.</p>\n</section>\n";
}

std::string render_no_model_banner(const json& metrics) {
  const json* models = json_at(metrics, {"models"});
  const std::size_t count = models != nullptr && models->is_array() ? models->size() : 0;
  return "<section class=\"card alert\">\n<h2>No model was selected</h2>\n<p>" +
         (count > 0 ? fmt::format("Every one of the {} models diverged", count) : std::string("Every model diverged")) +
         ", so no model was written. The diagnostics say what to change; the models table and the training "
         "curves show where each model went wrong.</p>\n</section>\n";
}

}  // namespace

std::string render_report_html(const json& metrics, const ReportCurves& curves) {
  const bool selected = index_at(metrics, {"selected_model", "index"}) >= 0;
  // Without a selected model only a metrics.json that says so explicitly means that every model
  // diverged; a report of partial metrics still shows the curves it was given.
  const json* selected_model = json_at(metrics, {"selected_model"});
  const bool none_selected = !selected && selected_model != nullptr && selected_model->is_null();
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>linlearn report: " +
      html_escape(curves.predictor_type) + "</title>\n<style>" + detail::kReportStyle +
      "</style>\n</head>\n<body>\n<main>\n";
  html += render_header(metrics, curves);
  html += render_stats(metrics, curves);
  if (none_selected) html += render_no_model_banner(metrics);
  html += render_diagnostics(metrics);
  html += render_final_metrics(metrics);
  html += detail::render_training_curves(metrics);
  html += detail::render_models_section(metrics);
  html += none_selected ? render_no_model_predictions() : detail::render_prediction_section(curves);
  html += render_hyperparameters(metrics);
  html += render_data(metrics);
  html +=
      "<footer>Generated by linlearn. Self-contained: no scripts, no network.</footer>\n</main>\n</body>\n</html>\n";
  return html;
}

}  // namespace linlearn
