// `linlearn train`: the options become a TrainRequest (or, in SageMaker's container mode, the job
// under the root does); the job's stages run in the library (train_job.h) and report to the console.
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/logging.h"
#include "cli/signals.h"
#include "config/sagemaker_keys.h"
#include "console.h"
#include "console_sink.h"
#include "linlearn/train_job.h"
#include "train_options.h"
#include "training_log.h"

namespace linlearn {
namespace {

TrainRequest request_of(const TrainOptions& o) {
  TrainRequest r;
  r.train = o.train;
  r.validation = o.validation;
  r.test = o.test;
  r.output_dir = o.output_dir;
  r.hyperparameters = o.hyperparameter_values();
  r.content_type = o.content_type;
  r.threads = o.threads;
  r.checkpoint_dir = o.checkpoint_dir;
  r.resume = o.resume;
  r.max_memory = o.max_memory;
  r.cache_dir = o.cache_dir;
  r.shuffle_buffer = o.shuffle_buffer;
  r.distribution = o.distribution;
  r.distribution_given = o.distribution_option->count() > 0;
  r.fail_on_nonconvergence = o.fail_on_nonconvergence;
  r.initial_model = o.initial_model;
  r.peer_timeout = o.peer_timeout;
  return r;
}

// --log-level, else SageMaker's _log_level, else the default.
std::string log_level_of(const TrainOptions& o, const HyperparameterValues& hyperparameters) {
  const std::string sagemaker = sagemaker_log_level(hyperparameters);
  return o.log_level_option->count() > 0 || sagemaker.empty() ? o.log_level : sagemaker;
}

// `root`: SageMaker's container mode ("" outside it).
int run_train(const TrainOptions& o, const std::string& root) {
  JobProcesses processes;
  const bool lead = processes.lead();
  const bool container = !root.empty();
  const std::optional<SageMakerJob> job =
      container ? std::optional(read_sagemaker_job(root, request_of(o))) : std::nullopt;
  const TrainRequest request = container ? job->request : request_of(o);
  const std::string level = log_level_of(o, request.hyperparameters);
  const ProgressMode progress = parse_progress_mode(o.progress);
  const Verbosity verbosity = o.quiet ? Verbosity::kQuiet : o.verbose ? Verbosity::kVerbose : Verbosity::kNormal;
  LiveTerminal terminal(stderr, stdout, lead && live_progress(progress, o.quiet));
  const auto sink = std::make_shared<ConsoleSink>(terminal, parse_log_format(o.log_format));
  // Ranks other than 0 would repeat rank 0's lines; they report errors only, --verbose or not.
  auto log = make_console_logger(sink, lead ? parse_log_level(level, verbosity)
                                            : parse_log_level(level == "off" ? level : "error", Verbosity::kNormal));
  Console console(*log, *sink, terminal, container);
  TrainingLog observer(console, terminal);
  if (container) return run_sagemaker_job(*job, processes, *log, observer, &install_stop_signal_handlers());
  return run_train_job(request, processes, *log, observer, &install_stop_signal_handlers());
}

}  // namespace

CommandAction add_train_command(CLI::App& root) {
  auto o = std::make_shared<TrainOptions>();
  add_train_options(root, *o);
  return [o] {
    const std::string root = o->container_root();
    if (root.empty()) return run_train(*o, root);
    return reporting_sagemaker_failure(root, [&] { return run_train(*o, root); });
  };
}

}  // namespace linlearn
