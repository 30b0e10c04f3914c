// `linlearn predict`: scores records with a trained model in SageMaker's response formats.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/inference.h"
#include "linlearn/model_input.h"
#include "linlearn/reader.h"

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

// The response format --accept names (parameters allowed).
ResponseFormat accept_format(const std::string& accept) {
  const auto type = parse_media_type(accept);
  const auto format = type ? response_format(*type) : std::nullopt;
  if (!format)
    throw UsageError(fmt::format("--accept: '{}' is not allowed; expected {}", accept, response_types_text()));
  return *format;
}

// JSON request bodies, one per file, as `serve` decodes them.
Dataset read_json_records(const PredictOptions& o, const LinearModel& model, RequestFormat format) {
  Dataset data;
  data.feature_dim = model.feature_dim;
  for (const auto& path : expand_paths(o.input))
    data.append(decode_request(read_file_bytes(path), format, model, path == "-" ? "<stdin>" : path));
  return data;
}

// The records of --input: JSON through the request decoder, the file formats through the channel
// reader (parameters of --content-type aside).
Dataset read_records(const PredictOptions& o, const LinearModel& model, int threads) {
  if (o.content_type.empty() || o.content_type == "auto")
    return read_for_model(model, o.input, "", o.has_label, threads);
  const auto type = parse_media_type(o.content_type);
  const auto format = type ? request_format(*type) : std::nullopt;
  if (format == RequestFormat::kJson || format == RequestFormat::kJsonLines)
    return read_json_records(o, model, *format);
  if (!format && !(type && (type->type == "text/libsvm" || type->type == "text/x-libsvm")))
    throw UsageError(
        fmt::format("--content-type: '{}' is not supported; expected text/csv, text/libsvm, application/json, "
                    "application/jsonlines or application/x-recordio-protobuf",
                    o.content_type));
  return read_for_model(model, o.input, type->type, o.has_label, threads);
}

int run_predict(const PredictOptions& o) {
  const ResponseFormat accept = accept_format(o.accept);
  const Predictor predictor(load_model(o.model));
  ThreadPool pool(threads_for(o.threads));
  const Dataset data = read_records(o, predictor.model(), pool.size());
  const std::string out = encode_response(predictor.model(), predictor.scores(data, pool), accept);
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
  cmd->add_option("--model", o->model, "Model directory, model.pb, or SageMaker model.tar.gz / model_algo-1")
      ->required();
  cmd->add_option("--input", o->input, "Records to score: files, directories, globs or -")->required();
  cmd->add_option("--output", o->output, "Output file, or - for stdout")->capture_default_str();
  cmd->add_option("--accept", o->accept,
                  "application/jsonlines, application/json, text/csv or application/x-recordio-protobuf")
      ->capture_default_str();
  cmd->add_option("--content-type,--content_type", o->content_type,
                  "Input format: text/csv, text/libsvm, application/json, application/jsonlines or "
                  "application/x-recordio-protobuf (parameters allowed; default: detected per file)");
  cmd->add_flag("--has-label,--has_label", o->has_label,
                "CSV input has a label in the first column (ignored); RecordIO records must have labels");
  cmd->add_option("--threads", o->threads, "Worker threads (default: the CPUs this process may use; at most that many)")
      ->check(CLI::NonNegativeNumber);
  return [o] { return run_predict(*o); };
}

}  // namespace linlearn
