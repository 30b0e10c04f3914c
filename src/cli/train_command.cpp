// `linlearn train`: options -> TrainConfig -> data -> trainer -> artifacts.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/logging.h"
#include "linlearn/artifacts.h"
#include "linlearn/class_weights.h"
#include "linlearn/config.h"
#include "linlearn/distribution.h"
#include "linlearn/errors.h"
#include "linlearn/huge_pages.h"
#include "linlearn/hyperparameters.h"
#ifdef LINLEARN_WITH_MPI
#include "linlearn/mpi_communicator.h"
#endif
#include "cli/signals.h"
#include "console.h"
#include "console_sink.h"
#include "linlearn/diagnostics.h"
#include "linlearn/out_of_core.h"
#include "linlearn/reader.h"
#include "linlearn/report.h"
#include "linlearn/run_summary.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"
#include "linlearn/trainer.h"
#include "train_options.h"
#include "training_log.h"

namespace linlearn {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Scores of a whole channel with what they were scored against, for metrics and the report.
struct ChannelScores {
  Evaluation evaluation;
  std::vector<float> labels;
  std::vector<float> weights;
};

// Metrics of the whole channel: every rank scores its records, the scores are gathered in rank order.
ChannelScores add_channel_metrics(const std::string& channel, const Dataset& data, const LinearModel& model,
                                  const TrainConfig& config, const ClassWeights& weights, ThreadPool& pool,
                                  Communicator& comm, MetricMap& out) {
  const auto loss = make_loss(model.loss, model.loss_params);
  const RowMatrix local = compute_margins(data, stacked_weights(model), stacked_bias(model), pool);
  const std::vector<float> all =
      comm.gather(std::span<const float>(local.data(), static_cast<std::size_t>(local.size())));
  const std::vector<float> labels = comm.gather(data.labels);
  const std::vector<float> w = comm.gather(weights.for_records(data));
  const RowMatrix margins =
      Eigen::Map<const RowMatrix>(all.data(), static_cast<Eigen::Index>(labels.size()), local.cols());
  Evaluation e = evaluate_margins(margins, 0, *loss, labels, w,
                                  {config.predictor_type, model.threshold, config.accuracy_top_k, config.f_beta});
  for (const auto& [name, value] : e.metrics) out[channel + ":" + name] = value;
  return {std::move(e), labels, w};
}

// The same for a training channel streamed from its cache, in bounded memory: the metrics are exact
// but roc_auc_score, which like the scores returned for the report comes from the same uniform
// sample as the threshold calibration.
ChannelScores add_streamed_metrics(const std::string& channel, const StreamedTrain& streamed, const LinearModel& model,
                                   const TrainConfig& config, const ClassWeights& weights, ThreadPool& pool,
                                   MetricMap& out) {
  const auto loss = make_loss(model.loss, model.loss_params);
  const std::size_t sample =
      std::min(streamed.evaluation_sample, static_cast<std::size_t>(config.selection.num_calibration_samples));
  CacheEvaluation scored =
      evaluate_cache(*streamed.cache, stacked_weights(model), stacked_bias(model), *loss,
                     {config.predictor_type, model.threshold, config.accuracy_top_k, config.f_beta}, weights, sample,
                     config.seed, pool);
  Evaluation e = std::move(scored.models.front());
  for (const auto& [name, value] : e.metrics) out[channel + ":" + name] = value;
  return {std::move(e), std::move(scored.labels), std::move(scored.weights)};
}

// Streams the training data through an on-disk cache when its estimated size in memory exceeds
// --max-memory; one process only (under MPI each rank holds its share in memory).
bool should_stream(const TrainOptions& o, std::size_t max_memory, const Communicator& comm, spdlog::logger& log) {
  const std::size_t estimate = estimated_input_bytes(o.train);
  const bool too_large = estimate > max_memory;
  const bool stream = too_large && comm.size() == 1;
  log.debug("training data: about {} bytes in memory, --max-memory {} bytes: {}", estimate, max_memory,
            stream      ? "streaming it through an on-disk cache"
            : too_large ? "in memory (streaming is not available under MPI)"
                        : "in memory");
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
  const std::size_t value_bytes = train.values.size() * sizeof(float);
  const std::size_t index_bytes = train.col_idx.size() * sizeof(std::uint32_t);
  if (!train.sparse || epochs < 2 || value_bytes + index_bytes < kWorthIt) return;
  const auto started = std::chrono::steady_clock::now();
  const bool values_moved = back_with_huge_pages(train.values.data(), value_bytes);
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

// Each rank infers feature_dim and density from its own records; the job takes the widest and goes
// sparse everywhere when any rank's records are sparse, as one process reading every file would.
void agree_on_shape(Dataset& train, Communicator& comm) {
  const auto dim = static_cast<std::size_t>(comm.max(static_cast<long long>(train.feature_dim)));
  const bool sparse = comm.max(train.sparse ? 1 : 0) != 0;
  if (sparse) train.to_sparse();
  if (!sparse && train.rows() > 0 && train.feature_dim != dim)
    throw InputError(fmt::format("{}: records have {} features, expected {} (as in another rank's files)",
                                 train.files.empty() ? std::string("training data") : train.files.front(),
                                 train.feature_dim, dim));
  train.feature_dim = dim;
}

// The channel as metrics.json describes it: records and files over all ranks.
ChannelSummary summarize(const std::string& name, const Dataset& data, const std::vector<std::string>& specs,
                         Communicator& comm) {
  ChannelSummary summary{name, &data, {}, {}, {}};
  if (comm.size() == 1) return summary;
  double records = static_cast<double>(data.rows());
  comm.sum(std::span<double>(&records, 1));
  summary.total_records = static_cast<std::size_t>(records);
  if (!specs.empty()) summary.all_files = expand_paths(specs);
  return summary;
}

std::size_t records_of(const ChannelSummary& summary) {
  return summary.total_records.value_or(summary.data->rows());
}

// What the `auto`s that depend on the data are resolved from: the training channel's shape and its
// class counts over every rank, checked for classes that never occur.
DataFacts training_facts(const Dataset& train, const StreamedTrain* streamed, std::size_t records,
                         const TrainConfig& config, Communicator& comm, spdlog::logger& log) {
  DataFacts facts{records, train.feature_dim, train.sparse, {}};
  if (streamed != nullptr) {
    facts.class_counts = streamed->class_counts;
  } else {
    facts.class_counts = count_classes(train.labels, config);
    comm.sum(facts.class_counts);
  }
  const std::vector<std::string>& files = streamed != nullptr ? streamed->files : train.files;
  const std::string source = files.empty()       ? std::string("training data")
                             : files.size() == 1 ? files.front()
                                                 : fmt::format("{} and {} more files", files.front(), files.size() - 1);
  for (const std::string& warning : check_class_counts(facts.class_counts, config, source)) log.warn("{}", warning);
  return facts;
}

int run_train(TrainOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  // Started by an MPI launcher with several ranks: this process is one rank of a data-parallel job.
  LocalCommunicator alone;
  Communicator* comm = &alone;
#ifdef LINLEARN_WITH_MPI
  std::optional<MpiSession> mpi_session;
  std::optional<MpiCommunicator> mpi_comm;
  if (started_by_mpi_launcher()) {
    mpi_session.emplace();
    if (mpi_session->size() > 1) comm = &mpi_comm.emplace();
  }
#endif
  const bool lead_rank = comm->rank() == 0;
  // Ranks other than 0 would repeat rank 0's lines; they report errors only.
  const ProgressMode progress = parse_progress_mode(o.progress);
  const Verbosity verbosity = o.quiet ? Verbosity::kQuiet : o.verbose ? Verbosity::kVerbose : Verbosity::kNormal;
  LiveTerminal terminal(stderr, stdout, lead_rank && live_progress(progress, o.quiet));
  const auto sink = std::make_shared<ConsoleSink>(terminal, parse_log_format(o.log_format));
  auto log =
      make_console_logger(sink, parse_log_level(lead_rank || o.log_level == "off" ? o.log_level : "error", verbosity));
  Console console(*log, *sink, terminal);
  const Distribution distribution = parse_distribution(o.distribution);
  if (comm->size() == 1 && o.distribution_option->count() > 0)
    log->warn("--distribution has no effect: this process trains alone (start it with mpirun or srun)");
  for (const auto* specs : {&o.train, &o.validation, &o.test})
    if (comm->size() > 1 && std::find(specs->begin(), specs->end(), "-") != specs->end())
      throw UsageError("standard input ('-') cannot be split over MPI ranks; give files instead");
  const HyperparameterValues values = o.hyperparameter_values();
  const int threads = threads_for(o.threads);
  if (o.threads > threads)
    log->warn(
        "--threads {}: this process may use {} CPUs; training on {} threads (results do not depend on the "
        "thread count)",
        o.threads, threads, threads);
  // Every value is checked here, before any data is read.
  TrainConfig config = resolve_config(values);
  if (lead_rank) ensure_directory(o.output_dir);

  const auto loss = make_loss(config.loss, config.loss_params);
  ReadOptions read;
  read.content_type = parse_content_type(o.content_type);
  read.feature_dim = config.feature_dim;
  read.threads = threads;
  read.label_ok = [&loss](float y) { return loss->valid_label(y); };
  read.label_expected = loss->label_domain();
  read.minus_one_is_zero = config.predictor_type == PredictorType::kBinary;
  read.note = [&log](const std::string& note) { log->debug("{}", note); };
  const std::size_t max_memory = o.max_memory.empty() ? default_max_memory() : parse_memory_size(o.max_memory);
  const bool stream = should_stream(o, max_memory, *comm, *log);
  const auto read_started = std::chrono::steady_clock::now();
  Dataset train, validation, test;
  std::optional<StreamedTrain> streamed;
  if (stream) {
    // Blocks small enough that a block, its parse and the cache writer's buffers fit well inside the limit.
    const std::size_t block_bytes = std::min<std::size_t>(std::size_t{64} << 20, max_memory / 8);
    const std::filesystem::path cache_dir =
        o.cache_dir.empty() ? std::filesystem::path(o.output_dir) / "cache" : std::filesystem::path(o.cache_dir);
    streamed = build_streamed_train(o.train, read, block_bytes, (cache_dir / "train.cache").string(), config);
    streamed->shuffle_buffer = o.shuffle_buffer;
    streamed->evaluation_sample = evaluation_sample_records(max_memory, config);
    // `train` keeps only the shape: the records stay in the cache.
    train.feature_dim = streamed->cache->feature_dim();
    train.sparse = streamed->cache->sparse();
    train.files = streamed->files;
    train.libsvm_base = streamed->libsvm_base;
    log->debug("cached {} training records in {} blocks at {}", streamed->cache->records(), streamed->cache->blocks(),
               streamed->cache->path());
  } else {
    read_together(*comm, [&] { train = read_share(o.train, read, distribution, *comm); });
  }
  if (comm->size() > 1) read_together(*comm, [&] { agree_on_shape(train, *comm); });
  // Every channel of a job has the training data's width and reads LIBSVM indices as it did.
  read.feature_dim = train.feature_dim;
  read.feature_dim_owner = "the training data's";
  read.exact_width = true;
  read.libsvm_base = train.libsvm_base;
  read_together(*comm, [&] {
    if (!o.validation.empty()) validation = read_share(o.validation, read, distribution, *comm);
    if (!o.test.empty()) test = read_share(o.test, read, distribution, *comm);
  });
  Timing timing;
  timing.read_seconds = seconds_since(read_started);
  // A rank whose share of a channel is empty read nothing; its (empty) scores have the model's width.
  for (Dataset* d : {&validation, &test})
    if (d->rows() == 0) d->feature_dim = train.feature_dim;
  ChannelSummary train_summary = summarize("train", train, o.train, *comm);
  if (streamed) {
    train_summary.total_records = streamed->cache->records();
    train_summary.sampled_records = std::min(streamed->evaluation_sample, streamed->cache->records());
  }
  const ChannelSummary validation_summary = summarize("validation", validation, o.validation, *comm);
  const ChannelSummary test_summary = summarize("test", test, o.test, *comm);
  console.data({records_of(train_summary), records_of(validation_summary), records_of(test_summary), train.feature_dim,
                train.sparse, timing.read_seconds, streamed ? streamed->cache->path() : ""});
  back_sparse_training_store_with_huge_pages(train, config.epochs, *log);

  const DataFacts facts =
      training_facts(train, streamed ? &*streamed : nullptr, records_of(train_summary), config, *comm, *log);
  config = resolve_config(values, &facts);
  config.threads = threads;
  for (const auto& w : no_effect_warnings(values, config, facts)) log->warn("{}", w);
  console.settings(config, records_of(validation_summary) > 0);

  ThreadPool pool(threads);
  Channels channels{streamed ? nullptr : &train, records_of(validation_summary) > 0 ? &validation : nullptr,
                    records_of(test_summary) > 0 ? &test : nullptr, streamed ? &*streamed : nullptr};
  TrainingLog training_log(console, terminal, config.epochs);
  TrainControl control;
  control.observer = &training_log;
  control.communicator = comm;
  const std::filesystem::path checkpoint_dir = o.checkpoint_dir.empty()
                                                   ? std::filesystem::path(o.output_dir) / "checkpoint"
                                                   : std::filesystem::path(o.checkpoint_dir);
  if (lead_rank) ensure_directory(checkpoint_dir.string());
  control.checkpoint_path = (checkpoint_dir / "checkpoint.pb").string();
  control.resume = o.resume;
  control.stop_signal = &install_stop_signal_handlers();
  const DataProfile profile =
      profile_data(streamed ? streamed->scaler_sample : train, config.predictor_type, config.num_classes, config.seed);
  const auto train_started = std::chrono::steady_clock::now();
  TrainOutcome outcome = train_models(config, channels, pool, *log, control);
  timing.train_seconds = seconds_since(train_started);
  const std::vector<Diagnostic> diagnostics = diagnose(config, profile, outcome);
  console.diagnostics(diagnostics);

  const std::filesystem::path dir(o.output_dir);
  std::vector<ChannelSummary> summaries{train_summary};
  if (channels.validation != nullptr) summaries.push_back(validation_summary);
  if (channels.test != nullptr) summaries.push_back(test_summary);
  if (outcome.selected < 0) {
    timing.total_seconds = seconds_since(started);
    const nlohmann::json metrics =
        build_metrics_json(config, outcome, summaries, {}, diagnostics_json(diagnostics), timing, comm->size());
    if (lead_rank) {
      write_file_atomically((dir / "metrics.json").string(), metrics.dump(2) + "\n");
      // No model, so no predictions: the report shows what diverged.
      ReportCurves no_predictions;
      no_predictions.predictor_type = predictor_type_name(config.predictor_type);
      no_predictions.num_classes = config.num_classes;
      write_file_atomically((dir / "report.html").string(), render_report_html(metrics, no_predictions));
    }
    throw ConvergenceError(fmt::format("every one of the {} models diverged; no model written (see {} and {})",
                                       outcome.models.size(), (dir / "metrics.json").string(),
                                       (dir / "report.html").string()));
  }

  const ClassWeights weights{config.weighting.per_class};
  MetricMap final_metrics;
  ChannelScores report_scores =
      streamed ? add_streamed_metrics("train", *streamed, outcome.model, config, weights, pool, final_metrics)
               : add_channel_metrics("train", train, outcome.model, config, weights, pool, *comm, final_metrics);
  if (channels.validation != nullptr)
    report_scores =
        add_channel_metrics("validation", validation, outcome.model, config, weights, pool, *comm, final_metrics);
  // The report charts the test channel when there is one (held-out), but a binary model's ROC and
  // precision-recall curves stay on the channel its threshold was calibrated on.
  const bool report_on_test = channels.test != nullptr && config.predictor_type != PredictorType::kBinary;
  if (channels.test != nullptr) {
    ChannelScores test_scores =
        add_channel_metrics("test", test, outcome.model, config, weights, pool, *comm, final_metrics);
    if (report_on_test) report_scores = std::move(test_scores);
  }
  for (const auto& [name, value] : final_metrics) log->debug("{} = {}", name, value);

  timing.total_seconds = seconds_since(started);
  const nlohmann::json metrics = build_metrics_json(config, outcome, summaries, final_metrics,
                                                    diagnostics_json(diagnostics), timing, comm->size());
  if (lead_rank) {
    write_model_pb((dir / "model.pb").string(), outcome.model);
    write_model_json((dir / "model.json").string(), outcome.model);
    write_file_atomically((dir / "metrics.json").string(), metrics.dump(2) + "\n");
    const ReportCurves curves{predictor_type_name(config.predictor_type),
                              report_on_test                   ? "test"
                              : channels.validation != nullptr ? "validation"
                                                               : "train",
                              config.num_classes,
                              outcome.model.threshold,
                              report_scores.evaluation.scores,
                              report_scores.labels,
                              report_scores.weights,
                              report_on_test || channels.validation != nullptr ? 0 : records_of(train_summary)};
    write_file_atomically((dir / "report.html").string(), render_report_html(metrics, curves));
  }

  const std::string status = metrics["convergence"]["status"];
  if (lead_rank)
    console.summary({outcome.selected, outcome.models[static_cast<std::size_t>(outcome.selected)].best_epoch, status,
                     &final_metrics, dir.string(), &diagnostics});
  if (o.fail_on_nonconvergence && (status == "diverged" || status == "max_epochs")) {
    log->error("--fail-on-nonconvergence: the selected model's status is {}", status);
    return kExitNotConverged;
  }
  return kExitOk;
}

}  // namespace

CommandAction add_train_command(CLI::App& root) {
  auto o = std::make_shared<TrainOptions>();
  add_train_options(root, *o);
  return [o] { return run_train(*o); };
}

}  // namespace linlearn
