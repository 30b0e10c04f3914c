#pragma once
// The options of `linlearn train`: the hyperparameters of the declaration table plus the options of
// the run (channels, resources, output), registered in groups for --help.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "linlearn/hyperparameters.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace linlearn {

struct TrainOptions {
  std::vector<std::string> train, validation, test;
  std::string output_dir = "./output";
  std::string hyperparameters_file;
  std::string content_type;
  int threads = 0;
  std::string checkpoint_dir;  // default: OUTPUT_DIR/checkpoint
  bool resume = false;
  std::string log_level = "info";
  bool quiet = false;
  bool verbose = false;
  std::string log_format = "text";
  std::string progress = "auto";
  bool fail_on_nonconvergence = false;
  std::string initial_model;
  std::string max_memory;  // default: half of physical memory
  std::string cache_dir;   // default: OUTPUT_DIR/cache
  std::size_t shuffle_buffer = 100000;
  std::string distribution = "sharded";
  std::string sagemaker_root;  // SageMaker's container mode ("": only when implied)
  CLI::Option* distribution_option = nullptr;
  double peer_timeout = 10;
  CLI::Option* log_level_option = nullptr;
  // What SageMaker's layout decides in container mode: channels, formats, where the artifacts go.
  std::vector<CLI::Option*> layout_options;
  std::map<std::string, std::string> given;  // hyperparameter values as typed
  std::map<std::string, CLI::Option*> hyperparameter_options;

  // hyperparameters.json first, the command line on top.
  HyperparameterValues hyperparameter_values() const;
  // The root of SageMaker's container mode: --sagemaker-root, or without --train the default root
  // when it holds a training job; "" outside container mode. UsageError when neither --train nor a
  // job is there, or when an option the layout decides is given too.
  std::string container_root() const;
};

// Adds the `train` subcommand to `root`, its options writing into `options`.
CLI::App* add_train_options(CLI::App& root, TrainOptions& options);

}  // namespace linlearn
