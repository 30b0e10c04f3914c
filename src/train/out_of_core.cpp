#include "linlearn/out_of_core.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <fmt/format.h>

#include "checkpoint.h"
#include "linlearn/chunked_reader.h"
#include "linlearn/distribution.h"
#include "linlearn/errors.h"
#include "linlearn/random.h"
#include "linlearn/shuffler.h"

namespace linlearn {
namespace {

// A uniform sample of a stream of records (reservoir sampling, algorithm R): record i replaces a
// random slot with probability capacity / (i + 1), so every record is kept with equal chance.
class RecordReservoir {
 public:
  RecordReservoir(std::size_t capacity, std::uint64_t seed)
      : capacity_(capacity), rng_(seed, RandomStream::kScalerSample) {}

  void offer(const Dataset& block) {
    any_sparse_ = any_sparse_ || block.sparse;
    for (std::size_t r = 0; r < block.rows(); ++r, ++seen_) {
      std::size_t slot = slots_.size();
      if (slots_.size() >= capacity_) {
        slot = static_cast<std::size_t>(rng_.below(seen_ + 1));
        if (slot >= capacity_) continue;
      } else {
        slots_.emplace_back();
      }
      store(block, r, slots_[slot]);
    }
  }

  // The sample as one store: dense when every block was dense, else CSR of width feature_dim.
  Dataset take(std::size_t feature_dim) const {
    Dataset d;
    d.feature_dim = feature_dim;
    d.sparse = any_sparse_;
    for (const Slot& s : slots_) {
      d.labels.push_back(s.label);
      if (!any_sparse_) {
        d.dense.insert(d.dense.end(), s.values.begin(), s.values.end());
        continue;
      }
      for (std::size_t k = 0; k < s.values.size(); ++k) {
        const auto column = s.dense ? static_cast<std::uint32_t>(k) : s.columns[k];
        if (s.dense && s.values[k] == 0.0F) continue;
        d.col_idx.push_back(column);
        d.values.push_back(s.values[k]);
      }
      d.row_ptr.push_back(d.values.size());
    }
    return d;
  }

 private:
  struct Slot {
    float label = 0;
    bool dense = true;
    std::vector<std::uint32_t> columns;  // sparse only
    std::vector<float> values;
  };

  static void store(const Dataset& block, std::size_t r, Slot& slot) {
    slot.label = block.labels[r];
    slot.dense = !block.sparse;
    if (slot.dense) {
      const float* row = block.dense.data() + r * block.feature_dim;
      slot.columns.clear();
      slot.values.assign(row, row + block.feature_dim);
      return;
    }
    const auto begin = static_cast<std::ptrdiff_t>(block.row_ptr[r]);
    const auto end = static_cast<std::ptrdiff_t>(block.row_ptr[r + 1]);
    slot.columns.assign(block.col_idx.begin() + begin, block.col_idx.begin() + end);
    slot.values.assign(block.values.begin() + begin, block.values.begin() + end);
  }

  std::size_t capacity_;
  Rng rng_;
  std::vector<Slot> slots_;
  std::size_t seen_ = 0;
  bool any_sparse_ = false;
};

}  // namespace

std::size_t parse_memory_size(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0) ++digits;
  const std::string suffix = text.substr(digits);
  const auto invalid = [&] {
    return UsageError(fmt::format("--max-memory: '{}' is not a size; expected bytes, optionally with K, M or G", text));
  };
  if (digits == 0 || digits > 15) throw invalid();
  std::size_t multiplier = 1;
  if (suffix.size() > 1) throw invalid();
  if (suffix.size() == 1) {
    switch (std::toupper(static_cast<unsigned char>(suffix[0]))) {
      case 'K':
        multiplier = std::size_t{1} << 10;
        break;
      case 'M':
        multiplier = std::size_t{1} << 20;
        break;
      case 'G':
        multiplier = std::size_t{1} << 30;
        break;
      default:
        throw invalid();
    }
  }
  const std::size_t bytes = std::stoull(text.substr(0, digits)) * multiplier;
  if (bytes == 0) throw UsageError("--max-memory must be positive");
  return bytes;
}

std::size_t default_max_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::size_t{1} << 31;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(page_size) / 2;
}

std::size_t estimated_input_bytes(const std::vector<std::string>& specs) {
  // Parsed float32 records take about as much memory as their text; gzip packs text about 4 times.
  constexpr std::size_t kGzipRatio = 4;
  std::size_t total = 0;
  for (const std::string& path : expand_paths(specs)) {
    if (path == "-") continue;
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) continue;
    const bool gzipped = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    total += static_cast<std::size_t>(size) * (gzipped ? kGzipRatio : 1);
  }
  return total;
}

DataFacts describe_training_data(const StreamedTrain& train) {
  return {train.cache->records(), train.cache->feature_dim(), train.cache->sparse(), train.class_counts};
}

StreamedTrain build_streamed_train(const std::vector<std::string>& specs, const ReadOptions& read,
                                   std::size_t block_bytes, const std::string& cache_path, const TrainConfig& config,
                                   const StreamShare& share) {
  const std::filesystem::path dir = std::filesystem::path(cache_path).parent_path();
  std::error_code error;
  if (!dir.empty()) std::filesystem::create_directories(dir, error);
  if (error) throw OutputError(fmt::format("{}: cannot create the cache directory: {}", dir.string(), error.message()));
  StreamedTrain out;
  out.ranks = share.ranks;
  RecordCacheWriter writer = RecordCacheWriter::create(cache_path);
  const auto points = static_cast<std::size_t>(std::max<std::int64_t>(config.normalization.num_point_for_scaler, 0));
  const auto ranks = static_cast<std::size_t>(share.ranks);
  RecordReservoir reservoir((points + ranks - 1) / ranks, config.seed + static_cast<std::uint64_t>(share.rank));
  ContentHasher hasher;
  std::size_t read_records = 0;
  read_channel_in_blocks(specs, read, block_bytes, [&](Dataset&& read_block) {
    const std::size_t first = read_records;
    read_records += read_block.rows();
    Dataset block =
        share.every_nth ? every_nth_record(read_block, first, share.rank, share.ranks) : std::move(read_block);
    writer.append(block);
    reservoir.offer(block);
    hasher.add_records(block);
    const std::vector<double> counts = count_classes(block.labels, config);
    if (out.class_counts.size() < counts.size()) out.class_counts.resize(counts.size(), 0.0);
    for (std::size_t c = 0; c < counts.size(); ++c) out.class_counts[c] += counts[c];
    if (block.libsvm_base != IndexBase::kAuto) out.libsvm_base = block.libsvm_base;
    for (const auto& file : block.files)
      if (out.files.empty() || out.files.back() != file) out.files.push_back(file);
  });
  writer.finish();
  out.cache = std::make_unique<RecordCache>(RecordCache::open(cache_path));
  out.scaler_sample = reservoir.take(out.cache->feature_dim());
  out.content_hash = hasher.hex();
  return out;
}

std::size_t shuffle_buffer_records(std::size_t requested, std::size_t max_memory, const RecordCache& cache) {
  if (cache.records() == 0) return requested;
  std::error_code error;
  const auto file_bytes = static_cast<std::size_t>(std::filesystem::file_size(cache.path(), error));
  // A record in the buffer takes about its bytes in the cache; a sparse one also its two vectors.
  constexpr std::size_t kSparseSlotBytes = 64;
  const std::size_t per_record =
      (error ? 0 : file_bytes / cache.records()) + (cache.sparse() ? kSparseSlotBytes : 0) + sizeof(float);
  return std::min(requested, std::max<std::size_t>(max_memory / 4 / per_record, 1));
}

std::size_t evaluation_sample_share(const StreamedTrain& train, const TrainConfig& config) {
  const auto ranks = static_cast<std::size_t>(train.ranks);
  const auto calibration =
      static_cast<std::size_t>(std::max<std::int64_t>(config.selection.num_calibration_samples, 0));
  return std::min(train.evaluation_sample, (calibration + ranks - 1) / ranks);
}

std::size_t evaluation_sample_records(std::size_t max_memory, const TrainConfig& config) {
  constexpr std::size_t kMinimum = 10000;
  // Per sampled record: a float score per model output, then label, weight and the sorted copies.
  constexpr std::size_t kBytesPerRecord = 64;
  const auto outputs =
      static_cast<std::size_t>(config.predictor_type == PredictorType::kMulticlass ? config.num_classes : 1);
  const std::size_t per_record =
      kBytesPerRecord + sizeof(float) * outputs * std::max<std::size_t>(config.models.size(), 1);
  const std::size_t fits = max_memory / 8 / per_record;
  const auto calibration =
      static_cast<std::size_t>(std::max<std::int64_t>(config.selection.num_calibration_samples, 1));
  return std::min(calibration, std::max(fits, kMinimum));
}

CacheEvaluation evaluate_cache(const RecordCache& cache, const RowMatrix& weights, const Eigen::RowVectorXf& bias,
                               const Loss& loss, const EvaluationSettings& settings, const ClassWeights& class_weights,
                               std::size_t sample_records, std::uint64_t seed, ThreadPool& pool,
                               const FeatureIndex* features, Communicator* comm) {
  // Rows scored at a time: a multiple of compute_margins' 512-row blocks, so the margins of a few
  // models stay small even when a cache block holds millions of narrow records.
  constexpr std::size_t kChunkRows = 8192;
  const int models = static_cast<int>(weights.cols()) / loss.outputs();
  std::vector<StreamedEvaluation> evaluations;
  evaluations.reserve(static_cast<std::size_t>(models));
  for (int m = 0; m < models; ++m) evaluations.emplace_back(loss, settings);
  SequentialSample sample(cache.records(), sample_records, seed, RandomStream::kCalibrationSample);
  CacheEvaluation out;
  out.labels.reserve(std::min(sample_records, cache.records()));
  out.weights.reserve(std::min(sample_records, cache.records()));
  std::vector<std::uint8_t> keep;
  for (std::size_t b = 0; b < cache.blocks(); ++b) {
    const Dataset block = cache.read_block(b);
    const std::vector<float> record_weights = class_weights.for_records(block);
    for (std::size_t begin = 0; begin < block.rows(); begin += kChunkRows) {
      const std::size_t end = std::min(block.rows(), begin + kChunkRows);
      const RowMatrix margins = compute_margins(block, begin, end, weights, bias, pool, features);
      keep.resize(end - begin);
      for (std::size_t r = begin; r < end; ++r) {
        keep[r - begin] = sample.next() ? 1 : 0;
        if (keep[r - begin] == 0) continue;
        out.labels.push_back(block.labels[r]);
        out.weights.push_back(record_weights[r]);
      }
      const std::span<const float> labels(block.labels.data() + begin, end - begin);
      const std::span<const float> chunk_weights(record_weights.data() + begin, end - begin);
      for (int m = 0; m < models; ++m)
        evaluations[static_cast<std::size_t>(m)].add(margins, m * loss.outputs(), labels, chunk_weights, keep);
    }
  }
  if (comm != nullptr && comm->size() > 1) {
    for (auto& e : evaluations) e.combine(*comm);
    out.labels = comm->gather(out.labels);
    out.weights = comm->gather(out.weights);
  }
  for (auto& e : evaluations) out.models.push_back(e.finish(out.labels, out.weights));
  return out;
}

}  // namespace linlearn
