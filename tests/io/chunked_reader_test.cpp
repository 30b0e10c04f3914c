#include "linlearn/chunked_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "data/dataset_equality.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"
#include "temp_dir.h"

namespace linlearn {
namespace {

using testing::TempDir;

constexpr std::size_t kTinyBlock = 100;

struct Streamed {
  std::vector<Dataset> blocks;
  Dataset all;
};

Streamed stream(const std::vector<std::string>& specs, const ReadOptions& opts, std::size_t block_bytes) {
  Streamed out;
  read_channel_in_blocks(specs, opts, block_bytes, [&](Dataset&& block) {
    out.blocks.push_back(block);
    out.all.append(std::move(block));
  });
  return out;
}

std::string csv_text(int rows) {
  std::string text;
  for (int r = 0; r < rows; ++r) {
    text += std::to_string(r % 2) + "," + std::to_string(r) + ".5," + std::to_string(-r) + ",0.25\n";
  }
  return text;
}

std::string libsvm_text(int rows) {
  std::string text = "# a comment line\n";
  for (int r = 0; r < rows; ++r) {
    text += std::to_string(r % 3) + " " + std::to_string(1 + r % 5) + ":" + std::to_string(r) + " " +
            std::to_string(7 + r % 11) + ":1.5\n";
    if (r % 9 == 0) text += "\n   # blank and comment lines between records\n";
  }
  return text;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const InputError& error) {
    return error.what();
  }
  return "no InputError";
}

// Both readers must fail, and with the same message (file, line or record, byte).
void expect_same_error(const std::vector<std::string>& specs, const ReadOptions& opts) {
  const std::string whole = message_of([&] { read_channel(specs, opts); });
  const std::string streamed = message_of([&] { stream(specs, opts, kTinyBlock); });
  EXPECT_NE(whole, "no InputError");
  EXPECT_EQ(streamed, whole);
}

TEST(ChunkedReaderTest, CsvBlocksConcatenateToTheWholeChannel) {
  TempDir dir;
  const std::string a = dir.write("a.csv", csv_text(200));
  const std::string b = dir.write("b.csv", "\n\n" + csv_text(50));
  const ReadOptions opts;
  const Streamed streamed = stream({a, b}, opts, kTinyBlock);
  EXPECT_GT(streamed.blocks.size(), 40u);
  for (const auto& block : streamed.blocks) EXPECT_EQ(block.feature_dim, 3u);
  testing::expect_same_records(streamed.all, read_channel({a, b}, opts));
}

TEST(ChunkedReaderTest, LibsvmBlocksConcatenateToTheWholeChannel) {
  TempDir dir;
  const std::string file = dir.write("d.libsvm", libsvm_text(300));
  ReadOptions opts;
  opts.feature_dim = 20;
  const Streamed streamed = stream({file}, opts, kTinyBlock);
  EXPECT_GT(streamed.blocks.size(), 50u);
  for (const auto& block : streamed.blocks) EXPECT_EQ(block.feature_dim, 20u);
  testing::expect_same_records(streamed.all, read_channel({file}, opts));
}

TEST(ChunkedReaderTest, RecordIOBlocksConcatenateToTheWholeChannel) {
  TempDir dir;
  ReadOptions opts;
  const Dataset source = read_channel({dir.write("s.csv", csv_text(120))}, opts);
  const std::string file = dir.write("d.rec", encode_recordio(source, false, 0, source.rows()));
  const Streamed streamed = stream({file}, opts, kTinyBlock);
  EXPECT_GT(streamed.blocks.size(), 20u);
  testing::expect_same_records(streamed.all, read_channel({file}, opts));
  testing::expect_same_records(streamed.all, source);
}

TEST(ChunkedReaderTest, GzipFilesAreStreamed) {
  TempDir dir;
  const std::string text = csv_text(150);
  const std::string file = dir.path("d.csv.gz");
  gzFile gz = gzopen(file.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
  const ReadOptions opts;
  const Streamed streamed = stream({file}, opts, kTinyBlock);
  EXPECT_GT(streamed.blocks.size(), 20u);
  testing::expect_same_records(streamed.all, read_channel({file}, opts));
}

TEST(ChunkedReaderTest, AGzNameOnPlainTextIsAnInputError) {
  TempDir dir;
  const std::string file = dir.write("plain.csv.gz", csv_text(3));
  EXPECT_THROW(stream({file}, ReadOptions{}, kTinyBlock), InputError);
}

TEST(ChunkedReaderTest, ABadValueKeepsItsLineInTheWholeFile) {
  TempDir dir;
  std::string text = csv_text(56) + "1,2.5,oops,3\n" + csv_text(40);
  const std::string file = dir.write("bad.csv", text);
  const std::string message = message_of([&] { stream({file}, ReadOptions{}, kTinyBlock); });
  EXPECT_EQ(message.rfind(file + ":57:", 0), 0u) << message;
  expect_same_error({file}, ReadOptions{});
}

TEST(ChunkedReaderTest, ARaggedRowInALaterPieceNamesTheFirstRow) {
  TempDir dir;
  const std::string file = dir.write("ragged.csv", "\n" + csv_text(80) + "1,2\n" + csv_text(5));
  expect_same_error({file}, ReadOptions{});
  const std::string message = message_of([&] { stream({file}, ReadOptions{}, kTinyBlock); });
  EXPECT_NE(message.find(":82:"), std::string::npos) << message;
  EXPECT_NE(message.find("as on line 2"), std::string::npos) << message;
}

TEST(ChunkedReaderTest, AByteOrderMarkIsNoRecord) {
  TempDir dir;
  const std::string file = dir.write("bom.csv", "\xEF\xBB\xBF\n" + csv_text(60) + "1,2\n");
  expect_same_error({file}, ReadOptions{});
}

TEST(ChunkedReaderTest, ARaggedSecondFileNamesTheFirst) {
  TempDir dir;
  const std::string a = dir.write("a.csv", csv_text(30));
  const std::string b = dir.write("b.csv", csv_text(30) + "1,2,3,4,5\n");
  expect_same_error({a, b}, ReadOptions{});
}

TEST(ChunkedReaderTest, LabelAndFeatureDimChecksMatchReadChannel) {
  TempDir dir;
  ReadOptions opts;
  opts.label_ok = [](float label) { return label == 0.0f || label == 1.0f; };
  opts.label_expected = "a label 0 or 1";
  const std::string libsvm = dir.write("l.libsvm", libsvm_text(100));  // labels 0, 1, 2
  expect_same_error({libsvm}, opts);

  Dataset source = read_channel({libsvm}, ReadOptions{});
  for (std::size_t r = 0; r < source.rows(); ++r) source.labels[r] = r == 70 ? 5.0f : 0.0f;
  const std::string rec = dir.write("l.rec", encode_recordio(source, true, 0, source.rows()));
  expect_same_error({rec}, opts);
  ReadOptions narrow;
  narrow.feature_dim = 12;
  expect_same_error({rec}, narrow);
}

TEST(ChunkedReaderTest, ARecordIOErrorNamesTheWholeFileRecordAndOffset) {
  TempDir dir;
  const Dataset source = read_channel({dir.write("s.csv", csv_text(100))}, ReadOptions{});
  std::string bytes = encode_recordio(source, false, 0, 60);
  const std::size_t damaged_at = bytes.size();
  bytes += encode_recordio(source, false, 60, 100);
  bytes[damaged_at] = 'X';  // the magic of record 60
  const std::string file = dir.write("d.rec", bytes);
  const std::string message = message_of([&] { stream({file}, ReadOptions{}, kTinyBlock); });
  EXPECT_NE(message.find("record 60 at byte " + std::to_string(damaged_at) + ":"), std::string::npos) << message;
  expect_same_error({file}, ReadOptions{});

  const std::string truncated = dir.write("t.rec", bytes.substr(0, damaged_at - 3));
  expect_same_error({truncated}, ReadOptions{});
}

TEST(ChunkedReaderTest, EmptyInputsFailAsInReadChannel) {
  TempDir dir;
  expect_same_error({dir.write("empty.csv", "")}, ReadOptions{});
  expect_same_error({dir.write("blank.csv", "\n \n\n")}, ReadOptions{});
  expect_same_error({dir.write("empty.rec", "")}, ReadOptions{});
}

TEST(ChunkedReaderTest, ALineLongerThanABlockIsReadWhole) {
  TempDir dir;
  std::string rows;
  for (int r = 0; r < 3; ++r) {
    rows += r == 0 ? "1" : "\n1";  // the last row without a newline
    for (int j = 0; j < 100; ++j) rows.append(",").append(std::to_string(j));
  }
  const std::string file = dir.write("wide.csv", rows);
  const Streamed streamed = stream({file}, ReadOptions{}, 16);
  EXPECT_EQ(streamed.blocks.size(), 3u);
  testing::expect_same_records(streamed.all, read_channel({file}, ReadOptions{}));
}

}  // namespace
}  // namespace linlearn
