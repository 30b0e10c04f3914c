// run_train_job: the stages of a training job in order (see train_job.h).
#include "linlearn/train_job.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "config/sagemaker_keys.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/thread_pool.h"

namespace linlearn {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void check_request(const TrainRequest& request, Communicator& comm, spdlog::logger& log) {
  if (comm.size() == 1 && request.distribution_given)
    log.warn("--distribution has no effect: this process trains alone (start it with mpirun or srun)");
  for (const auto* specs : {&request.train, &request.validation, &request.test})
    if (comm.size() > 1 && std::find(specs->begin(), specs->end(), "-") != specs->end())
      throw UsageError("standard input ('-') cannot be split over MPI ranks; give files instead");
}

int checked_threads(const TrainRequest& request, spdlog::logger& log) {
  const int threads = threads_for(request.threads);
  if (request.threads > threads)
    log.warn(
        "--threads {}: this process may use {} CPUs; training on {} threads (results do not depend on the "
        "thread count)",
        request.threads, threads, threads);
  return threads;
}

std::string report_dir(const TrainRequest& request) {
  return request.report_dir.empty() ? request.output_dir : request.report_dir;
}

// Training time before the first epoch-end checkpoint in the default folder.
constexpr double kDefaultCheckpointDelaySeconds = 10;

std::filesystem::path checkpoint_dir(const TrainRequest& request) {
  return request.checkpoint_dir.empty() ? std::filesystem::path(request.output_dir) / "checkpoint"
                                        : std::filesystem::path(request.checkpoint_dir);
}

// SageMaker's own keys of hyperparameters.json, as they change the job (a tuning objective trains
// one model), logged.
TrainRequest with_sagemaker_keys(const TrainRequest& given, spdlog::logger& log) {
  SageMakerKeys keys = apply_sagemaker_keys(given.hyperparameters);
  for (const std::string& note : keys.notes) log.info("{}", note);
  TrainRequest request = given;
  request.hyperparameters = std::move(keys.values);
  return request;
}

// Checked against the pre-data configuration, before any data is read.
std::optional<InitialModel> initial_model_of(const TrainRequest& request, const TrainConfig& config) {
  if (request.initial_model.empty()) return std::nullopt;
  InitialModel initial = load_initial_model(request.initial_model, config);
  check_initial_width_early(initial, request.train);
  return initial;
}

// The training data's width against the initial model's; sparse channels grow to the model's.
void fit_initial_width(const InitialModel& initial, LoadedChannels& data) {
  std::size_t feature_dim = data.train.feature_dim;
  fit_initial_width(initial, feature_dim, data.train.sparse);
  for (Dataset* d : {&data.train, &data.validation, &data.test}) d->feature_dim = feature_dim;
  if (data.streamed) data.streamed->scaler_sample.feature_dim = feature_dim;
  data.summary.feature_dim = data.facts.feature_dim = feature_dim;
}

// A finished run leaves its artifacts only: the default checkpoint (rank 0's) and the default cache
// of streamed data (each rank its own) go; a --checkpoint-dir or --cache-dir the user gave is
// theirs, and stays.
void remove_litter(const TrainRequest& request, const LoadedChannels& data, bool lead) {
  std::error_code ignored;
  if (lead && request.checkpoint_dir.empty()) std::filesystem::remove_all(checkpoint_dir(request), ignored);
  if (data.streamed && request.cache_dir.empty()) {
    const std::filesystem::path cache = data.streamed->cache->path();
    std::filesystem::remove(cache, ignored);
    std::filesystem::remove(cache.parent_path(), ignored);  // only when nothing else is in it
  }
}

TrainControl control_of(const TrainRequest& request, JobProcesses& processes, JobObserver& observer,
                        const std::atomic<int>* stop_signal) {
  TrainControl control;
  control.observer = &observer;
  control.communicator = &processes.comm();
  if (processes.lead()) ensure_directory(checkpoint_dir(request).string());
  control.checkpoint_path = (checkpoint_dir(request) / "checkpoint.pb").string();
  // The default folder is removed when the run ends: a short run would write it for nothing (two
  // fsynced writes are about 9% of the 20-class text run), and a job killed outright loses at most this.
  if (request.checkpoint_dir.empty()) control.first_checkpoint_after_seconds = kDefaultCheckpointDelaySeconds;
  control.resume = request.resume;
  control.stop_signal = stop_signal;
  return control;
}

ReportCurves report_curves(const TrainConfig& config, const TrainOutcome& outcome, const FinalMetrics& metrics) {
  if (outcome.selected < 0) {
    ReportCurves none;
    none.predictor_type = predictor_type_name(config.predictor_type);
    none.num_classes = config.num_classes;
    return none;
  }
  const ChartedScores& c = metrics.charted;
  return {predictor_type_name(config.predictor_type),
          c.channel,
          config.num_classes,
          outcome.model.threshold,
          c.scores,
          c.labels,
          c.weights,
          c.channel_records};
}

}  // namespace

TrainConfig finalize_config(const TrainRequest& request, const LoadedChannels& data, int threads, spdlog::logger& log) {
  TrainConfig config = resolve_config(request.hyperparameters, &data.facts);
  config.threads = threads;
  for (const auto& w : no_effect_warnings(request.hyperparameters, config, data.facts)) log.warn("{}", w);
  return config;
}

nlohmann::json write_artifacts(const TrainRequest& request, const TrainConfig& config, const TrainOutcome& outcome,
                               const LoadedChannels& data, const FinalMetrics& metrics,
                               const std::vector<Diagnostic>& diagnostics, const Timing& timing, Communicator& comm) {
  const nlohmann::json json = build_metrics_json(config, outcome, data.summaries(), metrics.metrics,
                                                 diagnostics_json(diagnostics), timing, comm.size());
  if (comm.rank() != 0) return json;
  const std::filesystem::path dir(request.output_dir);
  if (outcome.selected >= 0) {
    write_model_pb((dir / "model.pb").string(), outcome.model);
    write_model_json((dir / "model.json").string(), outcome.model);
  }
  const std::filesystem::path reports(report_dir(request));
  write_file_atomically((reports / "metrics.json").string(), json.dump(2) + "\n");
  // Without a model there are no predictions: the report shows what diverged.
  write_file_atomically((reports / "report.html").string(),
                        render_report_html(json, report_curves(config, outcome, metrics)));
  return json;
}

namespace {

// Litter removed and the result told; a job whose models all diverged is an error, and a model that
// did not converge fails the job when the request says so.
int conclude_job(const TrainRequest& request, const LoadedChannels& data, const TrainOutcome& outcome,
                 const FinalMetrics& metrics, const std::vector<Diagnostic>& diagnostics, const nlohmann::json& json,
                 JobProcesses& processes, spdlog::logger& log, JobObserver& observer) {
  const std::filesystem::path dir(request.output_dir);
  const std::filesystem::path reports(report_dir(request));
  if (outcome.selected >= 0) remove_litter(request, data, processes.lead());
  if (outcome.selected < 0)
    throw ConvergenceError(fmt::format("every one of the {} models diverged; no model written (see {} and {})",
                                       outcome.models.size(), (reports / "metrics.json").string(),
                                       (reports / "report.html").string()));
  for (const auto& [name, value] : metrics.metrics) log.debug("{} = {}", name, value);
  const std::string status = json["convergence"]["status"];
  if (processes.lead())
    observer.on_result({outcome.selected, outcome.models[static_cast<std::size_t>(outcome.selected)].best_epoch, status,
                        metrics.metrics, dir.string(), diagnostics, reports.string()});
  if (request.fail_on_nonconvergence && (status == "diverged" || status == "max_epochs")) {
    log.error("--fail-on-nonconvergence: the selected model's status is {}", status);
    return kExitNotConverged;
  }
  return kExitOk;
}

}  // namespace

int run_train_job(const TrainRequest& given, JobProcesses& processes, spdlog::logger& log, JobObserver& observer,
                  const std::atomic<int>* stop_signal) {
  const auto started = std::chrono::steady_clock::now();
  const TrainRequest request = with_sagemaker_keys(given, log);
  Communicator& comm = processes.comm();
  if (!processes.watch_peers(request.peer_timeout))
    log.warn(
        "--peer-timeout: this MPI library does not allow MPI_THREAD_MULTIPLE; a lost rank is noticed by the "
        "launcher only");
  check_request(request, comm, log);
  const int threads = checked_threads(request, log);
  // Every value is checked here, before any data is read.
  const TrainConfig pre_data = resolve_config(request.hyperparameters);
  const std::optional<InitialModel> initial = initial_model_of(request, pre_data);
  if (processes.lead()) {
    ensure_directory(request.output_dir);
    ensure_directory(report_dir(request));
  }
  LoadedChannels data = load_channels(request, pre_data, threads, comm, log);
  if (initial) fit_initial_width(*initial, data);
  data.facts.warm_start = initial.has_value();
  observer.on_data(data.summary);
  TrainConfig config = finalize_config(request, data, threads, log);
  if (initial) config.initial_model = initial->hash;
  observer.on_config(config, data.validation_or_null() != nullptr);

  ThreadPool pool(threads);
  TrainControl control = control_of(request, processes, observer, stop_signal);
  if (initial) control.initial_model = &initial->model;
  const DataProfile profile = profile_data(data.streamed ? data.streamed->scaler_sample : data.train,
                                           config.predictor_type, config.num_classes, config.seed);
  Timing timing;
  timing.read_seconds = data.summary.read_seconds;
  const auto train_started = std::chrono::steady_clock::now();
  const TrainOutcome outcome = train_models(config, data.channels(), pool, log, control);
  timing.train_seconds = seconds_since(train_started);
  timing.exchange_seconds = outcome.exchange_seconds;
  const std::vector<Diagnostic> diagnostics = diagnose(config, profile, outcome);
  observer.on_diagnostics(diagnostics);

  const FinalMetrics metrics =
      outcome.selected >= 0 ? final_metrics(config, outcome, data, pool, comm) : FinalMetrics{};
  timing.total_seconds = seconds_since(started);
  const nlohmann::json json = write_artifacts(request, config, outcome, data, metrics, diagnostics, timing, comm);
  return conclude_job(request, data, outcome, metrics, diagnostics, json, processes, log, observer);
}

}  // namespace linlearn
