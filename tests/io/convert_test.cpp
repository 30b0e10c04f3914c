#include <gtest/gtest.h>

#include <charconv>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "linlearn/convert.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

using testing::TempDir;

// CSV text whose numbers are already in shortest form, with awkward floats among them. Sparse
// tensors drop zeros of either sign, so -0 only survives dense writing.
std::string random_csv(std::size_t rows, std::size_t columns, unsigned seed, bool negative_zero = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1000.0f, 1000.0f);
  const std::vector<float> awkward{0.1f, negative_zero ? -0.0f : 2.5f, 1e-30f, 3.4e38f, 16777217.0f, 1.17549435e-38f,
                                   0.0f};
  std::string csv;
  for (std::size_t r = 0; r < rows; ++r) {
    csv += r % 2 == 0 ? "1" : "0";
    for (std::size_t j = 0; j < columns; ++j) {
      const float v = (r + j) % 3 == 0 ? awkward[(r * columns + j) % awkward.size()] : uniform(rng);
      char buffer[32];
      csv += ',';
      csv.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, v).ptr);
    }
    csv += '\n';
  }
  return csv;
}

TEST(ConvertTest, CsvToRecordioToCsvIsExact) {
  for (const bool sparse : {false, true}) {
    const std::string csv = random_csv(50, 7, 3, !sparse);
    Dataset from_csv;
    parse_csv(csv, "in.csv", from_csv, ReadOptions{});
    const std::string recordio = encode_recordio(from_csv, sparse, 0, from_csv.rows());
    Dataset from_recordio;
    parse_recordio(recordio, "mid.recordio", from_recordio);
    EXPECT_EQ(from_recordio.sparse, sparse);
    EXPECT_EQ(format_csv(from_recordio, 0, from_recordio.rows()), csv);
  }
}

TEST(ConvertTest, LibsvmLinesAreOneBasedWithoutZeros) {
  Dataset data;
  data.feature_dim = 3;
  data.dense = {0, 2.5f, 0, 1, 0, -3};
  data.labels = {1, 0};
  EXPECT_EQ(format_libsvm(data, 0, 2), "1 2:2.5\n0 1:1 3:-3\n");
  data.to_sparse();
  EXPECT_EQ(format_libsvm(data, 1, 2), "0 1:1 3:-3\n");
  EXPECT_EQ(format_csv(data, 0, 2), "1,0,2.5,0\n0,1,0,-3\n");
}

TEST(ConvertTest, ShardNames) {
  EXPECT_EQ(shard_paths("out/train.recordio", 1), std::vector<std::string>{"out/train.recordio"});
  EXPECT_EQ(shard_paths("out/train.recordio", 3),
            (std::vector<std::string>{"out/train-00000-of-00003.recordio", "out/train-00001-of-00003.recordio",
                                      "out/train-00002-of-00003.recordio"}));
  EXPECT_EQ(shard_paths("data", 2), (std::vector<std::string>{"data-00000-of-00002", "data-00001-of-00002"}));
}

TEST(ConvertTest, FormatFollowsNameOrExtension) {
  EXPECT_EQ(output_format_for_path("a/b.recordio"), OutputFormat::kRecordIO);
  EXPECT_EQ(output_format_for_path("b.csv"), OutputFormat::kCsv);
  EXPECT_EQ(output_format_for_path("b.libsvm"), OutputFormat::kLibsvm);
  EXPECT_THROW(output_format_for_path("b.txt"), UsageError);
  EXPECT_EQ(parse_output_format("libsvm"), OutputFormat::kLibsvm);
  EXPECT_THROW(parse_output_format("parquet"), UsageError);
}

TEST(ConvertTest, ConvertsFilesInShards) {
  TempDir dir;
  const std::string csv = random_csv(10, 4, 5);
  ConvertOptions options;
  options.inputs = {dir.write("in.csv", csv)};
  options.output = dir.path("out/data.recordio");
  options.shards = 3;
  const ConvertResult result = run_convert(options);
  EXPECT_EQ(result.records, 10u);
  ASSERT_EQ(result.files.size(), 3u);
  std::string joined_csv;
  std::vector<std::size_t> rows;
  for (const std::string& file : result.files) {
    Dataset shard;
    parse_recordio(read_file_bytes(file), file, shard);
    rows.push_back(shard.rows());
    joined_csv += format_csv(shard, 0, shard.rows());
  }
  EXPECT_EQ(rows, (std::vector<std::size_t>{3, 3, 4}));
  EXPECT_EQ(joined_csv, csv);
  // No temporary files are left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path("out"))) ++entries;
  EXPECT_EQ(entries, 3u);

  ConvertOptions back;
  back.inputs = {dir.path("out")};
  back.output = dir.path("back.csv");
  run_convert(back);
  EXPECT_EQ(read_file_bytes(back.output), csv);
}

TEST(ConvertTest, LibsvmInputBecomesSparseRecordio) {
  TempDir dir;
  ConvertOptions options;
  options.inputs = {dir.write("in.libsvm", "1 2:0.5 7:3\n0 1:1\n")};
  options.output = dir.path("out.bin");
  options.to = "recordio";
  run_convert(options);
  Dataset data;
  parse_recordio(read_file_bytes(options.output), options.output, data);
  ASSERT_TRUE(data.sparse);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1, 6, 0}));
  EXPECT_EQ(data.values, (std::vector<float>{0.5f, 3.0f, 1.0f}));
}

TEST(ConvertTest, BadOptionsAreUsageErrors) {
  ConvertOptions options;
  options.inputs = {"does-not-matter.csv"};
  options.output = "out.csv";
  options.sparse = true;
  EXPECT_THROW(run_convert(options), UsageError);
  options.sparse = false;
  options.output = "out.unknown";
  EXPECT_THROW(run_convert(options), UsageError);
  options.output = "out.csv";
  options.shards = 0;
  EXPECT_THROW(run_convert(options), UsageError);
}

}  // namespace
}  // namespace linlearn
