#pragma once
// Watches training: on a terminal a live progress line, redrawn in place below the log; after every
// epoch a row of the console's table (see console.h).
#include <chrono>
#include <string>

#include "console.h"
#include "console_sink.h"
#include "linlearn/trainer.h"

namespace linlearn {

enum class ProgressMode { kAuto, kAlways, kNever };
ProgressMode parse_progress_mode(const std::string& name);  // auto | always | never; UsageError else

// The progress line of a batch: epoch (from 1), bar, share, speed, running loss, and the time left
// at most, were every epoch left to run (early stopping may end the run sooner).
// `seconds_per_epoch`: the mean of the epochs so far; 0 before the first has ended.
std::string progress_text(const BatchProgress& p, int epochs, double seconds_per_epoch);

class TrainingLog : public TrainingObserver {
 public:
  TrainingLog(Console& console, LiveTerminal& terminal, int epochs)
      : console_(console), terminal_(terminal), epochs_(epochs) {}

  void on_batch_end(const BatchProgress& p) override;
  void on_epoch_end(const EpochRecord& record, const TrainOutcome& so_far) override;

 private:
  Console& console_;
  LiveTerminal& terminal_;
  const int epochs_;
  std::chrono::steady_clock::time_point last_draw_{};
  double mean_epoch_seconds_ = 0;
  int epochs_seen_ = 0;
};

// Whether the live line is drawn: always, never, or (auto) when stderr is a terminal and not --quiet.
bool live_progress(ProgressMode mode, bool quiet);

}  // namespace linlearn
