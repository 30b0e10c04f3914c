#include "training_log.h"

#include <cmath>

#include <unistd.h>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

constexpr std::chrono::milliseconds kRedrawEvery{200};

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  return s >= 60 ? fmt::format("{}m{:02d}s", s / 60, s % 60) : fmt::format("{}s", s);
}

}  // namespace

ProgressMode parse_progress_mode(const std::string& name) {
  if (name == "auto") return ProgressMode::kAuto;
  if (name == "always") return ProgressMode::kAlways;
  if (name == "never") return ProgressMode::kNever;
  throw UsageError(fmt::format("--progress: '{}' is not allowed; expected auto, always or never", name));
}

bool live_progress(ProgressMode mode, bool quiet) {
  if (mode == ProgressMode::kAuto) return !quiet && ::isatty(STDERR_FILENO) != 0;
  return mode == ProgressMode::kAlways;
}

TrainingLog::TrainingLog(spdlog::logger& log, const TrainConfig& config, bool has_validation, bool live,
                         std::FILE* terminal)
    : log_(log), config_(config), has_validation_(has_validation), live_(live), terminal_(terminal) {}

void TrainingLog::on_batch_end(const BatchProgress& p) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawEvery && p.records_done < p.records_total) return;
  last_draw_ = now;
  const double fraction = p.records_total > 0 ? static_cast<double>(p.records_done) / p.records_total : 1.0;
  const double rate = p.seconds > 0 ? static_cast<double>(p.records_done) / p.seconds : 0.0;
  const double epoch_estimate = epochs_seen_ > 0 ? mean_epoch_seconds_ : (fraction > 0 ? p.seconds / fraction : NAN);
  const double eta = epoch_estimate * (config_.epochs - p.epoch) - p.seconds;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(fraction * kWidth);
  std::fprintf(terminal_, "\r\033[Kepoch %d/%d [%s%s] %3.0f%%  %.0f records/s  loss %.5g  ETA %s", p.epoch + 1,
               config_.epochs, std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), '.').c_str(), 100 * fraction, rate,
               p.running_loss, duration_text(eta).c_str());
  std::fflush(terminal_);
  line_drawn_ = true;
}

void TrainingLog::clear_line() {
  if (!line_drawn_) return;
  std::fprintf(terminal_, "\r\033[K");
  std::fflush(terminal_);
  line_drawn_ = false;
}

double TrainingLog::criterion(const ModelEpoch& m) const {
  // A model that stopped in an earlier epoch has no loss (NaN) in this one.
  if (m.status == ModelStatus::kDiverged || std::isnan(m.progressive_loss)) return INFINITY;
  return has_validation_ && !m.validation.empty() ? m.validation.at("objective_loss") : m.progressive_loss;
}

void TrainingLog::on_epoch_end(const EpochRecord& r, const TrainOutcome&) {
  clear_line();
  ++epochs_seen_;
  mean_epoch_seconds_ += (r.seconds - mean_epoch_seconds_) / epochs_seen_;
  std::size_t best = 0;
  for (std::size_t m = 1; m < r.models.size(); ++m)
    if (criterion(r.models[m]) < criterion(r.models[best])) best = m;
  const ModelEpoch& me = r.models[best];
  // The epoch's own weights are measured only during the next epoch: as SageMaker does, the line
  // shows the loss of the records as they were trained on.
  log_.info("epoch {}: {:.3f} s, {:.0f} records/s, best model {} progressive train objective_loss {:.6g}", r.epoch,
            r.seconds, r.records_per_second, best, me.progressive_loss);
  log_.info("#quality_metric: host=algo-1, epoch={}, train objective_loss <loss>={}", r.epoch, me.progressive_loss);
  if (!has_validation_ || me.validation.empty()) return;
  log_.info("#quality_metric: host=algo-1, epoch={}, validation objective_loss <loss>={}", r.epoch,
            me.validation.at("objective_loss"));
  const char* headline = config_.predictor_type == PredictorType::kBinary       ? "binary_classification_accuracy"
                         : config_.predictor_type == PredictorType::kMulticlass ? "multiclass_accuracy"
                                                                                : "mse";
  log_.info("#quality_metric: host=algo-1, epoch={}, validation {} <score>={}", r.epoch, headline,
            me.validation.at(headline));
}

}  // namespace linlearn
