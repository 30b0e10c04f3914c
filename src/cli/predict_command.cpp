// `linlearn predict`: scores records with a trained model in SageMaker's response formats.
#include <charconv>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/model_input.h"
#include "linlearn/scoring.h"

namespace linlearn {
namespace {

struct PredictOptions {
  std::string model;
  std::vector<std::string> input;
  std::string output = "-";
  std::string accept = "application/jsonlines";
  std::string content_type;
  bool has_label = false;
  int threads = 0;
};

// Shortest text that reads back as the same float.
void append_number(std::string& out, float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_record(std::string& out, const LinearModel& model, const float* score, const std::string& accept) {
  const bool csv = accept == "text/csv";
  if (model.predictor_type == PredictorType::kRegressor) {
    if (!csv) out += "{\"score\":";
    append_number(out, score[0]);
    out += csv ? "\n" : "}";
    return;
  }
  int label = 0;
  if (model.predictor_type == PredictorType::kBinary) {
    label = score[0] > model.threshold ? 1 : 0;
  } else {
    for (int k = 1; k < model.outputs; ++k)
      if (score[k] > score[label]) label = k;
  }
  if (csv) {
    out += std::to_string(label);
    for (int k = 0; k < model.outputs; ++k) {
      out += ',';
      append_number(out, score[k]);
    }
    out += '\n';
    return;
  }
  out += "{\"score\":";
  if (model.outputs == 1) {
    append_number(out, score[0]);
  } else {
    out += '[';
    for (int k = 0; k < model.outputs; ++k) {
      if (k > 0) out += ',';
      append_number(out, score[k]);
    }
    out += ']';
  }
  out += ",\"predicted_label\":" + std::to_string(label) + "}";
}

int run_predict(const PredictOptions& o) {
  if (o.accept != "application/jsonlines" && o.accept != "application/json" && o.accept != "text/csv")
    throw UsageError(fmt::format(
        "--accept: '{}' is not allowed; expected application/jsonlines, application/json or text/csv", o.accept));
  const LinearModel model = load_model(o.model);
  ThreadPool pool(threads_for(o.threads));
  const Dataset data = read_for_model(model, o.input, o.content_type, o.has_label, pool.size());
  const RowMatrix margins = compute_margins(data, stacked_weights(model), stacked_bias(model), pool);
  const auto loss = make_loss(model.loss, model.loss_params);
  std::vector<float> score(static_cast<std::size_t>(model.outputs));
  std::string out;
  const bool json_array = o.accept == "application/json";
  if (json_array) out += "{\"predictions\":[";
  for (Eigen::Index r = 0; r < margins.rows(); ++r) {
    loss->link(margins.row(r).data(), score.data());
    if (json_array && r > 0) out += ',';
    append_record(out, model, score.data(), o.accept);
    if (o.accept == "application/jsonlines") out += '\n';
  }
  if (json_array) out += "]}\n";
  if (o.output == "-") {
    std::cout << out;
    std::cout.flush();
    if (!std::cout) throw InputError("stdout: cannot write predictions");
  } else {
    write_file_atomically(o.output, out);
  }
  return kExitOk;
}

}  // namespace

CommandAction add_predict_command(CLI::App& root) {
  auto o = std::make_shared<PredictOptions>();
  CLI::App* cmd = root.add_subcommand("predict", "Score records with a trained model");
  cmd->footer(
      "Example:\n  linlearn predict --model out/churn --input data/churn/test.csv --has-label --accept "
      "application/json\n\n" +
      exit_codes_help());
  cmd->add_option("--model", o->model, "Model directory (with model.pb) or model.pb file")->required();
  cmd->add_option("--input", o->input, "Records to score: files, directories, globs or -")->required();
  cmd->add_option("--output", o->output, "Output file, or - for stdout")->capture_default_str();
  cmd->add_option("--accept", o->accept, "application/jsonlines, application/json or text/csv")->capture_default_str();
  cmd->add_option("--content-type,--content_type", o->content_type, "Force the input format");
  cmd->add_flag("--has-label,--has_label", o->has_label, "CSV input has a label in the first column (ignored)");
  cmd->add_option("--threads", o->threads, "Worker threads (default: the CPUs this process may use; at most that many)")
      ->check(CLI::NonNegativeNumber);
  return [o] { return run_predict(*o); };
}

}  // namespace linlearn
