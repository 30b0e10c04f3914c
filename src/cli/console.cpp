#include "console.h"

#include <array>
#include <cmath>

#include <fmt/format.h>

#include "cli/quality_metrics.h"

namespace linlearn {
namespace {

// A row of the epoch table: fixed widths, so that the rows line up under their heading; the
// validation column (the sixth) only when there is a validation channel.
std::string table_row(bool validation, const std::array<std::string, 7>& cells) {
  constexpr std::array<int, 7> kWidths{7, 9, 11, 6, 12, 12, 10};
  std::string row;
  for (std::size_t i = 0; i < cells.size(); ++i)
    if (i != 5 || validation) row += fmt::format("{:>{}}", cells[i], kWidths[i]);
  return row;
}

std::string loss_text(double loss) {
  return std::isfinite(loss) ? fmt::format("{:.6g}", loss) : "-";
}

std::string text_of(const nlohmann::json& resolved, const char* name) {
  const auto it = resolved.find(name);
  if (it == resolved.end()) return "?";
  if (it->is_number_float()) return fmt::format("{:g}", it->get<double>());
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The metric the best model is picked by at the end, in words.
std::string selection_text(const TrainConfig& config, const std::string& channel) {
  if (config.predictor_type != PredictorType::kBinary) return channel + " objective_loss";
  const std::string criterion = text_of(config.resolved, "binary_classifier_model_selection_criteria");
  return channel + " " + (criterion == "loss_function" ? std::string("objective_loss") : criterion);
}

// A channel's final metrics, the type's headline metric first, in lines of about kSummaryWidth
// characters.
std::vector<std::string> metrics_lines(const MetricMap& metrics, const std::string& channel, const char* headline) {
  constexpr std::size_t kSummaryWidth = 100;
  const std::string prefix = channel + ":";
  std::vector<std::string> lines{prefix};
  const auto add = [&](const std::string& name, double value) {
    const std::string item = fmt::format(" {} {:.4g}", name, value);
    if (lines.back().size() > prefix.size() && lines.back().size() + item.size() + 1 > kSummaryWidth) {
      lines.back() += ",";
      lines.emplace_back(prefix.size(), ' ');
    } else if (lines.back().size() > prefix.size()) {
      lines.back() += ",";
    }
    lines.back() += item;
  };
  if (const auto it = metrics.find(prefix + headline); it != metrics.end()) add(headline, it->second);
  for (const auto& [key, value] : metrics)
    if (key.starts_with(prefix) && key != prefix + headline) add(key.substr(prefix.size()), value);
  return lines;
}

spdlog::level::level_enum level_of(Severity severity) {
  return severity == Severity::kInfo      ? spdlog::level::info
         : severity == Severity::kWarning ? spdlog::level::warn
                                          : spdlog::level::err;
}

}  // namespace

std::string compact_rate(double rate) {
  if (!std::isfinite(rate) || rate < 0) return "-";
  if (rate >= 1e6) return fmt::format("{:.3g}M", rate / 1e6);
  if (rate >= 1e3) return fmt::format("{:.3g}k", rate / 1e3);
  return fmt::format("{:.0f}", rate);
}

Console::Console(spdlog::logger& log, ConsoleSink& sink, LiveTerminal& terminal, bool container)
    : log_(log), sink_(sink), terminal_(terminal), container_(container) {}

void Console::data(const DataSummary& d) {
  std::string line = fmt::format("data: train {} records x {} features, {}, ", d.train_records, d.feature_dim,
                                 d.sparse ? "sparse" : "dense");
  line += d.cache_path.empty() ? fmt::format("read in {:.3f} s", d.read_seconds)
                               : fmt::format("streamed through {} (read in {:.3f} s)", d.cache_path, d.read_seconds);
  if (d.validation_records > 0) line += fmt::format("; validation {} records", d.validation_records);
  if (d.test_records > 0) line += fmt::format("; test {} records", d.test_records);
  log_.info("{}", line);
}

void Console::settings(const TrainConfig& config, bool has_validation) {
  config_ = &config;
  has_validation_ = has_validation;
  const nlohmann::json& r = config.resolved;
  log_.info("settings: {}, loss {}, {}, learning_rate {}, mini_batch_size {}, {} thread{}",
            text_of(r, "predictor_type"), text_of(r, "loss"), text_of(r, "optimizer"), text_of(r, "learning_rate"),
            text_of(r, "mini_batch_size"), config.threads, config.threads == 1 ? "" : "s");
  const std::string channel = has_validation ? "validation" : "train";
  log_.info("stopping: up to {} epochs, early on {} objective_loss (patience {})", config.epochs, channel,
            config.early_stopping.patience);
  const std::size_t models = config.models.size();
  log_.info("models: {}{}; selected by {}", models,
            models > 1 && config.prune_models ? ", halved after epochs 2, 4, 8, ..." : "",
            selection_text(config, channel));
  log_.debug("hyperparameters: {}", r.dump());
}

double Console::criterion(const ModelEpoch& m) const {
  // A model that stopped in an earlier epoch has no loss (NaN) in this one.
  if (m.status == ModelStatus::kDiverged || std::isnan(m.progressive_loss)) return INFINITY;
  return has_validation_ && !m.validation.empty() ? m.validation.at("objective_loss") : m.progressive_loss;
}

std::size_t Console::best_model(const EpochRecord& r) const {
  std::size_t best = 0;
  for (std::size_t m = 1; m < r.models.size(); ++m)
    if (criterion(r.models[m]) < criterion(r.models[best])) best = m;
  return best;
}

void Console::epoch(const EpochRecord& r) {
  if (!table_started_) {
    // The train loss is that of the epoch's records as they were trained on (as SageMaker reports
    // it): the weights the epoch ends with are measured only during the next one.
    log_.info("{}", table_row(has_validation_,
                              {"epoch", "seconds", "records/s", "best", "train loss", "valid loss", "training"}));
    table_started_ = true;
  }
  const std::size_t best = best_model(r);
  const ModelEpoch& me = r.models[best];
  std::size_t training = 0;
  for (const ModelEpoch& m : r.models) training += m.status == ModelStatus::kTraining ? 1 : 0;
  const bool any = std::isfinite(criterion(me));
  log_.info("{}", table_row(has_validation_,
                            {fmt::format("{}/{}", r.epoch + 1, config_->epochs), fmt::format("{:.3f}", r.seconds),
                             compact_rate(r.records_per_second), any ? std::to_string(best) : "-",
                             loss_text(any ? me.progressive_loss : NAN),
                             any && !me.validation.empty() ? loss_text(me.validation.at("objective_loss")) : "-",
                             fmt::format("{}/{}", training, r.models.size())}));
  // SageMaker's grammar (SPEC section 7), epochs from 0 as SageMaker numbers them.
  if (metric_lines()) emit_metrics(epoch_metric_lines(*config_, r, me, has_validation_));
}

bool Console::metric_lines() const {
  return container_ || sink_.format() == LogFormat::kSageMaker;
}

void Console::emit_metrics(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) emit_metric(line);
}

void Console::emit_metric(const std::string& line) {
  if (container_) {
    terminal_.write_out(line);
  } else {
    log_.info("{}", line);
  }
}

void Console::diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    log_.log(level_of(d.severity), "{}[{}] {}; suggestion: {}", d.severity == Severity::kInfo ? "info: " : "", d.code,
             d.message, d.suggestion);
}

void Console::always(const std::string& line) {
  if (log_.should_log(spdlog::level::info)) {
    log_.info("{}", line);
  } else if (log_.level() != spdlog::level::off) {
    sink_.write(spdlog::level::info, line);
  }
}

void Console::summary(const JobResult& s) {
  std::string status = fmt::format("selected model {} (epoch {}), status {}", s.selected, s.best_epoch + 1, s.status);
  std::string warnings;
  for (const Diagnostic& d : s.diagnostics)
    if (d.severity != Severity::kInfo) warnings += " " + d.code;
  if (!warnings.empty()) status += "; warnings:" + warnings;
  always(status);
  if (!s.final_metrics.empty() && config_ != nullptr) {
    const char* channel = s.final_metrics.contains("test:objective_loss")         ? "test"
                          : s.final_metrics.contains("validation:objective_loss") ? "validation"
                                                                                  : "train";
    for (const std::string& line : metrics_lines(s.final_metrics, channel, headline_metric(config_->predictor_type)))
      always(line);
    if (metric_lines()) emit_metrics(final_metric_lines(*config_, s.final_metrics));
  }
  if (s.report_dir.empty() || s.report_dir == s.output_dir) {
    always(fmt::format("artifacts in {}: model.pb, model.json, metrics.json, report.html", s.output_dir));
  } else {
    always(fmt::format("artifacts in {}: model.pb, model.json; in {}: metrics.json, report.html", s.output_dir,
                       s.report_dir));
  }
}

}  // namespace linlearn
