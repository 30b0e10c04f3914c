#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

using testing::TempDir;

std::string error_of(const std::vector<std::string>& specs, const ReadOptions& opts = {}) {
  try {
    read_channel(specs, opts);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ChannelReader, ReadsShardsOfADirectoryInNameOrder) {
  TempDir dir;
  const std::string b = dir.write("train/b.csv", "0,3,4\n");
  const std::string a = dir.write("train/a.csv", "1,1,2\n");
  const Dataset data = read_channel({dir.path("train")}, ReadOptions{});
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0}));
  EXPECT_EQ(data.dense, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(data.files, (std::vector<std::string>{a, b}));
}

TEST(ChannelReader, MixesFormatsIntoSparseRecords) {
  TempDir dir;
  const std::string csv = dir.write("a.csv", "1,0,2\n");
  const std::string svm = dir.write("b.txt", "0 5:1\n");
  const Dataset data = read_channel({csv, svm}, ReadOptions{});
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.feature_dim, 5u);
  EXPECT_EQ(data.at(0, 1), 2.0f);
  EXPECT_EQ(data.at(1, 4), 1.0f);
  EXPECT_EQ(data.files, (std::vector<std::string>{csv, svm}));
}

TEST(ChannelReader, ForcedContentTypeWins) {
  TempDir dir;
  const std::string file = dir.write("one.txt", "1\n0\n");
  ReadOptions opts;
  opts.content_type = ContentType::kLibsvm;
  const Dataset data = read_channel({file}, opts);
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.rows(), 2u);
}

TEST(ChannelReader, ReportsDenseFilesOfDifferentWidths) {
  TempDir dir;
  const std::string a = dir.write("a.csv", "1,1,2\n");
  const std::string b = dir.write("b.csv", "1,1\n");
  EXPECT_EQ(error_of({a, b}), b + ":1:4: found 2 columns, expected 3 (as in " + a + ")");
}

TEST(ChannelReader, EnforcesAndAppliesFeatureDim) {
  TempDir dir;
  const std::string csv = dir.write("a.csv", "1,1,2\n");
  ReadOptions opts;
  opts.feature_dim = 1;
  EXPECT_EQ(error_of({csv}, opts), csv + ":1:5: found 2 features, expected at most feature_dim 1");
  opts.feature_dim = 4;
  const Dataset wide = read_channel({csv}, opts);
  EXPECT_EQ(wide.feature_dim, 4u);
  EXPECT_EQ(wide.dense, (std::vector<float>{1, 2, 0, 0}));
  const std::string svm = dir.write("b.svm", "1 2:1\n");
  EXPECT_EQ(read_channel({svm}, opts).feature_dim, 4u);
}

TEST(ChannelReader, ChecksRecordIOAgainstFeatureDimAndLabels) {
  TempDir dir;
  Dataset source;
  source.feature_dim = 3;
  source.labels = {0, 2};
  source.dense = {1, 0, 0, 0, 0, 5};
  const std::string file = dir.write("data.recordio", encode_recordio(source, true, 0, 2));
  ReadOptions opts;
  EXPECT_EQ(read_channel({file}, opts).rows(), 2u);
  opts.feature_dim = 2;
  EXPECT_EQ(error_of({file}, opts).rfind(file + ": record 1 at byte ", 0), 0u);
  opts.feature_dim = 0;
  opts.label_ok = [](float label) { return label == 0.0f || label == 1.0f; };
  opts.label_expected = "0 or 1";
  const std::string message = error_of({file}, opts);
  EXPECT_EQ(message.rfind(file + ": record 1 at byte ", 0), 0u);
  EXPECT_NE(message.find("found label '2', expected a label 0 or 1"), std::string::npos) << message;
}

TEST(ChannelReader, ReportsChannelsWithoutRecords) {
  TempDir dir;
  const std::string empty = dir.write("empty.recordio", "");
  ReadOptions opts;
  opts.content_type = ContentType::kRecordIO;
  EXPECT_EQ(error_of({empty}, opts), empty + ": no records found");
  EXPECT_EQ(error_of({dir.write("blank.csv", "\n\n")}),
            dir.path("blank.csv") + ": no records found, expected at least one CSV row");
}

}  // namespace
}  // namespace linlearn
