// End to end on LIBSVM data, as the sparse issue is checked: a record scored with and without a
// feature that never occurs in training gets the same score, and a finished run leaves only its
// artifacts behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::run_linlearn;

// 400 records over features 1..40 (1-based), labelled by the parity of the features they hold.
void write_training_data(const std::string& path) {
  std::ofstream out(path);
  for (int r = 0; r < 400; ++r) {
    int margin = 0;
    std::string features;
    for (int j = 1 + r % 7; j <= 40; j += 5 + (r * 3 + j) % 4) {
      margin += j % 2 == 0 ? 1 : -1;
      features.append(" ").append(std::to_string(j)).append(":1");
    }
    out << (margin > 0 ? 1 : 0) << features << "\n";
  }
}

TEST(SparseCli, AFeatureUnseenInTrainingLeavesTheScoreUnchanged) {
  testing::TempDir dir;
  write_training_data(dir.path("train.libsvm"));
  const std::string model = dir.path("out");
  const auto trained = run_linlearn("train --quiet --predictor_type binary_classifier --feature_dim 5000 --train " +
                                        dir.path("train.libsvm") + " --output-dir " + model + " --init_method uniform",
                                    dir.path(""));
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  std::ofstream(dir.path("without.libsvm")) << "0 2:1 9:1 14:1\n1 3:1 22:1\n0\n";
  std::ofstream(dir.path("with.libsvm")) << "0 2:1 9:1 14:1 4000:2.5\n1 3:1 22:1 41:1 4999:-1\n0 100:7\n";
  const auto without =
      run_linlearn("predict --model " + model + " --input " + dir.path("without.libsvm"), dir.path(""));
  const std::string scores = without.out;
  const auto with = run_linlearn("predict --model " + model + " --input " + dir.path("with.libsvm"), dir.path(""));
  ASSERT_EQ(without.exit_code, 0) << without.err;
  ASSERT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(with.out, scores);
  EXPECT_EQ(testing::lines_of(scores).size(), 3U);

  // model.json stores the features that occur only, as {keys, values}.
  const auto json = nlohmann::json::parse(testing::slurp(model + "/model.json"));
  EXPECT_EQ(json["format_version"], 2);
  for (const auto& key : json["weights"]["keys"]) EXPECT_LT(key.get<int>(), 40);
  // Nothing but the artifacts is left behind (no checkpoint without --checkpoint-dir).
  std::set<std::string> left;
  for (const auto& entry : std::filesystem::directory_iterator(model)) left.insert(entry.path().filename());
  EXPECT_EQ(left, (std::set<std::string>{"metrics.json", "model.json", "model.pb", "report.html"}));
}

// One-hot data is stored coded (a byte per non-zero, SparseTrainer tests that this trains the same
// model); data of more than 256 distinct values stays plain.
TEST(SparseCli, OneHotDataIsStoredAsCodes) {
  testing::TempDir dir;
  write_training_data(dir.path("train.libsvm"));
  std::string many = testing::slurp(dir.path("train.libsvm"));
  std::string values;
  for (int k = 0; k < 300; ++k)
    values.append(" ").append(std::to_string(100 + k)).append(":").append(std::to_string(k + 2));
  many.insert(many.find('\n'), values);
  std::ofstream(dir.path("many.libsvm")) << many;
  const auto log_of = [&](const std::string& file) {
    const auto trained =
        run_linlearn("train --log-level debug --predictor_type binary_classifier --epochs 1 --train " + dir.path(file) +
                         " --test " + dir.path(file) + " --output-dir " + dir.path("out"),
                     dir.path(""));
    EXPECT_EQ(trained.exit_code, 0) << trained.err;
    return trained.err;
  };
  const std::string one_hot = log_of("train.libsvm");
  EXPECT_NE(one_hot.find("training data: 1 distinct value, stored as a byte each"), std::string::npos) << one_hot;
  EXPECT_NE(one_hot.find("test data: 1 distinct value, stored as a byte each"), std::string::npos) << one_hot;
  EXPECT_EQ(log_of("many.libsvm").find("stored as a byte each"), std::string::npos);
}

// num_models=auto trains one model on sparse data selected on itself, the grid when a validation
// channel selects.
TEST(SparseCli, AutoNumModelsTrainsTheGridOnlyWhenAValidationChannelSelects) {
  testing::TempDir dir;
  write_training_data(dir.path("train.libsvm"));
  const auto num_models = [&](const std::string& extra) {
    const std::string out = dir.path("out");
    const auto trained = run_linlearn("train --quiet --predictor_type binary_classifier --epochs 2 --train " +
                                          dir.path("train.libsvm") + " --output-dir " + out + extra,
                                      dir.path(""));
    EXPECT_EQ(trained.exit_code, 0) << trained.err;
    const auto metrics = nlohmann::json::parse(testing::slurp(out + "/metrics.json"));
    return std::pair{metrics["hyperparameters"]["num_models"].get<int>(), metrics["models"].size()};
  };
  EXPECT_EQ(num_models(""), (std::pair{1, std::size_t{1}}));
  EXPECT_EQ(num_models(" --validation " + dir.path("train.libsvm")), (std::pair{8, std::size_t{8}}));
}

}  // namespace
}  // namespace linlearn
