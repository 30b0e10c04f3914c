#pragma once
// Checkpoint files (proto/checkpoint.proto): the full training state after an epoch or at a signal.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "batch_gradient.h"
#include "early_stopping.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/optimizer.h"
#include "linlearn/thread_pool.h"
#include "linlearn/trainer.h"

namespace linlearn {

struct ModelCheckpointState {
  ModelParameters params;
  ModelParameters best;
  OptimizerState optimizer_state;
  EarlyStopping::State stopping;
  ModelStatus status = ModelStatus::kTraining;
  int stopped_at_epoch = -1;
  double loss_sum = 0;
  ModelParameters pending;  // see ModelState
  int pending_epoch = -1;
  double measured_sum = 0;
};

// Where a run stands: the trainer keeps one, a checkpoint saves it, a resumed run starts from it.
struct TrainingPosition {
  int epoch = 0;                // the epoch in progress, or the next to start
  std::size_t next_record = 0;  // records of it done
  std::int64_t updates = 0;     // optimizer steps so far
  double weight_sum = 0;        // weight of this epoch's records done
  double epoch_seconds = 0;     // time spent in this epoch so far
};

// The checkpoint: the position, every model's state and the epochs done.
struct CheckpointState {
  TrainingPosition at;
  std::vector<ModelCheckpointState> models;
  std::vector<EpochRecord> epochs;
};

// A 64-bit hash of bytes, fed piece by piece (a channel can be hashed block by block).
class ContentHasher {
 public:
  void add(const void* data, std::size_t bytes);
  template <class T, class Allocator>
  void add(const std::vector<T, Allocator>& v) {
    add(v.data(), v.size() * sizeof(T));
  }
  // Labels and features of the records, hashed in fixed blocks (on `pool` when given).
  void add_records(const Dataset& data, ThreadPool* pool = nullptr);
  std::uint64_t value() const;
  std::string hex() const;

 private:
  static void mix(std::uint64_t& h, std::uint64_t w) {
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
  }
  // Four independent lanes, so that the multiplies of a large buffer overlap instead of forming one
  // dependency chain; a piece shorter than 32 bytes goes to lane 0 only.
  std::uint64_t lanes_[4] = {0x84222325CBF29CE4ULL, 0x9AE16A3B2F90404FULL, 0xC3A5C85C97CB3127ULL,
                             0xB492B66FBE98F273ULL};
};

// A hash of the resolved options and the training data (labels and features).
std::string training_fingerprint(const TrainConfig& config, const Dataset& train, ThreadPool& pool);
// The same from the data's shape and its ContentHasher::add_records hash, for streamed data.
std::string training_fingerprint(const TrainConfig& config, std::size_t rows, std::size_t feature_dim, bool sparse,
                                 const std::string& content_hash);

// Atomic write; InputError naming the path when it cannot be written. The models come one at a
// time from `model(i)`, i < model_count, and are written as they come, so only one model's copy is
// ever held (`state.models` is not read).
void write_checkpoint(const std::string& path, const std::string& fingerprint, const CheckpointState& state,
                      std::size_t model_count, const std::function<ModelCheckpointState(std::size_t)>& model);

// UsageError when the file is missing, corrupt, or was made with other data or options.
CheckpointState read_checkpoint(const std::string& path, const std::string& fingerprint);
// The same in two halves, for a job whose rank 0 reads the file and hands its bytes to the other
// ranks: the file's bytes (none when there is no file; UsageError when it cannot be read), then the
// state they hold (UsageError as read_checkpoint; `path` names them in messages).
std::optional<std::string> read_checkpoint_bytes(const std::string& path);
CheckpointState parse_checkpoint(const std::string& bytes, const std::string& path, const std::string& fingerprint);

}  // namespace linlearn
