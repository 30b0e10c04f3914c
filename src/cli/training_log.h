#pragma once
// What a person sees while `train` runs: one log line per epoch in SageMaker's grammar
// (#quality_metric ...), and on a terminal a live progress line that is redrawn in place.
#include <chrono>
#include <cstdio>
#include <string>

#include <spdlog/logger.h>

#include "linlearn/config.h"
#include "linlearn/trainer.h"

namespace linlearn {

enum class ProgressMode { kAuto, kAlways, kNever };
ProgressMode parse_progress_mode(const std::string& name);  // auto | always | never; UsageError else

class TrainingLog : public TrainingObserver {
 public:
  // `live` draws the progress line on `terminal` (stderr); otherwise only the epoch log lines.
  TrainingLog(spdlog::logger& log, const TrainConfig& config, bool has_validation, bool live, std::FILE* terminal);

  void on_batch_end(const BatchProgress& p) override;
  void on_epoch_end(const EpochRecord& record, const TrainOutcome& so_far) override;

 private:
  double criterion(const ModelEpoch& m) const;
  void clear_line();

  spdlog::logger& log_;
  const TrainConfig& config_;
  bool has_validation_;
  bool live_;
  std::FILE* terminal_;
  std::chrono::steady_clock::time_point last_draw_{};
  double mean_epoch_seconds_ = 0;
  int epochs_seen_ = 0;
  bool line_drawn_ = false;
};

// Whether the live line is drawn: always, never, or (auto) when stderr is a terminal and not --quiet.
bool live_progress(ProgressMode mode, bool quiet);

}  // namespace linlearn
