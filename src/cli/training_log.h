#pragma once
// Watches training: on a terminal a live progress line, redrawn in place below the log; after every
// epoch a row of the console's table (see console.h).
#include <chrono>
#include <string>

#include "console.h"
#include "console_sink.h"
#include "linlearn/train_job.h"
#include "linlearn/trainer.h"

namespace linlearn {

enum class ProgressMode { kAuto, kAlways, kNever };
ProgressMode parse_progress_mode(const std::string& name);  // auto | always | never; UsageError else

// The progress line of a batch: epoch (from 1), bar, share, speed, running loss, and the time left
// at most, were every epoch left to run (early stopping may end the run sooner).
// `seconds_per_epoch`: the mean of the epochs so far; 0 before the first has ended.
std::string progress_text(const BatchProgress& p, int epochs, double seconds_per_epoch);

// What a training job reports, shown on the console: the header, a table row per epoch with the
// live progress line between them, the diagnostics and the summary.
class TrainingLog : public JobObserver {
 public:
  TrainingLog(Console& console, LiveTerminal& terminal) : console_(console), terminal_(terminal) {}

  void on_data(const DataSummary& data) override { console_.data(data); }
  void on_config(const TrainConfig& config, bool has_validation) override;
  void on_batch_end(const BatchProgress& p) override;
  void on_epoch_end(const EpochRecord& record) override;
  void on_diagnostics(const std::vector<Diagnostic>& diagnostics) override { console_.diagnostics(diagnostics); }
  void on_result(const JobResult& result) override { console_.summary(result); }

 private:
  Console& console_;
  LiveTerminal& terminal_;
  int epochs_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
  double mean_epoch_seconds_ = 0;
  int epochs_seen_ = 0;
};

// Whether the live line is drawn: always, never, or (auto) when stderr is a terminal and not --quiet.
bool live_progress(ProgressMode mode, bool quiet);

}  // namespace linlearn
