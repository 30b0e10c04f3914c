#pragma once
// What a person reads while `train` runs, from top to bottom: a short header (the data read, the
// settings that matter), one row per epoch in a fixed-width table, the diagnostics and a summary
// (selected model, status, held-out metrics, where the artifacts are). Epochs count from 1 here, as
// everywhere people read them; metrics.json and the #quality_metric lines count from 0.
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "console_sink.h"
#include "linlearn/config.h"
#include "linlearn/diagnostics.h"
#include "linlearn/metrics.h"
#include "linlearn/train_job.h"
#include "linlearn/trainer.h"

namespace linlearn {

// 8315939 -> "8.32M": records/s vary over orders of magnitude; three digits say enough.
std::string compact_rate(double rate);

class Console {
 public:
  // `container`: SageMaker's container mode, whose #quality_metric lines go to stdout; with
  // --log-format sagemaker they are logged.
  Console(spdlog::logger& log, ConsoleSink& sink, LiveTerminal& terminal, bool container = false);

  void data(const DataSummary& data);
  // The settings that matter; the full resolved hyperparameters at debug level.
  void settings(const TrainConfig& config, bool has_validation);
  // A row of the epoch table (its heading before the first), and the #quality_metric lines.
  void epoch(const EpochRecord& record);
  void diagnostics(const std::vector<Diagnostic>& diagnostics);
  // Shown under --quiet too.
  void summary(const JobResult& result);

 private:
  double criterion(const ModelEpoch& m) const;
  std::size_t best_model(const EpochRecord& record) const;
  // Whether SageMaker's metric lines are written (see quality_metrics.h).
  bool metric_lines() const;
  void emit_metrics(const std::vector<std::string>& lines);
  void emit_metric(const std::string& line);
  void always(const std::string& line);

  spdlog::logger& log_;
  ConsoleSink& sink_;
  LiveTerminal& terminal_;
  const bool container_;
  const TrainConfig* config_ = nullptr;
  bool has_validation_ = false;
  bool table_started_ = false;
};

}  // namespace linlearn
