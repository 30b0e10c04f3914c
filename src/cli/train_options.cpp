#include "train_options.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "linlearn/errors.h"
#include "linlearn/train_job.h"

namespace linlearn {
namespace {

constexpr const char* kDataGroup = "Data channels";
constexpr const char* kRunGroup = "Run control";
constexpr const char* kOutputGroup = "Output";

// CLI11 reads "-1" into an unsigned option as 2^64-1 and saturates values past 2^64-1, so the text
// is checked first.
const CLI::Validator kUnsignedInteger(
    [](std::string& text) -> std::string {
      std::uint64_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error == std::errc() && end == text.data() + text.size()) return {};
      return fmt::format("'{}' is not allowed; expected an integer from 0 to 18446744073709551615", text);
    },
    "UINT");

std::string kebab(std::string name) {
  for (char& c : name)
    if (c == '_') c = '-';
  return name;
}

// 1000000 rather than 1e+06, 0.001 as it is.
std::string number_text(double x) {
  if (x == std::floor(x) && std::abs(x) < 1e15) return fmt::format("{}", static_cast<long long>(x));
  return fmt::format("{}", x);
}

// The value label of a hyperparameter in --help: its type and the words it accepts.
std::string type_label(const HyperparameterSpec& spec) {
  std::string words;
  for (const auto& w : spec.choices) words += (words.empty() ? "" : ",") + w;
  switch (spec.kind) {
    case ValueKind::kChoice:
      return "{" + words + "}";
    case ValueKind::kBool:
      return words.empty() ? "{true,false}" : "{true,false," + words + "}";
    case ValueKind::kInt:
      return words.empty() ? "INT" : "INT|" + words;
    case ValueKind::kUnsigned:
      return "UINT64";
    case ValueKind::kFloat:
      return words.empty() ? "FLOAT" : "FLOAT|" + words;
    case ValueKind::kText:
      return "TEXT";
  }
  return "";
}

// The help line: the declaration's text, and its range where the type alone does not say it.
std::string help_text(const HyperparameterSpec& spec) {
  std::string help = spec.help;
  if (spec.has_range && std::isfinite(spec.min) && std::isfinite(spec.max))
    help += fmt::format(" Range {}{}, {}{}.", spec.min_exclusive ? "(" : "[", number_text(spec.min),
                        number_text(spec.max), spec.max_exclusive ? ")" : "]");
  if (!spec.sagemaker) help += " (linlearn's own)";
  return help;
}

void add_channels(CLI::App& cmd, TrainOptions& o) {
  o.layout_options = {
      cmd.add_option("--train", o.train,
                     "Training data: files, directories, globs or - for stdin (required outside SageMaker's "
                     "container mode)")
          ->group(kDataGroup),
      cmd.add_option("--validation", o.validation, "Validation data (early stopping, model selection)")
          ->group(kDataGroup),
      cmd.add_option("--test", o.test, "Test data (final metrics only)")->group(kDataGroup),
      cmd.add_option("--content-type,--content_type", o.content_type,
                     "Force the input format: text/csv, text/libsvm or application/x-recordio-protobuf, with "
                     "SageMaker's parameters (text/csv;label_size=1) [default: detected per file]")
          ->group(kDataGroup),
      cmd.add_option("--hyperparameters", o.hyperparameters_file,
                     "SageMaker hyperparameters.json (an object of strings); command-line options win")
          ->group(kDataGroup)};
  cmd.add_option("--sagemaker-root,--sagemaker_root", o.sagemaker_root,
                 "SageMaker's container mode: the job in DIR's layout (input/config/*.json, input/data/), the model "
                 "into DIR/model, metrics.json and report.html into DIR/output/data, checkpoints in DIR/checkpoints, "
                 "a failure's reason in DIR/output/failure [default without --train, when "
                 "$SAGEMAKER_BASE_DIR or /opt/ml holds input/config/hyperparameters.json: that directory]")
      ->group(kDataGroup);
}

void add_run_control(CLI::App& cmd, TrainOptions& o) {
  cmd.add_option("--threads", o.threads, "Worker threads [default: the CPUs this process may use; at most that many]")
      ->check(CLI::NonNegativeNumber)
      ->group(kRunGroup);
  cmd.add_option("--max-memory,--max_memory", o.max_memory,
                 "Memory for the training data, in bytes (suffixes K, M, G); larger data is streamed through an "
                 "on-disk cache [default: half of physical memory]")
      ->group(kRunGroup);
  cmd.add_option("--cache-dir,--cache_dir", o.cache_dir,
                 "Where streamed training data is cached [default: OUTPUT_DIR/cache]")
      ->group(kRunGroup);
  cmd.add_option("--shuffle-buffer,--shuffle_buffer", o.shuffle_buffer,
                 "Records in the shuffle buffer when training data is streamed")
      ->check(kUnsignedInteger)
      ->capture_default_str()
      ->group(kRunGroup);
  o.distribution_option = cmd.add_option("--distribution", o.distribution,
                                         "Under MPI: sharded (files round-robin over ranks; fewer files than ranks: "
                                         "record ranges) or replicated (every rank reads all, keeps every N-th record)")
                              ->type_name("{sharded,replicated}")
                              ->capture_default_str()
                              ->group(kRunGroup);
  cmd.add_option("--peer-timeout,--peer_timeout", o.peer_timeout,
                 "Under MPI: seconds without a heartbeat after which a rank counts as lost and the job ends (0: "
                 "never)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str()
      ->group(kRunGroup);
  o.layout_options.push_back(cmd.add_option("--checkpoint-dir,--checkpoint_dir", o.checkpoint_dir,
                                            "Where the training state is saved after every epoch and on "
                                            "SIGINT/SIGTERM [default: OUTPUT_DIR/checkpoint]")
                                 ->group(kRunGroup));
  cmd.add_flag("--resume", o.resume,
               "Continue from the checkpoint when there is one (same data and options required); without one, "
               "train from the start")
      ->group(kRunGroup);
  o.layout_options.push_back(cmd.add_option("--initial-model,--initial_model", o.initial_model,
                                            "Warm start: every model starts from this model (a model directory, "
                                            "model.pb or SageMaker model.tar.gz) instead of random weights")
                                 ->group(kRunGroup));
}

void add_output(CLI::App& cmd, TrainOptions& o) {
  o.layout_options.push_back(cmd.add_option("--output-dir,--output_dir", o.output_dir, "Where the artifacts go")
                                 ->capture_default_str()
                                 ->group(kOutputGroup));
  o.log_level_option = cmd.add_option("--log-level,--log_level", o.log_level, "Lowest level logged")
                           ->type_name("{trace,debug,info,warn,error,off}")
                           ->capture_default_str()
                           ->group(kOutputGroup);
  CLI::Option* quiet = cmd.add_flag("--quiet", o.quiet, "Errors and the final summary only")->group(kOutputGroup);
  cmd.add_flag("--verbose", o.verbose,
               "Also the details: file skips, reader notes, pruning, the resolved hyperparameters, every final metric")
      ->excludes(quiet)
      ->group(kOutputGroup);
  cmd.add_option("--log-format,--log_format", o.log_format,
                 "text, or sagemaker: lines stamped as SageMaker's and each epoch's #quality_metric lines")
      ->type_name("{text,sagemaker}")
      ->capture_default_str()
      ->group(kOutputGroup);
  cmd.add_option("--progress", o.progress, "A live progress line: auto (when stderr is a terminal), always or never")
      ->type_name("{auto,always,never}")
      ->capture_default_str()
      ->group(kOutputGroup);
  cmd.add_flag("--fail-on-nonconvergence,--fail_on_nonconvergence", o.fail_on_nonconvergence,
               "Exit 4 when the selected model diverged or hit max epochs while still improving")
      ->group(kOutputGroup);
}

void add_hyperparameters(CLI::App& cmd, TrainOptions& o) {
  for (const auto& spec : hyperparameter_specs()) {
    std::string names = "--" + spec.name;
    // SageMaker's internal keys keep their one spelling ("---kvstore" would not even parse).
    if (kebab(spec.name) != spec.name && !spec.internal) names += ",--" + kebab(spec.name);
    CLI::Option* option = cmd.add_option(names, o.given[spec.name], help_text(spec));
    // SageMaker's internal keys are accepted, and hidden: nobody types them (the footer names them).
    option->group(spec.internal ? "" : help_group_title(spec.group))
        ->type_name(type_label(spec))
        ->default_str(spec.default_value);
    o.hyperparameter_options[spec.name] = option;
  }
}

}  // namespace

HyperparameterValues TrainOptions::hyperparameter_values() const {
  HyperparameterValues values;
  if (!hyperparameters_file.empty()) values = read_hyperparameters_json(hyperparameters_file);
  for (const auto& [name, option] : hyperparameter_options)
    if (option->count() > 0) values[name] = given.at(name);
  return values;
}

std::string TrainOptions::container_root() const {
  std::string root = sagemaker_root;
  if (root.empty() && train.empty()) {
    root = default_sagemaker_root();
    if (!has_sagemaker_training_job(root))
      throw UsageError(
          fmt::format("--train is required (or --sagemaker-root DIR, SageMaker's container mode: "
                      "implied when {}/input/config/hyperparameters.json exists)",
                      root));
  }
  if (root.empty()) return root;
  for (const CLI::Option* option : layout_options)
    if (option->count() > 0)
      throw UsageError(fmt::format("{} cannot be given in SageMaker's container mode ({}): its layout decides it",
                                   option->get_name(), root));
  return root;
}

CLI::App* add_train_options(CLI::App& root, TrainOptions& o) {
  CLI::App* cmd = root.add_subcommand("train", "Train linear models; writes model.pb, model.json, metrics.json");
  add_channels(*cmd, o);
  add_hyperparameters(*cmd, o);
  add_run_control(*cmd, o);
  add_output(*cmd, o);
  cmd->footer(
      "`auto` resolves to a concrete value from the other settings and the data; the value used is logged and "
      "written to metrics.json and model.json. SageMaker's own keys of hyperparameters.json (_tuning_objective_metric, "
      "_kvstore, _num_gpus, _num_kv_servers, _log_level, _enable_profiler, force_dense) are accepted too; the "
      "README says what each does.\n\nExample:\n  linlearn train --predictor_type binary_classifier "
      "--train data/churn/train.csv --validation data/churn/validation.csv --output-dir out/churn\n\n" +
      exit_codes_help());
  return cmd;
}

}  // namespace linlearn
