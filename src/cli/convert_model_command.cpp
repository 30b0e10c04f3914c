// `linlearn convert-model --model IN --output OUT` (SPEC section 10): any model load_model reads
// (a linlearn model directory or model.pb, a SageMaker model.tar.gz or model_algo-1) to SageMaker's
// model.tar.gz when OUT ends in .tar.gz, else to a linlearn model directory.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>

#include "artifacts/sagemaker_model.h"
#include "cli/commands.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

struct ConvertModelOptions {
  std::string model;
  std::string output;
};

int run_convert_model(const ConvertModelOptions& o) {
  const LinearModel model = load_model(o.model);
  if (o.output.ends_with(".tar.gz")) {
    write_sagemaker_model_tar_gz(o.output, model);
    std::cerr << "wrote " << o.output << " (SageMaker Linear Learner model.tar.gz, " << model.feature_dim
              << " features)\n";
    return kExitOk;
  }
  ensure_directory(o.output);
  const auto dir = std::filesystem::path(o.output);
  write_model_pb((dir / "model.pb").string(), model);
  write_model_json((dir / "model.json").string(), model);
  std::cerr << "wrote " << (dir / "model.pb").string() << " and model.json (" << model.feature_dim << " features)\n";
  return kExitOk;
}

}  // namespace

CommandAction add_convert_model_command(CLI::App& root) {
  auto o = std::make_shared<ConvertModelOptions>();
  CLI::App* cmd = root.add_subcommand(
      "convert-model", "Convert a model between linlearn (model.pb) and SageMaker Linear Learner (model.tar.gz)");
  cmd->footer("Example:\n  linlearn convert-model --model out/churn --output churn-sagemaker.tar.gz\n\n" +
              exit_codes_help());
  cmd->add_option("--model", o->model,
                  "Model to read: a linlearn model directory or model.pb, a SageMaker model.tar.gz or model_algo-1")
      ->required();
  cmd->add_option("--output", o->output,
                  "Where to write: a name ending in .tar.gz gets SageMaker's layout, anything else is a linlearn "
                  "model directory (model.pb + model.json)")
      ->required();
  return [o] { return run_convert_model(*o); };
}

}  // namespace linlearn
