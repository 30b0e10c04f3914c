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

std::string progress_text(const BatchProgress& p, int epochs, double seconds_per_epoch) {
  const double fraction = p.records_total > 0 ? static_cast<double>(p.records_done) / p.records_total : 1.0;
  const double rate = p.seconds > 0 ? static_cast<double>(p.records_done) / p.seconds : 0.0;
  // Until an epoch has ended, this one's pace stands for every epoch's.
  const double epoch_seconds = seconds_per_epoch > 0 ? seconds_per_epoch : (fraction > 0 ? p.seconds / fraction : NAN);
  const double left = std::max(0.0, epoch_seconds - p.seconds) + epoch_seconds * (epochs - p.epoch - 1);
  constexpr int kWidth = 20;
  const auto filled = static_cast<std::size_t>(std::clamp(fraction, 0.0, 1.0) * kWidth);
  return fmt::format("epoch {}/{} [{}{}] {:3.0f}%  {} records/s  loss {:.5g}  at most {} left", p.epoch + 1, epochs,
                     std::string(filled, '#'), std::string(kWidth - filled, '.'), 100 * fraction, compact_rate(rate),
                     p.running_loss, duration_text(left));
}

void TrainingLog::on_config(const TrainConfig& config, bool has_validation) {
  epochs_ = config.epochs;
  console_.settings(config, has_validation);
}

void TrainingLog::on_batch_end(const BatchProgress& p) {
  if (!terminal_.live()) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawEvery && p.records_done < p.records_total) return;
  last_draw_ = now;
  terminal_.draw(progress_text(p, epochs_, mean_epoch_seconds_));
}

void TrainingLog::on_epoch_end(const EpochRecord& r) {
  terminal_.clear();
  ++epochs_seen_;
  mean_epoch_seconds_ += (r.seconds - mean_epoch_seconds_) / epochs_seen_;
  console_.epoch(r);
}

}  // namespace linlearn
