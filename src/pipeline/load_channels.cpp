// The load_channels stage: the training channel in memory (this rank's share) or streamed through
// an on-disk cache, then validation and test at the training data's width, sparse channels dense
// enough brought to the dense layout, the channels' counts over every rank and the facts the
// data-dependent autos are resolved from.
#include <array>
#include <chrono>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "io/channel_reader.h"
#include "linlearn/chunked_reader.h"
#include "linlearn/class_weights.h"
#include "linlearn/densify.h"
#include "linlearn/distribution.h"
#include "linlearn/errors.h"
#include "linlearn/huge_pages.h"
#include "linlearn/reader.h"
#include "linlearn/train_job.h"

namespace linlearn {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The bytes this rank's share of the training channel takes in memory, estimated from its files: a
// rank that reads every file keeps 1 / ranks of their records.
std::size_t estimated_share_bytes(const TrainRequest& request, Distribution distribution, const Communicator& comm) {
  if (comm.size() == 1) return estimated_input_bytes(request.train);
  const RankShare share = share_for_rank(expand_paths(request.train), distribution, comm.rank(), comm.size());
  const std::size_t bytes = estimated_input_bytes(share.files);
  return share.records == RecordSelection::kAll ? bytes : bytes / static_cast<std::size_t>(comm.size());
}

// Streams the training data through an on-disk cache when its estimated size in memory exceeds
// --max-memory; under MPI, when any rank's share exceeds it, every rank streams its share.
bool should_stream(const TrainRequest& request, std::size_t max_memory, Distribution distribution, Communicator& comm,
                   spdlog::logger& log) {
  const std::size_t estimate = estimated_share_bytes(request, distribution, comm);
  const bool stream = comm.max(estimate > max_memory ? 1 : 0) != 0;
  log.debug("training data: about {} bytes in memory{}, --max-memory {} bytes: {}", estimate,
            comm.size() > 1 ? " on this rank" : "", max_memory,
            stream ? "streaming it through an on-disk cache" : "in memory");
  return stream;
}

// Epochs read the training records in shuffled order, and a sparse record's few hundred bytes of
// values and indices cost a TLB miss or two each on 4 KiB pages. On huge pages a sparse epoch saves
// about 0.6 us per record (bench/: 3.7 s epochs became 3.1 s), and moving the store costs about 1 us
// per record where the hypervisor has not backed the new pages yet, so it pays from the second
// epoch. Dense stores stay on small pages: with the same fault cost (3 ns per byte) Fashion-MNIST's
// 188 MB take 0.5 s to move and a 32-model epoch saves 12-15 ms, more than a default run recovers.
void back_sparse_training_store_with_huge_pages(const Dataset& train, int epochs, spdlog::logger& log) {
  constexpr std::size_t kWorthIt = std::size_t{32} << 20;  // below, small pages' TLB reach covers much of it
  // The values as stored: floats, or their byte codes (Dataset::code_values).
  const bool coded = !train.palette.empty();
  const void* value_store = coded ? static_cast<const void*>(train.value_codes.data()) : train.values.data();
  const std::size_t value_bytes = coded ? train.value_codes.size() : train.values.size() * sizeof(float);
  const std::size_t index_bytes = train.col_idx.size() * sizeof(std::uint32_t);
  if (!train.sparse || epochs < 2 || value_bytes + index_bytes < kWorthIt) return;
  const auto started = std::chrono::steady_clock::now();
  const bool values_moved = back_with_huge_pages(value_store, value_bytes);
  const bool indices_moved = back_with_huge_pages(train.col_idx.data(), index_bytes);
  log.debug("sparse training store: {} MB {} huge pages in {:.3f} s", (value_bytes + index_bytes) >> 20,
            values_moved && indices_moved ? "moved to" : "advised for", seconds_since(started));
}

// This rank's share of a channel: one process reads it all; the ranks of a job split its files or
// records by --distribution.
Dataset read_share(const std::vector<std::string>& specs, const ReadOptions& read, Distribution distribution,
                   const Communicator& comm) {
  if (comm.size() == 1) return read_channel(specs, read);
  const RankShare share = share_for_rank(expand_paths(specs), distribution, comm.rank(), comm.size());
  // A range of a channel of text files is parsed alone: the lines that start in the rank's part
  // of the bytes (the others cannot be cut without reading them through).
  if (share.records == RecordSelection::kRange) {
    std::optional<Dataset> part = read_channel_part(share.files, read, static_cast<std::size_t>(comm.rank()),
                                                    static_cast<std::size_t>(comm.size()));
    if (part) return std::move(*part);
  }
  Dataset data = read_channel(share.files, read);
  if (share.records == RecordSelection::kAll) return data;
  return select_records(data, share.records, comm.rank(), comm.size());
}

// Runs `read` on every rank, then the ranks agree on its outcome: when any rank hit bad input, every
// rank throws the lowest failing rank's message (exit 3) rather than wait for a peer that stopped.
template <class Read>
void read_together(Communicator& comm, Read&& read) {
  std::string error;
  try {
    read();
  } catch (const InputError& e) {
    error = e.what();
  }
  error = comm.first_error(error);
  if (!error.empty()) throw InputError(error);
}

// This rank's share of a channel, read together. Its LIBSVM indices are 0-based when any rank's
// files hold index 0, as when one process reads every file: a rank whose share settled 1-based
// while another's is 0-based reads its share again as 0-based (a rare mix of files).
Dataset read_share_together(const std::vector<std::string>& specs, const ReadOptions& read, Distribution distribution,
                            Communicator& comm) {
  Dataset share;
  read_together(comm, [&] { share = read_share(specs, read, distribution, comm); });
  if (comm.size() == 1) return share;
  if (comm.max(share.libsvm_base == IndexBase::kZeroBased ? 1 : 0) == 0) return share;
  ReadOptions zero_based = read;
  zero_based.libsvm_base = IndexBase::kZeroBased;
  read_together(comm, [&] {
    if (share.libsvm_base == IndexBase::kOneBased) share = read_share(specs, zero_based, distribution, comm);
  });
  return share;
}

struct Shape {
  std::size_t feature_dim = 0;
  bool sparse = false;
};

// Each rank infers feature_dim and density from its own records; the job takes the widest and goes
// sparse everywhere when any rank's records are sparse, as one process reading every file would.
Shape agreed_shape(Shape mine, bool has_records, const std::vector<std::string>& files, Communicator& comm) {
  const Shape job{static_cast<std::size_t>(comm.max(static_cast<long long>(mine.feature_dim))),
                  comm.max(mine.sparse ? 1 : 0) != 0};
  if (!job.sparse && has_records && mine.feature_dim != job.feature_dim)
    throw InputError(fmt::format("{}: records have {} features, expected {} (as in another rank's files)",
                                 files.empty() ? std::string("training data") : files.front(), mine.feature_dim,
                                 job.feature_dim));
  return job;
}

void agree_on_shape(Dataset& train, Communicator& comm) {
  const Shape job = agreed_shape({train.feature_dim, train.sparse}, train.rows() > 0, train.files, comm);
  if (job.sparse) train.to_sparse();
  train.feature_dim = job.feature_dim;
}

// Brings a sparse channel to the dense layout when its records over every rank are dense enough and
// the dense copy fits within `max_memory` on each rank, next to the `held_bytes` of the channels in
// memory there (this one included). Returns why, for the log; empty when it stays as read.
std::string densify_if_dense_enough(Dataset& data, std::size_t held_bytes, std::size_t max_memory, Communicator& comm) {
  std::array<double, 3> counts{static_cast<double>(data.rows()), static_cast<double>(data.nonzeros()),
                               data.sparse ? 1.0 : 0.0};
  comm.sum(counts);
  const auto [rows, nonzeros, sparse_ranks] = counts;
  if (sparse_ranks == 0) return {};
  const bool fits = !data.sparse || dense_copy_fits(held_bytes, data.rows(), data.feature_dim, max_memory);
  const bool all_fit = comm.max(fits ? 0 : 1) == 0;
  if (!dense_enough(rows, nonzeros, data.feature_dim) || !all_fit) return {};
  const auto started = std::chrono::steady_clock::now();
  data.to_dense();
  return fmt::format(
      "{:.1f}% of its {} x {} cells hold a value ({:.0f}% or more goes dense) and the dense store, "
      "{} MB, fits within the memory limit of {} MB (--max-memory); converted in {:.2f} s",
      100.0 * nonzeros / (rows * static_cast<double>(data.feature_dim)), static_cast<std::size_t>(rows),
      data.feature_dim, 100.0 * kDenseEnoughShare, data.bytes() >> 20, max_memory >> 20, seconds_since(started));
}

// The validation and test channels of dense training data go dense by the same rule, so that they
// agree with the training channel's layout wherever memory allows.
void densify_evaluation_channels(LoadedChannels& data, std::size_t max_memory, Communicator& comm,
                                 spdlog::logger& log) {
  for (auto [name, channel] : {std::pair{"validation", &data.validation}, std::pair{"test", &data.test}}) {
    const std::size_t held = data.train.bytes() + data.validation.bytes() + data.test.bytes();
    const std::string why = densify_if_dense_enough(*channel, held, max_memory, comm);
    if (!why.empty()) log.debug("{} data: densified like the training data: {}", name, why);
  }
}

// One-hot and hashed categorical data hold few distinct values: a channel of them keeps a byte
// each, coded as soon as it is read, before the next channel adds to the memory held. (Evaluation
// channels of dense training data are left plain: they may go dense.)
void code_values(Dataset& channel, const char* name, spdlog::logger& log) {
  if (channel.code_values())
    log.debug("{} data: {} distinct value{}, stored as a byte each", name, channel.palette.size(),
              channel.palette.size() == 1 ? "" : "s");
}

// A channel over every rank: its records summed, its files listed.
ChannelCounts count_channel(const Dataset& data, const std::vector<std::string>& specs, Communicator& comm) {
  ChannelCounts counts{data.rows(), {}};
  if (comm.size() == 1) return counts;
  double records = static_cast<double>(data.rows());
  comm.sum(std::span<double>(&records, 1));
  counts.records = static_cast<std::size_t>(records);
  if (!specs.empty()) counts.all_files = expand_paths(specs);
  return counts;
}

ReadOptions read_options(const TrainRequest& request, const TrainConfig& config, const Loss& loss, int threads,
                         spdlog::logger& log) {
  ReadOptions read;
  read.content_type = parse_content_type(request.content_type);
  read.feature_dim = config.feature_dim;
  read.threads = threads;
  read.label_ok = [&loss](float y) { return loss.valid_label(y); };
  read.label_expected = loss.label_domain();
  read.minus_one_is_zero = config.predictor_type == PredictorType::kBinary;
  read.note = [&log](const std::string& note) { log.debug("{}", note); };
  return read;
}

// The ranks' caches read alike: the widest feature_dim, CSR when any rank's records are sparse.
void agree_on_streamed_shape(StreamedTrain& streamed, Communicator& comm) {
  RecordCache& cache = *streamed.cache;
  const Shape job = agreed_shape({cache.feature_dim(), cache.sparse()}, cache.records() > 0, streamed.files, comm);
  cache.widen(job.feature_dim, job.sparse);
  if (job.sparse) streamed.scaler_sample.to_sparse();
  streamed.scaler_sample.feature_dim = job.feature_dim;
}

// The cache's statistics over every rank: records, the evaluation sample, class counts (the
// scaler samples are combined by compute_normalization, the content hashes by the trainer).
void add_up_streamed(StreamedTrain& streamed, const TrainConfig& config, Communicator& comm) {
  double totals[2] = {
      static_cast<double>(streamed.cache->records()),
      static_cast<double>(std::min(evaluation_sample_share(streamed, config), streamed.cache->records()))};
  comm.sum(std::span<double>(totals, 2));
  streamed.job_records = static_cast<std::size_t>(totals[0]);
  streamed.job_sampled_records = static_cast<std::size_t>(totals[1]);
  // A rank without records of a class (or without records) has a shorter list.
  streamed.class_counts.resize(count_classes({}, config).size(), 0.0);
  comm.sum(streamed.class_counts);
}

void stream_train(const TrainRequest& request, const TrainConfig& config, const ReadOptions& read,
                  std::size_t max_memory, Distribution distribution, Communicator& comm, LoadedChannels& data,
                  spdlog::logger& log) {
  // Blocks small enough that a block, its parse and the cache writer's buffers fit well inside the limit.
  const std::size_t block_bytes = std::min<std::size_t>(std::size_t{64} << 20, max_memory / 8);
  const std::filesystem::path cache_dir = request.cache_dir.empty()
                                              ? std::filesystem::path(request.output_dir) / "cache"
                                              : std::filesystem::path(request.cache_dir);
  // Ranks that share a cache directory (one host, or shared storage) each write their own file.
  const std::string name = comm.size() > 1 ? fmt::format("train.rank{}.cache", comm.rank()) : "train.cache";
  std::vector<std::string> files = request.train;
  StreamShare share{comm.rank(), comm.size(), false};
  if (comm.size() > 1) {
    const RankShare rank_share = share_for_rank(expand_paths(request.train), distribution, comm.rank(), comm.size());
    files = rank_share.files;
    share.every_nth = rank_share.records != RecordSelection::kAll;
  }
  ReadOptions share_read = read;
  if (comm.size() > 1 && read.libsvm_base == IndexBase::kAuto) {
    // One base for every rank's files, as for one process reading them all (read_share_together).
    IndexBase mine = IndexBase::kOneBased;
    read_together(comm, [&] { mine = scan_libsvm_base(files, read, block_bytes); });
    const bool zero_based = comm.max(mine == IndexBase::kZeroBased ? 1 : 0) != 0;
    share_read.libsvm_base = zero_based ? IndexBase::kZeroBased : IndexBase::kOneBased;
  }
  read_together(comm, [&] {
    data.streamed.emplace(
        build_streamed_train(files, share_read, block_bytes, (cache_dir / name).string(), config, share));
  });
  StreamedTrain& streamed = *data.streamed;
  if (comm.size() > 1) read_together(comm, [&] { agree_on_streamed_shape(streamed, comm); });
  streamed.shuffle_buffer = shuffle_buffer_records(request.shuffle_buffer, max_memory, *streamed.cache);
  if (streamed.shuffle_buffer < request.shuffle_buffer)
    log.debug("shuffle buffer: {} records (a quarter of --max-memory)", streamed.shuffle_buffer);
  const std::size_t ranks = static_cast<std::size_t>(comm.size());
  streamed.evaluation_sample = (evaluation_sample_records(max_memory, config) + ranks - 1) / ranks;
  add_up_streamed(streamed, config, comm);
  // `train` keeps only the shape: the records stay in the cache.
  data.train.feature_dim = streamed.cache->feature_dim();
  data.train.sparse = streamed.cache->sparse();
  data.train.files = streamed.files;
  data.train.libsvm_base = streamed.libsvm_base;
  data.train_counts = {streamed.job_records,
                       comm.size() > 1 ? expand_paths(request.train) : std::vector<std::string>{}};
  data.summary.cache_path = streamed.cache->path();
  log.debug("cached {} training records in {} blocks at {}", streamed.cache->records(), streamed.cache->blocks(),
            streamed.cache->path());
}

// The class counts over every rank, checked for classes that never occur.
DataFacts training_facts(const LoadedChannels& data, const TrainConfig& config, Communicator& comm,
                         spdlog::logger& log) {
  DataFacts facts{data.train_counts.records, data.train.feature_dim, data.train.sparse, {}};
  facts.validation = data.validation_or_null() != nullptr;
  if (data.streamed) {
    facts.class_counts = data.streamed->class_counts;  // already over every rank
  } else {
    facts.class_counts = count_classes(data.train.labels, config);
    comm.sum(facts.class_counts);
  }
  const std::vector<std::string>& files = data.train.files;
  const std::string source = files.empty()       ? std::string("training data")
                             : files.size() == 1 ? files.front()
                                                 : fmt::format("{} and {} more files", files.front(), files.size() - 1);
  for (const std::string& warning : check_class_counts(facts.class_counts, config, source)) log.warn("{}", warning);
  return facts;
}

}  // namespace

Channels LoadedChannels::channels() const {
  return {streamed ? nullptr : &train, validation_or_null(), test_or_null(), streamed ? &*streamed : nullptr};
}

std::vector<ChannelSummary> LoadedChannels::summaries() const {
  std::vector<ChannelSummary> out{{"train", &train, train_counts.records, train_counts.all_files, std::nullopt}};
  if (streamed) out.front().sampled_records = streamed->job_sampled_records;
  if (validation_or_null() != nullptr)
    out.push_back({"validation", &validation, validation_counts.records, validation_counts.all_files, std::nullopt});
  if (test_or_null() != nullptr)
    out.push_back({"test", &test, test_counts.records, test_counts.all_files, std::nullopt});
  return out;
}

LoadedChannels load_channels(const TrainRequest& request, const TrainConfig& config, int threads, Communicator& comm,
                             spdlog::logger& log) {
  const Distribution distribution = parse_distribution(request.distribution);
  const auto loss = make_loss(config.loss, config.loss_params);
  ReadOptions read = read_options(request, config, *loss, threads, log);
  const std::size_t max_memory =
      request.max_memory.empty() ? default_max_memory() : parse_memory_size(request.max_memory);
  const auto started = std::chrono::steady_clock::now();
  LoadedChannels data;
  if (should_stream(request, max_memory, distribution, comm, log)) {
    stream_train(request, config, read, max_memory, distribution, comm, data, log);
  } else {
    data.train = read_share_together(request.train, read, distribution, comm);
    if (comm.size() > 1) read_together(comm, [&] { agree_on_shape(data.train, comm); });
    data.train_counts = count_channel(data.train, request.train, comm);
    // A warm start keeps the layout read: sparse data widens to the initial model, dense cannot.
    const std::string why = request.initial_model.empty()
                                ? densify_if_dense_enough(data.train, data.train.bytes(), max_memory, comm)
                                : std::string();
    if (!why.empty()) log.info("training data densified, it trains on the dense layout: {}", why);
    code_values(data.train, "training", log);
  }
  // Every channel of a job has the training data's width and reads LIBSVM indices as it did.
  read.feature_dim = data.train.feature_dim;
  read.feature_dim_owner = "the training data's";
  read.exact_width = true;
  read.libsvm_base = data.train.libsvm_base;
  // Each channel in its own content type when it has one (SageMaker's inputdataconfig.json).
  const auto read_as = [&](const std::string& content_type) {
    ReadOptions as = read;
    if (!content_type.empty()) as.content_type = parse_content_type(content_type);
    return as;
  };
  if (!request.validation.empty()) {
    data.validation =
        read_share_together(request.validation, read_as(request.validation_content_type), distribution, comm);
    if (data.train.sparse) code_values(data.validation, "validation", log);
  }
  if (!request.test.empty()) {
    data.test = read_share_together(request.test, read_as(request.test_content_type), distribution, comm);
    if (data.train.sparse) code_values(data.test, "test", log);
  }
  // A rank whose share of a channel is empty read nothing; its (empty) scores have the model's width.
  for (Dataset* d : {&data.validation, &data.test})
    if (d->rows() == 0) d->feature_dim = data.train.feature_dim;
  if (!data.train.sparse) densify_evaluation_channels(data, max_memory, comm, log);
  data.validation_counts = count_channel(data.validation, request.validation, comm);
  data.test_counts = count_channel(data.test, request.test, comm);
  data.summary.train_records = data.train_counts.records;
  data.summary.validation_records = data.validation_counts.records;
  data.summary.test_records = data.test_counts.records;
  data.summary.feature_dim = data.train.feature_dim;
  data.summary.sparse = data.train.sparse;
  data.summary.read_seconds = seconds_since(started);
  back_sparse_training_store_with_huge_pages(data.train, config.epochs, log);
  data.facts = training_facts(data, config, comm, log);
  return data;
}

}  // namespace linlearn
