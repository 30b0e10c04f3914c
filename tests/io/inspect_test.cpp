#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "linlearn/inspect.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

using testing::TempDir;

std::vector<nlohmann::json> inspect_lines(const InspectOptions& options, std::vector<std::string>* text = nullptr) {
  std::ostringstream out;
  inspect_data(options, out);
  std::vector<nlohmann::json> lines;
  std::istringstream in(out.str());
  for (std::string line; std::getline(in, line);) {
    lines.push_back(nlohmann::json::parse(line));
    if (text != nullptr) text->push_back(line);
  }
  return lines;
}

TEST(InspectTest, SummarizesRecordioAndGivesFrameOffsets) {
  TempDir dir;
  Dataset data;
  data.feature_dim = 2;
  data.dense = {1, 2, 0.1f, 0, 5, 6};
  data.labels = {1, 0, 1};
  const std::string path = dir.write("d.recordio", encode_recordio(data, false, 0, 3));
  InspectOptions options;
  options.inputs = {path};
  options.head = 2;
  std::vector<std::string> text;
  const auto lines = inspect_lines(options, &text);
  ASSERT_EQ(lines.size(), 3u);
  const nlohmann::json& summary = lines[0];
  EXPECT_EQ(summary["format"], "application/x-recordio-protobuf");
  EXPECT_EQ(summary["records"], 3);
  EXPECT_EQ(summary["feature_dim"], 2);
  EXPECT_EQ(summary["sparse"], false);
  EXPECT_EQ(summary["nonzeros"], 5);
  EXPECT_EQ(summary["label_histogram"], (nlohmann::json{{"0", 1}, {"1", 2}}));
  EXPECT_EQ(summary["files"][0]["records"], 3);
  EXPECT_EQ(text[1], R"({"record":0,"file":")" + path + R"(","byte_offset":0,"label":1.0,"features":[1.0,2.0]})");
  EXPECT_EQ(lines[2]["byte_offset"], 52);  // each frame is 52 bytes
  EXPECT_EQ(lines[2]["features"].dump(), "[0.1,0.0]");
}

TEST(InspectTest, TextFilesGiveLineStartsAndSparseRecordsKeys) {
  TempDir dir;
  const std::string first = dir.write("a.libsvm", "# header comment\n1 3:2\n\n0 1:1.5 2:4\n");
  const std::string second = dir.write("b.libsvm", "1 5:1\n");
  InspectOptions options;
  options.inputs = {first, second};
  const auto lines = inspect_lines(options);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["format"], "text/libsvm");
  EXPECT_EQ(lines[0]["records"], 3);
  EXPECT_EQ(lines[0]["sparse"], true);
  EXPECT_EQ(lines[1]["byte_offset"], 17);
  EXPECT_EQ(lines[1]["features"], (nlohmann::json{{"keys", {2}}, {"values", {2.0}}}));
  EXPECT_EQ(lines[2]["byte_offset"], 24);
  EXPECT_EQ(lines[3]["record"], 2);
  EXPECT_EQ(lines[3]["file"], second);
  EXPECT_EQ(lines[3]["byte_offset"], 0);
}

TEST(InspectTest, ManyDistinctLabelsHaveNoHistogram) {
  TempDir dir;
  std::string csv;
  for (int i = 0; i < 25; ++i) csv += std::to_string(i) + ".5,1\n";
  InspectOptions options;
  options.inputs = {dir.write("r.csv", csv)};
  options.head = 0;
  const auto lines = inspect_lines(options);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0]["label_histogram"].is_null());
  EXPECT_EQ(lines[0]["label_range"], (nlohmann::json{0.5, 24.5}));
}

}  // namespace
}  // namespace linlearn
