#pragma once
// Training on data larger than memory: the training channel is parsed once into an on-disk record
// cache while the statistics that need every record (class counts, a content hash, a uniform sample
// for the normalization) are gathered; epochs then stream the cache (see streaming_epoch.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "linlearn/class_weights.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/reader.h"
#include "linlearn/record_cache.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

// "1048576", "64K", "64M", "2G" (powers of 1024, case-insensitive); UsageError otherwise.
std::size_t parse_memory_size(const std::string& text);

// Half of the physical memory.
std::size_t default_max_memory();

// Bytes the channel takes in memory, estimated from its files: their sizes, four times that for
// .gz files. Standard input counts 0 (it cannot be measured, and is read into memory).
std::size_t estimated_input_bytes(const std::vector<std::string>& specs);

// The training channel as a cache, with what one pass over it computed.
struct StreamedTrain {
  std::unique_ptr<RecordCache> cache;
  Dataset scaler_sample;              // uniform sample of num_point_for_scaler records, cache's shape
  std::vector<double> class_counts;   // count_classes over every record
  std::string content_hash;           // ContentHasher::add_records over every block, in order
  std::size_t shuffle_buffer = 100000;
  std::vector<std::string> files;     // where the records came from
};

// Reads `specs` in blocks of about block_bytes into a new cache at cache_path (its directory is
// created), keeping the sample, counts and hash on the way. InputError as read_channel.
StreamedTrain build_streamed_train(const std::vector<std::string>& specs, const ReadOptions& read,
                                   std::size_t block_bytes, const std::string& cache_path, const TrainConfig& config);

// Margins of every cached record (raw weights, as compute_margins) with labels and record weights,
// computed one block at a time.
struct CacheScores {
  RowMatrix margins;
  std::vector<float> labels;
  std::vector<float> weights;
};
CacheScores score_cache(const RecordCache& cache, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                        const ClassWeights& class_weights, ThreadPool& pool);

}  // namespace linlearn
