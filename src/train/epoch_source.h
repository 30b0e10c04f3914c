#pragma once
// Where an epoch's mini-batches come from: a shuffled in-memory store (this rank's share under MPI)
// or the on-disk cache of streamed training data. The trainer runs one epoch loop over either.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "linlearn/class_weights.h"
#include "linlearn/communicator.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/feature_index.h"
#include "linlearn/out_of_core.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

// Records `rows` of `data`, weighed by `weights` (one per record of data).
struct Batch {
  const Dataset* data = nullptr;
  std::span<const float> weights;
  std::span<const std::uint32_t> rows;
  std::size_t records_done = 0;  // of the epoch on this process, after this batch (for progress)
  std::size_t position = 0;      // where a checkpoint taken after this batch resumes the epoch
  bool last = false;             // the epoch's last batch
};

class EpochSource {
 public:
  virtual ~EpochSource() = default;
  // The training data's shape (feature_dim, sparse), and records that stand for it in statistics
  // computed from a sample.
  virtual const Dataset& shape() const = 0;
  // This process's training records.
  virtual std::size_t records() const = 0;
  // Starts `epoch` at `position` (0, or where a checkpoint was taken): the batches before it are
  // skipped, the same batches as on the first run.
  virtual void begin(int epoch, std::size_t position) = 0;
  // The epoch's next batch; false after its last.
  virtual bool next(Batch& batch) = 0;
  // Every record once, in storage order, in batches of `batch_size`: for measuring fixed weights.
  virtual void in_order(std::size_t batch_size, const std::function<void(const Batch&)>& visit) = 0;
  // The checkpoint fingerprint of the configuration and these records.
  virtual std::string fingerprint(const TrainConfig& config, ThreadPool& pool) const = 0;
  // Sparse data: the features with a non-zero value in these records (over every rank).
  virtual FeatureIndex nonzero_features(ThreadPool& pool, Communicator& comm) = 0;
};

// Epochs over `train` in memory, reshuffled from (seed, epoch). Under several ranks each rank walks its
// own share in steps of ceil(mini_batch_size / ranks) records, and all ranks take the same number of
// steps (a rank that runs out gives empty batches), so every step's gradient can be summed.
std::unique_ptr<EpochSource> make_in_memory_epochs(const Dataset& train, const TrainConfig& config,
                                                   const ClassWeights& weights, Communicator& comm);

// Epochs over the cache of streamed training data (see streaming_epoch.h); under several ranks, the
// cache of this rank's share, in steps as make_in_memory_epochs takes them.
std::unique_ptr<EpochSource> make_streamed_epochs(const StreamedTrain& train, const TrainConfig& config,
                                                  const ClassWeights& weights, Communicator& comm);

}  // namespace linlearn
