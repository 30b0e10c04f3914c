// End-to-end runs of `linlearn train | predict | evaluate` on the bundled data sets.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::run_linlearn;
using testing::slurp;

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(slurp(path));
}

std::string churn_args(const std::string& out_dir) {
  return "train --predictor_type binary_classifier --train " + data_path("churn/train.csv") + " --validation " +
         data_path("churn/validation.csv") + " --test " + data_path("churn/test.csv") + " --output-dir " + out_dir +
         " --epochs 8 --quiet";
}

TEST(TrainCli, BinaryChurnWritesCompleteArtifacts) {
  testing::TempDir dir;
  const auto r = run_linlearn(churn_args(dir.path("out")), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = read_json(dir.path("out/metrics.json"));
  EXPECT_EQ(metrics["predictor_type"], "binary_classifier");
  EXPECT_EQ(metrics["data"]["train"]["records"], 4000);
  EXPECT_EQ(metrics["data"]["train"]["feature_dim"], 12);
  EXPECT_GE(metrics["final_metrics"]["test:binary_classification_accuracy"].get<double>(), 0.8);
  EXPECT_GE(metrics["final_metrics"]["test:roc_auc_score"].get<double>(), 0.85);
  for (const char* key : {"train:objective_loss", "validation:precision", "validation:recall", "test:binary_f_beta"})
    EXPECT_TRUE(metrics["final_metrics"].contains(key)) << key;
  EXPECT_FALSE(metrics["epochs"].empty());
  EXPECT_TRUE(metrics["epochs"][0]["models"][0].contains("validation:objective_loss"));
  EXPECT_EQ(metrics["hyperparameters"]["num_models"], 8);
  EXPECT_EQ(metrics["hyperparameters"]["epochs"], 8);
  const std::string status = metrics["convergence"]["status"];
  EXPECT_TRUE(status == "converged" || status == "early_stopped" || status == "max_epochs") << status;

  const auto model = read_json(dir.path("out/model.json"));
  EXPECT_EQ(model["weights"].size(), 12U);
  EXPECT_TRUE(model["bias"].is_number());
  EXPECT_EQ(model["threshold"], metrics["selected_model"]["threshold"]);

  // predict: one JSON line per record, consistent with the stored threshold.
  const auto p = run_linlearn(
      "predict --model " + dir.path("out") + " --has-label --input " + data_path("churn/test.csv"), dir.path());
  ASSERT_EQ(p.exit_code, 0) << p.err;
  std::istringstream lines(p.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    const auto rec = nlohmann::json::parse(line);
    EXPECT_EQ(rec["predicted_label"].get<int>(), rec["score"].get<double>() > model["threshold"].get<double>() ? 1 : 0);
    ++count;
  }
  EXPECT_EQ(count, 1000);

  // evaluate agrees with the test metrics written by train.
  const auto e =
      run_linlearn("evaluate --model " + dir.path("out") + " --input " + data_path("churn/test.csv"), dir.path());
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NEAR(nlohmann::json::parse(e.out)["test:binary_classification_accuracy"].get<double>(),
              metrics["final_metrics"]["test:binary_classification_accuracy"].get<double>(), 1e-9);
}

TEST(TrainCli, ModelBytesDoNotDependOnThreads) {
  testing::TempDir dir;
  ASSERT_EQ(run_linlearn(churn_args(dir.path("t1")) + " --threads 1", dir.path()).exit_code, 0);
  ASSERT_EQ(run_linlearn(churn_args(dir.path("t2")) + " --threads 2", dir.path()).exit_code, 0);
  const std::string a = slurp(dir.path("t1/model.pb"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, slurp(dir.path("t2/model.pb")));
  EXPECT_NE(slurp(dir.path("t1/metrics.json")), "");
}

// The baseline kernels (SSE2, emulated FMA) give the bytes of the variant this CPU runs best.
TEST(TrainCli, ModelBytesDoNotDependOnTheKernelVariant) {
  testing::TempDir dir;
  ASSERT_EQ(run_linlearn(churn_args(dir.path("best")), dir.path()).exit_code, 0);
  const auto r = testing::run_command(
      "LINLEARN_ISA=baseline " + std::string(LINLEARN_EXE) + " " + churn_args(dir.path("baseline")), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string a = slurp(dir.path("best/model.pb"));
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, slurp(dir.path("baseline/model.pb")));
}

TEST(TrainCli, MulticlassAndRegression) {
  testing::TempDir dir;
  auto r = run_linlearn("train --predictor_type multiclass_classifier --num_classes 10 --train " +
                            data_path("digits/train.csv") + " --test " + data_path("digits/test.csv") +
                            " --output-dir " + dir.path("digits") + " --quiet",
                        dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto metrics = read_json(dir.path("digits/metrics.json"));
  EXPECT_GE(metrics["final_metrics"]["test:multiclass_accuracy"].get<double>(), 0.9);
  EXPECT_EQ(read_json(dir.path("digits/model.json"))["weights"].size(), 10U);

  r = run_linlearn("train --predictor_type regressor --train " + data_path("diabetes/train.csv") + " --test " +
                       data_path("diabetes/test.csv") + " --output-dir " + dir.path("diabetes") + " --quiet",
                   dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  metrics = read_json(dir.path("diabetes/metrics.json"));
  EXPECT_GE(metrics["final_metrics"]["test:r2"].get<double>(), 0.35);
  EXPECT_NEAR(metrics["final_metrics"]["test:rmse"].get<double>(),
              std::sqrt(metrics["final_metrics"]["test:mse"].get<double>()), 1e-6);
}

TEST(TrainCli, HyperparametersFileAndCommandLineWins) {
  testing::TempDir dir;
  const auto r = run_linlearn("train --hyperparameters " + data_path("hyperparameters.json") + " --epochs 3 --train " +
                                  data_path("churn/train.csv") + " --output-dir " + dir.path("out") + " --quiet",
                              dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = read_json(dir.path("out/metrics.json"));
  EXPECT_EQ(metrics["hyperparameters"]["epochs"], 3);
  EXPECT_EQ(metrics["hyperparameters"]["mini_batch_size"], 200);
}

TEST(TrainCli, UsageErrorsExit2WithOneLine) {
  testing::TempDir dir;
  auto r = run_linlearn("train --train " + data_path("churn/train.csv") +
                            " --predictor_type binary_classifier "
                            "--mini_batch_size -3 --output-dir " +
                            dir.path("out"),
                        dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--mini_batch_size"), std::string::npos) << r.err;
  r = run_linlearn("train --train x.csv --predictor_type binary_classifier --no-such-option 1", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  r = run_linlearn("train --train " + data_path("churn/train.csv") + " --predictor_type regressor --loss logistic",
                   dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--loss"), std::string::npos) << r.err;
}

TEST(TrainCli, MalformedCsvExits3NamingTheLineAndWritesNothing) {
  testing::TempDir dir;
  const std::string bad = dir.write("bad.csv", "1,2,3\n0,4,5\n1,abc,6\n");
  auto r = run_linlearn("train --predictor_type binary_classifier --train " + bad + " --output-dir " + dir.path("out"),
                        dir.path());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(bad + ":3:"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("out/model.pb")));

  const std::string bad_label = dir.write("label.csv", "1,2,3\n2,4,5\n");
  r = run_linlearn("train --predictor_type binary_classifier --train " + bad_label + " --output-dir " + dir.path("out"),
                   dir.path());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find(bad_label + ":2:1"), std::string::npos) << r.err;
}

// A record's score is the same bits scored alone or with the rest of the file.
TEST(TrainCli, AScoreDoesNotDependOnTheOtherRecordsOfTheRequest) {
  testing::TempDir dir;
  ASSERT_EQ(run_linlearn(churn_args(dir.path("out")), dir.path()).exit_code, 0);
  const auto all = run_linlearn(
      "predict --model " + dir.path("out") + " --has-label --input " + data_path("churn/test.csv"), dir.path());
  ASSERT_EQ(all.exit_code, 0) << all.err;
  std::istringstream records(slurp(data_path("churn/test.csv")));
  std::istringstream scores(all.out);
  std::string record, score;
  for (int i = 0; i < 13 && std::getline(records, record) && std::getline(scores, score); ++i) {
    const std::string one = dir.write("one.csv", record + "\n");
    const auto alone = run_linlearn("predict --model " + dir.path("out") + " --has-label --input " + one, dir.path());
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    EXPECT_EQ(alone.out, score + "\n") << "record " << i;
  }
}

// Without a validation channel the selected epoch's training loss is that of the saved weights:
// evaluate on the training data reproduces it (in memory and streamed through the cache).
TEST(TrainCli, TheReportedTrainingLossIsTheSavedModels) {
  testing::TempDir dir;
  struct Case {
    std::string name;
    std::string args;
    std::string train;
  };
  const std::vector<Case> cases{
      {"diabetes-sgd", "--predictor_type regressor --optimizer sgd --learning_rate 0.1",
       data_path("diabetes/train.csv")},
      {"churn", "--predictor_type binary_classifier", data_path("churn/train.csv")},
      {"churn-streamed", "--predictor_type binary_classifier --max-memory 64K", data_path("churn/train.csv")},
      {"digits", "--predictor_type multiclass_classifier --num_classes 10", data_path("digits/train.csv")},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string out = dir.path(c.name);
    const auto r =
        run_linlearn("train " + c.args + " --train " + c.train + " --output-dir " + out + " --quiet", dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto metrics = read_json(out + "/metrics.json");
    const int index = metrics["selected_model"]["index"];
    const int epoch = metrics["selected_model"]["epoch"];
    EXPECT_EQ(metrics["early_stopping"]["best_epoch"], epoch);
    const double reported = metrics["epochs"][epoch]["models"][index]["train:objective_loss"];
    const auto evaluated = run_linlearn("evaluate --model " + out + " --input " + c.train, dir.path());
    ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
    const double loss = nlohmann::json::parse(evaluated.out)["test:objective_loss"];
    EXPECT_NEAR(reported, loss, 1e-6 * std::abs(loss));
    EXPECT_NEAR(metrics["final_metrics"]["train:objective_loss"].get<double>(), loss, 1e-6 * std::abs(loss));
  }
}

}  // namespace
}  // namespace linlearn
