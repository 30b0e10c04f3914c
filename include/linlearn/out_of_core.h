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
#include "linlearn/communicator.h"
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
  Dataset scaler_sample;             // uniform sample of num_point_for_scaler records, cache's shape
  std::vector<double> class_counts;  // count_classes over every record
  std::string content_hash;          // ContentHasher::add_records over every block, in order
  std::size_t shuffle_buffer = 100000;
  // Records of the uniform sample that stands for the channel after training (see evaluate_cache);
  // set from --max-memory by evaluation_sample_records.
  std::size_t evaluation_sample = 100000;
  // Under MPI the cache holds this rank's share of a channel streamed by `ranks` processes, and
  // the statistics above are this rank's until load_channels adds them up.
  int ranks = 1;
  std::size_t job_records = 0;               // the cached records of every rank
  std::size_t job_sampled_records = 0;       // the evaluation sample over every rank
  std::vector<std::string> files;            // where the records came from
  IndexBase libsvm_base = IndexBase::kAuto;  // how its LIBSVM files were read
};

// What the data-dependent `auto`s resolve from, for a streamed training channel.
DataFacts describe_training_data(const StreamedTrain& train);

// Which records of the files it reads a rank of a job streams into its cache.
struct StreamShare {
  int rank = 0;
  int ranks = 1;
  bool every_nth = false;  // keep the records rank, rank + ranks, ... of the files (else all)
};

// Reads `specs` in blocks of about block_bytes into a new cache at cache_path (its directory is
// created), keeping the sample, counts and hash on the way. InputError as read_channel. A rank of a
// job keeps its share of the records, and a scaler sample of its share (1 / ranks) of
// num_point_for_scaler records, as compute_normalization takes from each rank.
StreamedTrain build_streamed_train(const std::vector<std::string>& specs, const ReadOptions& read,
                                   std::size_t block_bytes, const std::string& cache_path, const TrainConfig& config,
                                   const StreamShare& share = {});

// How many records the sample of evaluate_cache may hold: their scores under num_models models,
// labels, weights and the copies that calibration and the report make take at most an eighth of
// max_memory, so the sample is bounded whatever the data size; at most num_calibration_samples, and
// at least 10000 records (about 1 MB) so that a small --max-memory still calibrates on enough.
std::size_t evaluation_sample_records(std::size_t max_memory, const TrainConfig& config);

// Records the shuffle buffer of a streamed epoch holds: `requested` (--shuffle-buffer), at most as
// many of the cache's records as a quarter of max_memory holds, so that streaming stays within
// --max-memory whatever the width of the records.
std::size_t shuffle_buffer_records(std::size_t requested, std::size_t max_memory, const RecordCache& cache);

// The records of this process's cache that evaluate_cache keeps: its share of the evaluation
// sample, at most its share of num_calibration_samples.
std::size_t evaluation_sample_share(const StreamedTrain& train, const TrainConfig& config);

// Every cached record scored by one or more models in one pass, a block at a time, in memory that
// does not grow with the records. `weights` and `bias` stack the models' raw parameters as
// compute_margins expects (models * loss.outputs() columns; rows per feature of `features` when
// given). Per model: the metrics of a StreamedEvaluation (exact, but roc_auc_score) and the scores
// of a uniform sample of min(sample_records, records) records drawn from (seed,
// kCalibrationSample), whose labels and record weights come alongside. Under several ranks
// (`comm`), each rank's cache is its share: the metrics are over every rank's records and the
// sample is every rank's, in rank order.
struct CacheEvaluation {
  std::vector<Evaluation> models;
  std::vector<float> labels;   // of the sampled records
  std::vector<float> weights;  // of the sampled records
};
CacheEvaluation evaluate_cache(const RecordCache& cache, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                               const Loss& loss, const EvaluationSettings& settings, const ClassWeights& class_weights,
                               std::size_t sample_records, std::uint64_t seed, ThreadPool& pool,
                               const FeatureIndex* features = nullptr, Communicator* comm = nullptr);

}  // namespace linlearn
