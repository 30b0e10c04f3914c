#pragma once
// Checkpoint files (proto/checkpoint.proto): the full training state after an epoch or at a signal.
#include <cstdint>
#include <string>
#include <vector>

#include "batch_gradient.h"
#include "early_stopping.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/trainer.h"

namespace linlearn {

struct ModelCheckpointState {
  ModelParameters params;
  ModelParameters best;
  std::vector<double> optimizer_state;
  EarlyStopping::State stopping;
  ModelStatus status = ModelStatus::kTraining;
  int stopped_at_epoch = -1;
  double loss_sum = 0;
};

struct CheckpointState {
  int epoch = 0;
  std::size_t next_record = 0;
  std::int64_t updates = 0;
  double weight_sum = 0;
  double epoch_seconds = 0;
  std::vector<ModelCheckpointState> models;
  std::vector<EpochRecord> epochs;
};

// A hash of the resolved options and the training data (labels and features).
std::string training_fingerprint(const TrainConfig& config, const Dataset& train);

// Atomic write; InputError naming the path when it cannot be written.
void write_checkpoint(const std::string& path, const std::string& fingerprint, const CheckpointState& state);

// UsageError when the file is missing, corrupt, or was made with other data or options.
CheckpointState read_checkpoint(const std::string& path, const std::string& fingerprint);

}  // namespace linlearn
