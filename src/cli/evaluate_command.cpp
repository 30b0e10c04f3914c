// `linlearn evaluate`: test metrics of a trained model on labelled records, as JSON.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/model_input.h"
#include "linlearn/scoring.h"

namespace linlearn {
namespace {

struct EvaluateOptions {
  std::string model;
  std::vector<std::string> input;
  std::string output;
  std::string content_type;
  int threads = 0;
};

int run_evaluate(const EvaluateOptions& o) {
  const LinearModel model = load_model(o.model);
  ThreadPool pool(threads_for(o.threads));
  const Dataset data = read_for_model(model, o.input, o.content_type, true, pool.size(), true);
  const RowMatrix margins = compute_margins(data, scoring_weights(model), pool);
  const auto loss = make_loss(model.loss, model.loss_params);
  const std::vector<float> weights(data.rows(), 1.0F);
  const int top_k = model.hyperparameters.value("accuracy_top_k", 3);
  const double f_beta = model.hyperparameters.value("f_beta", 1.0);
  const Evaluation e =
      evaluate_margins(margins, 0, *loss, data.labels, weights, {model.predictor_type, model.threshold, top_k, f_beta});
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : e.metrics) out["test:" + name] = value;
  const std::string text = out.dump(2) + "\n";
  std::cout << text;
  if (!o.output.empty()) write_file_atomically(o.output, text);
  return kExitOk;
}

}  // namespace

CommandAction add_evaluate_command(CLI::App& root) {
  auto o = std::make_shared<EvaluateOptions>();
  CLI::App* cmd = root.add_subcommand("evaluate", "Score labelled records and print test: metrics as JSON");
  cmd->footer(
      "Example:\n  linlearn evaluate --model out/churn --input data/churn/test.csv --output "
      "out/churn/test_metrics.json\n\n" +
      exit_codes_help());
  cmd->add_option("--model", o->model, "Model directory (with model.pb) or model.pb file")->required();
  cmd->add_option("--input,--test", o->input, "Labelled records: files, directories, globs or -")->required();
  cmd->add_option("--output", o->output, "Also write the metrics JSON to this file");
  cmd->add_option("--content-type,--content_type", o->content_type, "Force the input format");
  cmd->add_option("--threads", o->threads, "Worker threads (default: the CPUs this process may use; at most that many)")
      ->check(CLI::NonNegativeNumber);
  return [o] { return run_evaluate(*o); };
}

}  // namespace linlearn
