// End to end: LIBSVM records dense enough train on the dense layout, to the bytes their CSV twin
// trains to; genuinely sparse wide records stay sparse.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::run_linlearn;
using testing::slurp;

constexpr int kFeatures = 6;

// `rows` records of kFeatures features from record `first` on, about one value in eleven zero (the
// last feature non-zero somewhere, so LIBSVM infers the CSV's width), as CSV and as LIBSVM text.
void write_twins(const std::string& csv_path, const std::string& libsvm_path, int first, int rows) {
  std::ofstream csv(csv_path);
  std::ofstream libsvm(libsvm_path);
  for (int r = first; r < first + rows; ++r) {
    std::string cells;
    std::string pairs;
    int margin = 0;
    for (int j = 0; j < kFeatures; ++j) {
      const int v = (r * 7 + j * 3) % 11 - 5;
      margin += (j % 2 == 0 ? v : -v) * (j + 1);
      const std::string text = std::to_string(v * 0.25);
      cells.append(",").append(text);
      if (v != 0) pairs.append(" ").append(std::to_string(j + 1)).append(":").append(text);
    }
    const int label = margin + r % 5 > 2 ? 1 : 0;
    csv << label << cells << "\n";
    libsvm << label << pairs << "\n";
  }
}

std::string train(const std::string& dir, const std::string& ext, const std::string& out, const std::string& extra) {
  const auto run = run_linlearn("train --predictor_type binary_classifier --epochs 3 --num_models 4 --train " + dir +
                                    "/train." + ext + " --validation " + dir + "/validation." + ext + " --test " + dir +
                                    "/test." + ext + " --output-dir " + out + extra,
                                dir);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  return run.err;
}

TEST(DensifyCli, DenseLibsvmTrainsToTheBytesOfItsCsvTwin) {
  testing::TempDir dir;
  write_twins(dir.path("train.csv"), dir.path("train.libsvm"), 0, 600);
  write_twins(dir.path("validation.csv"), dir.path("validation.libsvm"), 600, 200);
  write_twins(dir.path("test.csv"), dir.path("test.libsvm"), 800, 200);
  train(dir.path(""), "csv", dir.path("csv"), " --quiet");
  const std::string log = train(dir.path(""), "libsvm", dir.path("libsvm"), "");
  EXPECT_NE(log.find("training data densified"), std::string::npos) << log;
  const std::string model = slurp(dir.path("libsvm/model.pb"));
  ASSERT_FALSE(model.empty());
  EXPECT_TRUE(model == slurp(dir.path("csv/model.pb"))) << "model.pb differs from the CSV run's";
  EXPECT_EQ(nlohmann::json::parse(slurp(dir.path("libsvm/metrics.json")))["data"]["train"]["sparse"], false);
  // The same scores of every channel: the same metrics.
  const auto metrics = [&](const std::string& run) {
    return nlohmann::json::parse(slurp(dir.path(run + "/metrics.json")))["final_metrics"];
  };
  EXPECT_EQ(metrics("libsvm"), metrics("csv"));
}

TEST(DensifyCli, SparseWideLibsvmStaysSparse) {
  testing::TempDir dir;
  for (const char* name : {"train", "validation", "test"}) {
    std::ofstream out(dir.path(std::string(name) + ".libsvm"));
    // Three features a record of 2^20.
    for (int r = 0; r < 200; ++r)
      out << r % 2 << " " << 1 + r % 13 << ":1 " << 5000 + r * 37 << ":0.5 " << 1048576 - r % 3 << ":2\n";
  }
  const std::string log = train(dir.path(""), "libsvm", dir.path("out"), "");
  EXPECT_EQ(log.find("densified"), std::string::npos) << log;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir.path("out/metrics.json")))["data"]["train"]["sparse"], true);
  EXPECT_EQ(nlohmann::json::parse(slurp(dir.path("out/model.json")))["format_version"], 2);
}

// Dense enough, but the dense copy next to the CSR store would pass --max-memory, which the file
// alone (the estimate that decides streaming) does not: it trains sparse, in memory.
TEST(DensifyCli, DenseLibsvmStaysSparseWhenTheDenseCopyWouldPassMaxMemory) {
  testing::TempDir dir;
  std::ofstream out(dir.path("train.libsvm"));
  for (int r = 0; r < 2000; ++r) out << r % 2 << " 1:1 2:2 3:1 4:2 5:1 6:2 7:1 8:2 9:1 10:" << 1 + r % 3 << "\n";
  out.close();
  const auto run =
      run_linlearn("train --quiet --predictor_type binary_classifier --epochs 1 --max-memory 100K --train " +
                       dir.path("train.libsvm") + " --output-dir " + dir.path("out"),
                   dir.path(""));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir.path("out/metrics.json")))["data"]["train"]["sparse"], true);
}

}  // namespace
}  // namespace linlearn
