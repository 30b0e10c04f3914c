// SageMaker's container mode in process: the layout read into a request, the layouts that cannot
// run, and a spot restart that resumes from checkpoints/.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <sstream>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>

#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/train_job.h"
#include "pipeline/sagemaker_root.h"
#include "train/stop_after_epoch.h"

namespace linlearn {
namespace {

using testing::SageMakerRoot;
using testing::slurp;
using testing::TempDir;

spdlog::logger quiet() {
  return spdlog::logger("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// The UsageError message of reading the job, or "" when it reads.
std::string refusal(const SageMakerRoot& root) {
  try {
    read_sagemaker_job(root.path(), {});
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(SageMakerJob, ReadsTheLayoutIntoARequest) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.hyperparameters({{"predictor_type", "binary_classifier"}, {"epochs", "3"}, {"_kvstore", "dist_sync"}});
  root.channel("train", "text/csv;label_size=1", "Pipe");
  root.channel("validation", "application/x-recordio-protobuf");
  root.channel("test", "");
  root.channel("model", "application/x-sagemaker-model");
  root.hosts({"algo-1"});
  TrainRequest run;
  run.threads = 1;
  run.hyperparameters = {{"epochs", "5"}};  // the command line wins
  const SageMakerJob job = read_sagemaker_job(root.path(), run);
  const TrainRequest& r = job.request;
  EXPECT_EQ(r.train, std::vector<std::string>{root.path("input/data/train_0")});
  EXPECT_EQ(r.validation, std::vector<std::string>{root.path("input/data/validation")});
  EXPECT_EQ(r.test, std::vector<std::string>{root.path("input/data/test")});
  EXPECT_EQ(r.initial_model, root.path("input/data/model"));
  EXPECT_EQ(r.content_type, "text/csv;label_size=1");
  EXPECT_EQ(r.validation_content_type, "application/x-recordio-protobuf");
  EXPECT_EQ(r.test_content_type, "auto");  // no ContentType: detected per file
  EXPECT_EQ(r.output_dir, root.path("model"));
  EXPECT_EQ(r.report_dir, root.path("output/data"));
  EXPECT_EQ(r.checkpoint_dir, root.path("checkpoints"));
  EXPECT_TRUE(r.resume);
  EXPECT_EQ(r.threads, 1);
  EXPECT_EQ(r.hyperparameters.at("epochs"), "5");
  EXPECT_EQ(r.hyperparameters.at("_kvstore"), "dist_sync");
  std::string notes;
  for (const auto& n : job.notes) notes += n + "\n";
  EXPECT_NE(notes.find("Pipe mode: " + root.path("input/data/train_0") + " read once"), std::string::npos) << notes;
}

TEST(SageMakerJob, WithoutInputDataConfigTheChannelsAreTheFoldersOfInputData) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.hyperparameters({{"predictor_type", "binary_classifier"}});
  std::filesystem::create_directories(root.path("input/data/train"));
  std::filesystem::create_directories(root.path("input/data/test"));
  const TrainRequest r = read_sagemaker_job(root.path(), {}).request;
  EXPECT_EQ(r.train, std::vector<std::string>{root.path("input/data/train")});
  EXPECT_TRUE(r.validation.empty());
  EXPECT_EQ(r.test, std::vector<std::string>{root.path("input/data/test")});
}

TEST(SageMakerJob, CheckpointsGoWhereCheckpointConfigSays) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}});
  EXPECT_EQ(read_sagemaker_job(root.path(), {}).request.checkpoint_dir, root.path("checkpoints"));
  dir.write("ml/input/config/checkpointconfig.json",
            R"({"LocalPath": ")" + dir.path("spot") + R"(", "S3Uri": "s3://bucket/checkpoints"})");
  EXPECT_EQ(read_sagemaker_job(root.path(), {}).request.checkpoint_dir, dir.path("spot"));
}

TEST(SageMakerJob, SeveralHostsAreRefusedByName) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}});
  root.hosts({"algo-1", "algo-2"});
  const std::string why = refusal(root);
  EXPECT_NE(why.find("resourceconfig.json: 2 hosts (algo-1, algo-2)"), std::string::npos) << why;
  EXPECT_NE(why.find("InstanceCount 1"), std::string::npos) << why;
}

TEST(SageMakerJob, LayoutsThatCannotRunAreRefusedNamingTheFile) {
  TempDir dir;
  SageMakerRoot root(dir);
  EXPECT_NE(refusal(root).find("hyperparameters.json: no such file"), std::string::npos) << refusal(root);
  root.hyperparameters({{"predictor_type", "binary_classifier"}, {"_num_gpus", "lots"}});
  EXPECT_NE(refusal(root).find("hyperparameters.json: --_num_gpus: 'lots' is not allowed"), std::string::npos)
      << refusal(root);
  root.hyperparameters({{"predictor_type", "binary_classifier"}});
  root.channel("validation", "text/csv");
  EXPECT_NE(refusal(root).find("inputdataconfig.json: no \"train\" channel"), std::string::npos) << refusal(root);
  root.channel("train", "text/csv;label_size=2");
  EXPECT_NE(refusal(root).find("channel \"train\": --content-type: 'text/csv;label_size=2'"), std::string::npos)
      << refusal(root);
  root.channel("train", "text/csv", "Streaming");
  EXPECT_NE(refusal(root).find("TrainingInputMode 'Streaming' is not supported"), std::string::npos) << refusal(root);
  root.channel("train", "text/csv");
  root.channel("model", "application/x-sagemaker-model", "Pipe");
  EXPECT_NE(refusal(root).find("the model channel (a warm start) must be in File mode"), std::string::npos)
      << refusal(root);
  dir.write("ml/input/config/resourceconfig.json", "{\"hosts\": ");
  EXPECT_NE(refusal(root).find("resourceconfig.json: not valid JSON"), std::string::npos) << refusal(root);
}

// A spot instance interrupted after epoch 2 restarts the job on the same layout: it resumes from
// checkpoints/ and ends with the model an uninterrupted job writes.
TEST(SageMakerJob, ARestartedJobResumesFromCheckpoints) {
  TempDir dir;
  const nlohmann::json hyperparameters{{"predictor_type", "binary_classifier"}, {"epochs", "4"}, {"num_models", "2"}};
  SageMakerRoot whole(dir, "whole");
  whole.churn(hyperparameters);
  SageMakerRoot spot(dir, "spot");
  spot.churn(hyperparameters);
  JobProcesses processes;
  auto log = quiet();
  JobObserver none;
  ASSERT_EQ(run_sagemaker_job(read_sagemaker_job(whole.path(), {}), processes, log, none, nullptr), kExitOk);

  std::atomic<int> stop{0};
  testing::StopAfterEpoch interrupt(stop, 1);
  const auto interrupted = [&] {
    return run_sagemaker_job(read_sagemaker_job(spot.path(), {}), processes, log, interrupt, &stop);
  };
  EXPECT_THROW(reporting_sagemaker_failure(spot.path(), interrupted), Interrupted);
  EXPECT_TRUE(std::filesystem::exists(spot.path("checkpoints/checkpoint.pb")));
  EXPECT_FALSE(std::filesystem::exists(spot.path("model/model.pb")));
  EXPECT_NE(slurp(spot.path("output/failure")).find("interrupted by signal 15"), std::string::npos)
      << slurp(spot.path("output/failure"));

  ASSERT_EQ(run_sagemaker_job(read_sagemaker_job(spot.path(), {}), processes, log, none, nullptr), kExitOk);
  EXPECT_EQ(slurp(spot.path("model/model.pb")), slurp(whole.path("model/model.pb")));
  EXPECT_FALSE(std::filesystem::exists(spot.path("output/failure")));  // the restart's, not the interruption's
  EXPECT_TRUE(std::filesystem::exists(spot.path("checkpoints/checkpoint.pb")));
  EXPECT_FALSE(std::filesystem::exists(spot.path("output/cache")));
}

TEST(SageMakerJob, WritesSageMakersModelBesideLinlearnsAndTheReportsInOutputData) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}, {"epochs", "2"}, {"num_models", "1"}});
  JobProcesses processes;
  auto log = quiet();
  JobObserver none;
  ASSERT_EQ(run_sagemaker_job(read_sagemaker_job(root.path(), {}), processes, log, none, nullptr), kExitOk);
  for (const char* file : {"model/model.pb", "model/model.json", "model/model_algo-1", "output/data/metrics.json",
                           "output/data/report.html"})
    EXPECT_TRUE(std::filesystem::exists(root.path(file))) << file;
  EXPECT_FALSE(std::filesystem::exists(root.path("model/metrics.json")));
  const LinearModel ours = load_model(root.path("model/model.pb"));
  const LinearModel theirs = load_model(root.path("model/model_algo-1"));
  EXPECT_EQ(theirs.weights, ours.weights);
  EXPECT_EQ(theirs.bias, ours.bias);
}

// hinge_loss margins are not what SageMaker's logistic graph outputs: model.pb only, and a warning.
TEST(SageMakerJob, AModelSageMakersGraphCannotExpressKeepsModelPbOnly) {
  TempDir dir;
  SageMakerRoot root(dir);
  root.churn({{"predictor_type", "binary_classifier"}, {"epochs", "1"}, {"num_models", "1"}, {"loss", "hinge_loss"}});
  std::ostringstream text;
  spdlog::logger log("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
  JobProcesses processes;
  JobObserver none;
  ASSERT_EQ(run_sagemaker_job(read_sagemaker_job(root.path(), {}), processes, log, none, nullptr), kExitOk);
  EXPECT_TRUE(std::filesystem::exists(root.path("model/model.pb")));
  EXPECT_FALSE(std::filesystem::exists(root.path("model/model_algo-1")));
  EXPECT_NE(text.str().find("model_algo-1 not written"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace linlearn
