// The stages of a training job, in process: no binary spawned.
#include "linlearn/train_job.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <spdlog/sinks/null_sink.h>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using testing::data_path;

spdlog::logger quiet() {
  return spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// Records what a job reports, in order.
struct Recorder : JobObserver {
  std::vector<std::string> events;
  DataSummary data;
  JobResult result;
  void on_data(const DataSummary& d) override {
    data = d;
    events.push_back("data");
  }
  void on_config(const TrainConfig&, bool) override { events.push_back("config"); }
  void on_epoch_end(const EpochRecord&) override { events.push_back("epoch"); }
  void on_diagnostics(const std::vector<Diagnostic>&) override { events.push_back("diagnostics"); }
  void on_result(const JobResult& r) override {
    result = r;
    events.push_back("result");
  }
};

TrainRequest churn_request(const testing::TempDir& dir) {
  TrainRequest r;
  r.train = {data_path("churn/train.csv")};
  r.validation = {data_path("churn/validation.csv")};
  r.test = {data_path("churn/test.csv")};
  r.output_dir = dir.path("out");
  r.hyperparameters = {{"predictor_type", "binary_classifier"}, {"epochs", "3"}, {"num_models", "2"}};
  r.threads = 2;
  return r;
}

TEST(TrainJob, RunsEveryStageAndWritesTheArtifacts) {
  testing::TempDir dir;
  JobProcesses processes;
  auto log = quiet();
  Recorder recorder;
  ASSERT_EQ(run_train_job(churn_request(dir), processes, log, recorder, nullptr), kExitOk);
  EXPECT_EQ(recorder.events, (std::vector<std::string>{"data", "config", "epoch", "epoch", "epoch", "diagnostics",
                                                       "result"}));
  EXPECT_EQ(recorder.data.train_records, 4000U);
  EXPECT_EQ(recorder.data.validation_records, 1000U);
  EXPECT_EQ(recorder.data.feature_dim, 12U);
  for (const char* file : {"model.pb", "model.json", "metrics.json", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(dir.path(std::string("out/") + file))) << file;
  EXPECT_TRUE(recorder.result.final_metrics.contains("test:binary_classification_accuracy"));
}

// The validation metrics come from the selection's scores, and equal a fresh scoring of the saved model.
TEST(TrainJob, FinalMetricsOfTheSelectionChannelMatchTheSavedModel) {
  testing::TempDir dir;
  const TrainRequest request = churn_request(dir);
  auto log = quiet();
  LocalCommunicator comm;
  ThreadPool pool(2);
  const TrainConfig pre = resolve_config(request.hyperparameters);
  const LoadedChannels data = load_channels(request, pre, 2, comm, log);
  EXPECT_EQ(data.facts.records, 4000U);
  EXPECT_EQ(data.facts.class_counts.size(), 2U);
  const TrainConfig config = finalize_config(request, data, 2, log);
  EXPECT_EQ(config.mini_batch_size, 40);
  const TrainOutcome outcome = train_models(config, data.channels(), pool, log);
  ASSERT_EQ(outcome.selected_on, "validation");
  ASSERT_TRUE(outcome.selected_scores.has_value());
  const FinalMetrics metrics = final_metrics(config, outcome, data, pool, comm);
  const auto loss = make_loss(outcome.model.loss, outcome.model.loss_params);
  const ClassWeights weights{config.weighting.per_class};
  const RowMatrix margins =
      compute_margins(data.validation, stacked_weights(outcome.model), stacked_bias(outcome.model), pool);
  const Evaluation fresh =
      evaluate_margins(margins, 0, *loss, data.validation.labels, weights.for_records(data.validation),
                       {config.predictor_type, outcome.model.threshold, config.accuracy_top_k, config.f_beta});
  for (const auto& [name, value] : fresh.metrics) EXPECT_EQ(metrics.metrics.at("validation:" + name), value) << name;
  EXPECT_EQ(metrics.charted.channel, "validation");  // a binary model's curves stay where it was calibrated
}

TEST(TrainJob, ANarrowerValidationChannelIsRefusedWhenLoading) {
  testing::TempDir dir;
  TrainRequest request = churn_request(dir);
  request.validation = {dir.write("narrow.csv", "1,2,3\n0,4,5\n")};
  auto log = quiet();
  LocalCommunicator comm;
  try {
    load_channels(request, resolve_config(request.hyperparameters), 1, comm, log);
    FAIL() << "a 2-feature validation channel was accepted for 12-feature training data";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("narrow.csv:1:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("12"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace linlearn
