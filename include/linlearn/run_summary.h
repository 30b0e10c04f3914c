#pragma once
// metrics.json (SPEC section 7): everything a script needs to judge a training run.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/metrics.h"
#include "linlearn/trainer.h"

namespace linlearn {

struct ChannelSummary {
  std::string name;  // train | validation | test
  const Dataset* data = nullptr;
  // Under MPI `data` is this rank's part; these describe the whole channel. Unset / empty: from `data`.
  std::optional<std::size_t> total_records;
  std::vector<std::string> all_files;
  // Training data streamed from its cache: records of the uniform sample that stands for it where
  // scores must be held (see evaluate_cache).
  std::optional<std::size_t> sampled_records;
};

struct Timing {
  double total_seconds = 0;
  double read_seconds = 0;
  double train_seconds = 0;
  // Under MPI: seconds of train_seconds this rank spent exchanging gradients, waiting for the
  // slowest rank included; with the step count it splits a step into compute and exchange.
  double exchange_seconds = 0;
};

nlohmann::json channel_json(const Dataset& data);

nlohmann::json build_metrics_json(const TrainConfig& config, const TrainOutcome& outcome,
                                  const std::vector<ChannelSummary>& channels, const MetricMap& final_metrics,
                                  const nlohmann::json& diagnostics, const Timing& timing, int world_size = 1);

}  // namespace linlearn
