// `linlearn train`: options -> TrainConfig -> data -> trainer -> artifacts.
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "linlearn/artifacts.h"
#include "linlearn/class_weights.h"
#include "linlearn/commands.h"
#include "linlearn/config.h"
#include "linlearn/errors.h"
#include "linlearn/hyperparameters.h"
#include "linlearn/logging.h"
#include "linlearn/reader.h"
#include "linlearn/run_summary.h"
#include "linlearn/signals.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"
#include "linlearn/trainer.h"

namespace linlearn {
namespace {

struct TrainOptions {
  std::vector<std::string> train, validation, test;
  std::string output_dir = "./output";
  std::string hyperparameters_file;
  std::string content_type;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string shuffle = "true";
  std::string checkpoint_dir;  // default: OUTPUT_DIR/checkpoint
  bool resume = false;
  std::string log_level = "info";
  bool quiet = false;
  bool fail_on_nonconvergence = false;
  std::map<std::string, std::string> given;  // hyperparameter values as typed
  std::map<std::string, CLI::Option*> hyperparameter_options;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Logs each epoch in SageMaker's grammar so existing log scrapers keep working.
class EpochLogger : public TrainingObserver {
 public:
  EpochLogger(spdlog::logger& log, const TrainConfig& config, bool has_validation)
      : log_(log), config_(config), has_validation_(has_validation) {}

  void on_epoch_end(const EpochRecord& r, const TrainOutcome&) override {
    std::size_t best = 0;
    for (std::size_t m = 1; m < r.models.size(); ++m)
      if (criterion(r.models[m]) < criterion(r.models[best])) best = m;
    const ModelEpoch& me = r.models[best];
    log_.info("epoch {}: {:.3f} s, {:.0f} records/s, best model {} train objective_loss {:.6g}", r.epoch, r.seconds,
              r.records_per_second, best, me.train_loss);
    log_.info("#quality_metric: host=algo-1, epoch={}, train objective_loss <loss>={}", r.epoch, me.train_loss);
    if (!has_validation_ || me.validation.empty()) return;
    log_.info("#quality_metric: host=algo-1, epoch={}, validation objective_loss <loss>={}", r.epoch,
              me.validation.at("objective_loss"));
    const char* headline = config_.predictor_type == PredictorType::kBinary ? "binary_classification_accuracy"
                           : config_.predictor_type == PredictorType::kMulticlass ? "multiclass_accuracy"
                                                                                   : "mse";
    log_.info("#quality_metric: host=algo-1, epoch={}, validation {} <score>={}", r.epoch, headline,
              me.validation.at(headline));
  }

 private:
  double criterion(const ModelEpoch& m) const {
    if (m.status == ModelStatus::kDiverged) return INFINITY;
    return has_validation_ && !m.validation.empty() ? m.validation.at("objective_loss") : m.train_loss;
  }
  spdlog::logger& log_;
  const TrainConfig& config_;
  bool has_validation_;
};

bool parse_bool_option(const std::string& name, const std::string& value) {
  if (value == "true" || value == "True" || value == "1") return true;
  if (value == "false" || value == "False" || value == "0") return false;
  throw UsageError(fmt::format("--{}: '{}' is not allowed; expected true or false", name, value));
}

std::string kebab(std::string name) {
  for (char& c : name)
    if (c == '_') c = '-';
  return name;
}

void add_channel_metrics(const std::string& channel, const Dataset& data, const LinearModel& model,
                         const TrainConfig& config, const ClassWeights& weights, ThreadPool& pool, MetricMap& out) {
  const auto loss = make_loss(model.loss, model.loss_params);
  const RowMatrix margins = compute_margins(data, stacked_weights(model), stacked_bias(model), pool);
  const std::vector<float> w = weights.for_records(data);
  const Evaluation e = evaluate_margins(margins, 0, *loss, data.labels, w,
                                        {config.predictor_type, model.threshold, config.accuracy_top_k, config.f_beta});
  for (const auto& [name, value] : e.metrics) out[channel + ":" + name] = value;
}

int run_train(TrainOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  auto log = make_stderr_logger(o.log_level, o.quiet);
  HyperparameterValues values;
  if (!o.hyperparameters_file.empty()) values = read_hyperparameters_json(o.hyperparameters_file);
  for (const auto& [name, option] : o.hyperparameter_options)
    if (option->count() > 0) values[name] = o.given[name];
  const bool shuffle = parse_bool_option("shuffle", o.shuffle);
  const int threads = o.threads > 0 ? o.threads : hardware_threads();
  TrainConfig config = resolve_config(values, o.seed, threads, shuffle);
  ensure_directory(o.output_dir);

  const auto loss = make_loss(config.loss, config.loss_params);
  ReadOptions read;
  read.content_type = parse_content_type(o.content_type);
  read.feature_dim = config.feature_dim;
  read.threads = threads;
  read.label_ok = [&loss](float y) { return loss->valid_label(y); };
  read.label_expected = loss->label_domain();
  const auto read_started = std::chrono::steady_clock::now();
  Dataset train = read_channel(o.train, read);
  read.feature_dim = train.feature_dim;
  Dataset validation, test;
  if (!o.validation.empty()) validation = read_channel(o.validation, read);
  if (!o.test.empty()) test = read_channel(o.test, read);
  Timing timing;
  timing.read_seconds = seconds_since(read_started);
  for (Dataset* d : {&validation, &test})
    if (d->rows() > 0 && d->feature_dim < train.feature_dim) d->feature_dim = train.feature_dim;
  log->info("read {} training records x {} features ({}) in {:.3f} s", train.rows(), train.feature_dim,
            train.sparse ? "sparse" : "dense", timing.read_seconds);

  resolve_data_dependent(config, train.rows(), train.feature_dim, train.sparse);
  for (const auto& w : config.warnings) log->warn("{}", w);
  log->info("hyperparameters: {}", config.resolved.dump());

  ThreadPool pool(threads);
  Channels channels{&train, validation.rows() > 0 ? &validation : nullptr, test.rows() > 0 ? &test : nullptr};
  EpochLogger epoch_logger(*log, config, channels.validation != nullptr);
  TrainControl control;
  control.observer = &epoch_logger;
  const std::filesystem::path checkpoint_dir =
      o.checkpoint_dir.empty() ? std::filesystem::path(o.output_dir) / "checkpoint" : std::filesystem::path(o.checkpoint_dir);
  ensure_directory(checkpoint_dir.string());
  control.checkpoint_path = (checkpoint_dir / "checkpoint.pb").string();
  control.resume = o.resume;
  control.stop_signal = &install_stop_signal_handlers();
  const auto train_started = std::chrono::steady_clock::now();
  TrainOutcome outcome = train_models(config, channels, pool, *log, control);
  timing.train_seconds = seconds_since(train_started);

  const ClassWeights weights = compute_class_weights(train.labels, config);
  MetricMap final_metrics;
  std::vector<ChannelSummary> summaries{{"train", &train}};
  add_channel_metrics("train", train, outcome.model, config, weights, pool, final_metrics);
  if (channels.validation != nullptr) {
    summaries.push_back({"validation", &validation});
    add_channel_metrics("validation", validation, outcome.model, config, weights, pool, final_metrics);
  }
  if (channels.test != nullptr) {
    summaries.push_back({"test", &test});
    add_channel_metrics("test", test, outcome.model, config, weights, pool, final_metrics);
  }
  for (const auto& [name, value] : final_metrics) log->info("{} = {}", name, value);

  const std::filesystem::path dir(o.output_dir);
  write_file_atomically((dir / "model.pb").string(), serialize_model_pb(outcome.model));
  write_file_atomically((dir / "model.json").string(), model_to_json(outcome.model).dump(2) + "\n");
  timing.total_seconds = seconds_since(started);
  const nlohmann::json metrics =
      build_metrics_json(config, outcome, summaries, final_metrics, nlohmann::json::array(), timing);
  write_file_atomically((dir / "metrics.json").string(), metrics.dump(2) + "\n");

  const std::string status = metrics["convergence"]["status"];
  log->info("selected model {} (epoch {}), status {}; artifacts in {}", outcome.selected,
            outcome.models[static_cast<std::size_t>(outcome.selected)].best_epoch, status, dir.string());
  if (o.fail_on_nonconvergence && (status == "diverged" || status == "max_epochs")) {
    log->error("--fail-on-nonconvergence: the selected model's status is {}", status);
    return kExitNotConverged;
  }
  return kExitOk;
}

}  // namespace

CommandAction add_train_command(CLI::App& root) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = root.add_subcommand("train", "Train linear models; writes model.pb, model.json, metrics.json");
  cmd->add_option("--train", o->train, "Training data: files, directories, globs or - for stdin")->required();
  cmd->add_option("--validation", o->validation, "Validation data (early stopping, model selection)");
  cmd->add_option("--test", o->test, "Test data (final metrics only)");
  cmd->add_option("--output-dir,--output_dir", o->output_dir, "Where the artifacts go")->capture_default_str();
  cmd->add_option("--hyperparameters", o->hyperparameters_file,
                  "SageMaker hyperparameters.json (an object of strings); command-line options win");
  cmd->add_option("--content-type,--content_type", o->content_type,
                  "Force the input format: text/csv, text/libsvm or application/x-recordio-protobuf");
  cmd->add_option("--seed", o->seed, "Seed of every random draw")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Worker threads (default: all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--shuffle", o->shuffle, "Shuffle the records every epoch (true|false)")->capture_default_str();
  cmd->add_option("--log-level,--log_level", o->log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  cmd->add_flag("--quiet", o->quiet, "Only warnings and errors");
  cmd->add_option("--checkpoint-dir,--checkpoint_dir", o->checkpoint_dir,
                  "Where the training state is saved after every epoch and on SIGINT/SIGTERM "
                  "[default: OUTPUT_DIR/checkpoint]");
  cmd->add_flag("--resume", o->resume, "Continue from the checkpoint (same data and options required)");
  cmd->add_flag("--fail-on-nonconvergence,--fail_on_nonconvergence", o->fail_on_nonconvergence,
                "Exit 4 when the selected model diverged or hit max epochs while still improving");
  for (const auto& spec : hyperparameter_specs()) {
    std::string names = "--" + spec.name;
    if (kebab(spec.name) != spec.name) names += ",--" + kebab(spec.name);
    std::string help = spec.help;
    if (!spec.default_value.empty()) help += " [default: " + spec.default_value + "]";
    o->hyperparameter_options[spec.name] = cmd->add_option(names, o->given[spec.name], help);
  }
  return [o] { return run_train(*o); };
}

}  // namespace linlearn
