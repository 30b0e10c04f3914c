// A program built on linlearn's installed API alone (include/linlearn): train a binary classifier
// on a CSV file with the library's pipeline stages, then score the records of another file with the
// model it wrote.
//
//   linlearn_example TRAIN.csv SCORE.csv OUTPUT_DIR
#include <cstdio>
#include <exception>
#include <memory>
#include <vector>

#include <spdlog/sinks/null_sink.h>

#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/scoring.h"
#include "linlearn/train_job.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s TRAIN.csv SCORE.csv OUTPUT_DIR\n", argv[0]);
    return linlearn::kExitUsage;
  }
  try {
    linlearn::TrainRequest request;
    request.train = {argv[1]};
    request.output_dir = argv[3];
    request.hyperparameters = {{"predictor_type", "binary_classifier"}, {"epochs", "5"}};
    linlearn::JobProcesses processes;
    spdlog::logger log("example", std::make_shared<spdlog::sinks::null_sink_mt>());
    linlearn::JobObserver silent;
    const int code = linlearn::run_train_job(request, processes, log, silent, nullptr);
    if (code != linlearn::kExitOk) return code;

    const linlearn::LinearModel model = linlearn::load_model(request.output_dir);
    const linlearn::Dataset records = linlearn::read_channel({argv[2]}, linlearn::ReadOptions{});
    linlearn::ThreadPool pool(0);
    const linlearn::RowMatrix margins =
        linlearn::compute_margins(records, linlearn::stacked_weights(model), linlearn::stacked_bias(model), pool);
    const auto loss = linlearn::make_loss(model.loss, model.loss_params);
    const std::vector<float> weights(records.rows(), 1.0F);
    const linlearn::Evaluation e = linlearn::evaluate_margins(margins, 0, *loss, records.labels, weights,
                                                              {model.predictor_type, model.threshold, 3, 1.0});
    std::printf("%zu records, accuracy %.4f\n", records.rows(), e.metrics.at("binary_classification_accuracy"));
    return linlearn::kExitOk;
  } catch (const linlearn::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    return linlearn::kExitInternal;
  }
}
