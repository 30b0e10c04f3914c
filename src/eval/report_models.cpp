// The models table and per-model descriptions of the HTML report (see report_models.h).
#include "eval/report_models.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "eval/report_json.h"
#include "eval/svg_chart.h"
#include "linlearn/hyperparameters.h"

namespace linlearn::detail {
namespace {

using nlohmann::json;

// The models that metrics.json lists, as objects.
std::vector<const json*> listed_models(const json& metrics) {
  std::vector<const json*> models;
  const json* listed = json_at(metrics, {"models"});
  if (listed == nullptr || !listed->is_array()) return models;
  for (const json& model : *listed)
    if (model.is_object()) models.push_back(&model);
  return models;
}

// The hyperparameters that apply to a model, compactly: its resolved object filtered by relevance.
std::map<std::string, std::string> applicable_values(const json& model) {
  std::map<std::string, std::string> values;
  const json* hyperparameters = json_at(model, {"hyperparameters"});
  if (hyperparameters == nullptr || !hyperparameters->is_object()) return values;
  for (const auto& [name, value] : hyperparameters->items())
    if (hyperparameter_applies(name, *hyperparameters)) values[name] = display_value(&value);
  return values;
}

// Names of the hyperparameters on which models differ: two models to which one applies have different
// values. (beta_1 of the adam models among sgd ones is not a difference: the optimizer is.)
std::set<std::string> differing_names(const std::vector<std::map<std::string, std::string>>& per_model) {
  std::map<std::string, std::set<std::string>> values_of;
  for (const auto& values : per_model)
    for (const auto& [name, value] : values) values_of[name].insert(value);
  std::set<std::string> names;
  for (const auto& [name, values] : values_of)
    if (values.size() > 1) names.insert(name);
  return names;
}

std::string status_phrase(const std::string& status, const json& model) {
  const std::string epoch = display_epoch(json_at(model, {"stopped_at_epoch"}));
  if (status == "pruned") return "pruned after epoch " + epoch;
  if (status == "diverged") return "diverged at epoch " + epoch;
  if (status == "early_stopped") return "stopped early at epoch " + epoch;
  if (status == "converged") return "converged at epoch " + epoch;
  if (status == "max_epochs") return "ran every epoch";
  return status;
}

struct ModelRow {
  int index;
  const json* model;
  std::string status;
  std::string differences;  // "learning_rate 0.002, optimizer adam"
};

std::vector<ModelRow> model_rows(const json& metrics) {
  const std::vector<const json*> models = listed_models(metrics);
  std::vector<std::map<std::string, std::string>> per_model;
  for (const json* model : models) per_model.push_back(applicable_values(*model));
  const std::set<std::string> differing = differing_names(per_model);
  std::vector<ModelRow> rows;
  for (std::size_t m = 0; m < models.size(); ++m) {
    const int index = index_at(*models[m], {"index"});
    std::string differences;
    for (const auto& [name, value] : per_model[m])
      if (differing.contains(name)) differences += (differences.empty() ? "" : ", ") + name + " " + value;
    const json* status = json_at(*models[m], {"status"});
    rows.push_back({index < 0 ? static_cast<int>(m) : index, models[m],
                    status != nullptr && status->is_string() ? status->get<std::string>() : "", differences});
  }
  return rows;
}

// "model 3: pruned after epoch 2; learning_rate 0.002, optimizer adam"
std::string description_of(const ModelRow& row) {
  std::string description = fmt::format("model {}: {}", row.index, status_phrase(row.status, *row.model));
  if (!row.differences.empty()) description += "; " + row.differences;
  return description;
}

}  // namespace

std::map<int, ModelInfo> describe_models(const json& metrics) {
  std::map<int, ModelInfo> described;
  for (const ModelRow& row : model_rows(metrics)) described[row.index] = {row.status, description_of(row)};
  return described;
}

std::string status_badge(const std::string& status) {
  const char* kind = status == "converged" || status == "early_stopped" ? "good"
                     : status == "diverged"                             ? "error"
                     : status == "max_epochs"                           ? "warning"
                                                                        : "info";
  return fmt::format("<span class=\"badge {}\">{}</span>", kind, html_escape(status));
}

std::string render_models_section(const json& metrics) {
  const std::vector<ModelRow> rows = model_rows(metrics);
  if (rows.empty()) return "";
  const int selected = index_at(metrics, {"selected_model", "index"});
  std::string html = fmt::format(
      "<section class=\"card\">\n<h2>Models <span class=\"muted\">({} trained; {}; criterion {})</span></h2>\n"
      "<div class=\"scroll tall\"><table class=\"table models\"><tr><th>model</th><th>status</th>"
      "<th>last epoch</th><th>best epoch</th><th>best</th><th>hyperparameters that differ</th></tr>\n",
      rows.size(), selected < 0 ? "none selected" : fmt::format("model {} selected", selected),
      html_escape(display_value(json_at(metrics, {"early_stopping", "criterion"}))));
  for (const ModelRow& row : rows) {
    const std::string best_epoch = display_epoch(json_at(*row.model, {"best_epoch"}));
    html += fmt::format(
        "<tr{} title=\"{}\"><td>{}</td><td class=\"status\">{}{}</td><td>{}</td><td>{}</td><td>{}</td><td "
        "class=\"differences\">{}</td></tr>\n",
        row.index == selected ? " class=\"selected\"" : "", html_escape(description_of(row)), row.index,
        status_badge(row.status), row.index == selected ? " <span class=\"badge info\">selected</span>" : "",
        html_escape(display_epoch(json_at(*row.model, {"stopped_at_epoch"}))), html_escape(best_epoch),
        // A model without a best epoch (diverged in its first) has no best criterion either.
        best_epoch == "—" ? "—" : html_escape(display_value(json_at(*row.model, {"best_criterion"}))),
        html_escape(row.differences.empty() ? "—" : row.differences));
  }
  return html + "</table></div>\n</section>\n";
}

}  // namespace linlearn::detail
