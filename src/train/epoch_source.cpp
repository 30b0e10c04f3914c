#include "epoch_source.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "checkpoint.h"
#include "linlearn/shuffler.h"
#include "linlearn/streaming_epoch.h"

namespace linlearn {
namespace {

// The steps of an epoch under several ranks: each takes ceil(mini_batch_size / ranks) of its records
// a step, and all take as many steps as the rank with the most records (a rank that runs out gives
// empty batches), so every step's gradient can be summed.
struct Steps {
  std::size_t batch_size = 1;
  std::size_t steps = 0;
};

Steps steps_over_ranks(std::size_t records, const TrainConfig& config, Communicator& comm) {
  const auto global_batch = static_cast<std::size_t>(config.mini_batch_size);
  const auto ranks = static_cast<std::size_t>(comm.size());
  Steps s;
  s.batch_size = ranks > 1 ? (global_batch + ranks - 1) / ranks : global_batch;
  const auto local_steps = static_cast<long long>((records + s.batch_size - 1) / s.batch_size);
  s.steps = static_cast<std::size_t>(ranks > 1 ? comm.max(local_steps) : local_steps);
  return s;
}

class InMemoryEpochs final : public EpochSource {
 public:
  InMemoryEpochs(const Dataset& train, const TrainConfig& config, const ClassWeights& weights, Communicator& comm)
      : train_(train), config_(config), weights_(weights.for_records(train)) {
    const Steps s = steps_over_ranks(train.rows(), config, comm);
    batch_size_ = s.batch_size;
    steps_ = s.steps;
  }

  const Dataset& shape() const override { return train_; }
  std::size_t records() const override { return train_.rows(); }

  void begin(int epoch, std::size_t position) override {
    order_ = epoch_order(train_.rows(), config_.seed, epoch, config_.shuffle);
    step_ = position / batch_size_;
  }

  bool next(Batch& batch) override {
    if (step_ >= steps_) return false;
    const std::size_t rows = train_.rows();
    const std::size_t begin = std::min(rows, step_ * batch_size_);
    batch.data = &train_;
    batch.weights = weights_;
    batch.rows = std::span<const std::uint32_t>(order_.data() + begin, std::min(batch_size_, rows - begin));
    batch.records_done = std::min(rows, begin + batch_size_);
    batch.position = (step_ + 1) * batch_size_;
    batch.last = step_ + 1 == steps_;
    ++step_;
    return true;
  }

  void in_order(std::size_t batch_size, const std::function<void(const Batch&)>& visit) override {
    const std::size_t rows = train_.rows();
    std::vector<std::uint32_t> indices;
    for (std::size_t r = 0; r < rows; r += batch_size) {
      const std::size_t end = std::min(rows, r + batch_size);
      indices.resize(end - r);
      std::iota(indices.begin(), indices.end(), static_cast<std::uint32_t>(r));
      visit({&train_, weights_, indices, end, end, end == rows});
    }
  }

  std::string fingerprint(const TrainConfig& config, ThreadPool& pool) const override {
    return training_fingerprint(config, train_, pool);
  }

  FeatureIndex nonzero_features(ThreadPool& pool, Communicator& comm) override {
    return features_with_nonzeros(train_, pool, &comm);
  }

 private:
  const Dataset& train_;
  const TrainConfig& config_;
  const std::vector<float> weights_;
  std::size_t batch_size_ = 1;
  std::size_t steps_ = 0;
  std::vector<std::uint32_t> order_;
  std::size_t step_ = 0;
};

// A resumed epoch replays the stream's batches up to its position without computing them. The
// position counts steps (step x batch size, as in memory), the same on every rank.
class StreamedEpochs final : public EpochSource {
 public:
  StreamedEpochs(const StreamedTrain& train, const TrainConfig& config, const ClassWeights& weights, Communicator& comm)
      : train_(train),
        config_(config),
        class_weights_(weights),
        steps_(steps_over_ranks(train.cache->records(), config, comm)) {}

  const Dataset& shape() const override { return train_.scaler_sample; }
  std::size_t records() const override { return train_.cache->records(); }

  void begin(int epoch, std::size_t position) override {
    stream_ =
        std::make_unique<StreamingEpoch>(*train_.cache, config_.seed, epoch, config_.shuffle, train_.shuffle_buffer);
    step_ = 0;
    for (const std::size_t skip = position / steps_.batch_size; step_ < skip && step_ < steps_.steps; ++step_)
      stream_->next_batch(steps_.batch_size, batch_);
  }

  bool next(Batch& batch) override {
    if (step_ >= steps_.steps) return false;
    // A rank whose records ran out keeps taking steps with an empty batch.
    stream_->next_batch(steps_.batch_size, batch_);
    weights_ = class_weights_.for_records(batch_);
    if (indices_.size() != batch_.rows()) {
      indices_.resize(batch_.rows());
      std::iota(indices_.begin(), indices_.end(), 0U);
    }
    ++step_;
    const std::size_t position = step_ * steps_.batch_size;
    batch = Batch{&batch_, weights_, indices_, std::min(position, records()), position, step_ == steps_.steps};
    return true;
  }

  void in_order(std::size_t batch_size, const std::function<void(const Batch&)>& visit) override {
    std::vector<std::uint32_t> indices;
    std::size_t done = 0;
    for (std::size_t b = 0; b < train_.cache->blocks(); ++b) {
      const Dataset block = train_.cache->read_block(b);
      const std::vector<float> weights = class_weights_.for_records(block);
      for (std::size_t r = 0; r < block.rows(); r += batch_size) {
        const std::size_t end = std::min(block.rows(), r + batch_size);
        indices.resize(end - r);
        std::iota(indices.begin(), indices.end(), static_cast<std::uint32_t>(r));
        done += end - r;
        visit({&block, weights, indices, done, done, done == records()});
      }
    }
  }

  std::string fingerprint(const TrainConfig& config, ThreadPool&) const override {
    const Dataset& s = shape();
    return training_fingerprint(config, records(), s.feature_dim, s.sparse, train_.content_hash);
  }

  // One pass over this rank's cache; the index is of every rank's features, so that the ranks'
  // parameter rows agree.
  FeatureIndex nonzero_features(ThreadPool&, Communicator& comm) override {
    std::vector<std::uint64_t> seen((shape().feature_dim + 63) / 64, 0);
    for (std::size_t b = 0; b < train_.cache->blocks(); ++b) mark_nonzero_features(train_.cache->read_block(b), seen);
    return index_of_marked(shape().feature_dim, seen, &comm);
  }

 private:
  const StreamedTrain& train_;
  const TrainConfig& config_;
  const ClassWeights& class_weights_;
  const Steps steps_;
  std::unique_ptr<StreamingEpoch> stream_;
  std::size_t step_ = 0;
  Dataset batch_;
  std::vector<float> weights_;
  std::vector<std::uint32_t> indices_;
};

}  // namespace

std::unique_ptr<EpochSource> make_in_memory_epochs(const Dataset& train, const TrainConfig& config,
                                                   const ClassWeights& weights, Communicator& comm) {
  return std::make_unique<InMemoryEpochs>(train, config, weights, comm);
}

std::unique_ptr<EpochSource> make_streamed_epochs(const StreamedTrain& train, const TrainConfig& config,
                                                  const ClassWeights& weights, Communicator& comm) {
  return std::make_unique<StreamedEpochs>(train, config, weights, comm);
}

}  // namespace linlearn
