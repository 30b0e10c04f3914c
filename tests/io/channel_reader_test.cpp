#include "io/channel_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset_equality.h"
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
  opts.label_expected = "a label 0 or 1";
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

// A CSV file of `rows` rows with blank lines, CRLF endings and a byte order mark, the label first.
std::string windowed_csv(int rows) {
  std::string text = "\xEF\xBB\xBF\n";
  for (int r = 0; r < rows; ++r) {
    text += std::to_string(r % 2) + "," + std::to_string(r) + ".25,-" + std::to_string(r % 7) + "," +
            std::to_string(r * 31 % 1000) + "e-2" + (r % 5 == 0 ? "\r\n" : "\n");
    if (r % 11 == 0) text += "\n  \n";
  }
  return text;
}

std::string windowed_error_of(const std::vector<std::string>& specs, std::size_t window_bytes,
                              const ReadOptions& opts = {}) {
  try {
    read_channel_in_windows(specs, opts, window_bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ChannelReader, ParsesFilesInWindowsAsWholeFiles) {
  TempDir dir;
  const std::string a = dir.write("a.csv", windowed_csv(400));
  const std::string b = dir.write("b.csv", windowed_csv(150));
  const std::string c = dir.write("c.libsvm", "# sparse\n1 2:0.5 9:1\n\n0 1:3\n");
  for (const int threads : {1, 3}) {
    ReadOptions opts;
    opts.threads = threads;
    for (const std::vector<std::string>& specs : std::vector<std::vector<std::string>>{{a, b}, {c, a, b}}) {
      const Dataset whole = read_channel_in_windows(specs, opts, std::size_t{1} << 30);
      const Dataset windowed = read_channel_in_windows(specs, opts, 100);
      EXPECT_EQ(whole.rows(), specs.size() == 2 ? 550u : 552u);
      testing::expect_same_records(windowed, whole);
      EXPECT_EQ(windowed.files, whole.files);
      testing::expect_same_records(read_channel(specs, opts), whole);
    }
  }
}

TEST(ChannelReader, WindowsReportTheLinesOfTheWholeFile) {
  TempDir dir;
  std::string text = windowed_csv(300);
  const std::string good = dir.write("good.csv", text);
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  const std::string ragged = dir.write("ragged.csv", text + "1,2\n");
  const std::string cell = dir.write("cell.csv", text + "1,2,x,4\n");
  const std::string narrow = dir.write("narrow.csv", "\n" + text.substr(3) + "1,2,3\n");  // no byte order mark
  const std::string header = dir.write("header.csv", "y,a,b,c\n" + text);
  const std::string line = std::to_string(lines + 1);
  EXPECT_EQ(windowed_error_of({ragged}, 100), ragged + ":" + line + ":4: found 2 columns, expected 4 (as on line 2)");
  EXPECT_EQ(windowed_error_of({cell}, 100), cell + ":" + line + ":5: found 'x', expected a number");
  EXPECT_EQ(windowed_error_of({good, narrow}, 100),
            narrow + ":" + std::to_string(lines + 2) + ":6: found 3 columns, expected 4 (as in " + good + ")");
  EXPECT_EQ(windowed_error_of({header}, 100),
            header + ":1:1: found 'y', expected a number (CSV input has no header row)");
  for (const auto& file : {ragged, cell, header}) {
    EXPECT_EQ(windowed_error_of({file}, 100), windowed_error_of({file}, std::size_t{1} << 30));
  }
  ReadOptions opts;
  opts.label_ok = [](float label) { return label == 0.0f; };
  opts.label_expected = "a label 0";
  EXPECT_EQ(windowed_error_of({good}, 100, opts), good + ":5:1: found '1', expected a label 0");
}

// `text` gzipped into the file `name` of `dir`; its path.
std::string write_gzip(TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path(name);
  gzFile out = gzopen(path.c_str(), "wb");
  EXPECT_NE(out, nullptr);
  if (out == nullptr) return path;
  EXPECT_EQ(gzwrite(out, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  EXPECT_EQ(gzclose(out), Z_OK);
  return path;
}

TEST(ChannelReader, ReadsGzippedAndEmptyFiles) {
  TempDir dir;
  const std::string text = windowed_csv(50);
  const std::string gz = write_gzip(dir, "d.csv.gz", text);
  const std::string plain = dir.write("d.csv", text);
  const Dataset unzipped = read_channel_in_windows({gz}, ReadOptions{}, 64);
  EXPECT_EQ(unzipped.files, std::vector<std::string>{gz});
  testing::expect_same_records(unzipped, read_channel({plain}, ReadOptions{}));
  const std::string empty = dir.write("empty.csv", "");
  EXPECT_EQ(error_of({empty}), empty + ": no records found, expected at least one CSV row");
}

// The parts of a channel, one after the other: for each part count, every record once, in order,
// as read_channel reads the whole channel.
Dataset parts_end_to_end(const std::vector<std::string>& paths, const ReadOptions& opts, std::size_t parts) {
  Dataset all;
  for (std::size_t part = 0; part < parts; ++part) {
    std::optional<Dataset> data = read_channel_part(paths, opts, part, parts);
    if (!data) {
      ADD_FAILURE() << "part " << part << " of " << parts << " not read";
      return all;
    }
    if (data->rows() > 0) all.append(std::move(*data));
  }
  return all;
}

TEST(ChannelReader, PartsOfAChannelHoldEveryRecordOnceInOrder) {
  TempDir dir;
  const std::string a = dir.write("a.csv", windowed_csv(400));
  const std::string b = dir.write("b.csv", windowed_csv(150));
  const std::string c = dir.write("c.libsvm", "# sparse\n1 2:0.5 9:1\n\n0 1:3\n");
  const std::string d = dir.write("d.libsvm", "0 4:1 7:2\n1 3:0.5\n1 9:4\n");
  ReadOptions opts;
  opts.threads = 2;
  for (const std::vector<std::string>& paths : std::vector<std::vector<std::string>>{{a, b}, {c, d}}) {
    const Dataset whole = read_channel(paths, opts);
    for (const std::size_t parts : {1, 2, 3, 7}) {
      SCOPED_TRACE(paths.front() + " in " + std::to_string(parts) + " parts");
      testing::expect_same_records(parts_end_to_end(paths, opts, parts), whole);
    }
  }
  // The parts of two files of 550 records hold about as many records each.
  const Dataset first = *read_channel_part({a, b}, opts, 0, 2);
  EXPECT_NEAR(static_cast<double>(first.rows()), 275.0, 30.0);
  EXPECT_EQ(first.files, std::vector<std::string>{a});
}

TEST(ChannelReader, PartsNameTheLinesOfTheWholeFile) {
  TempDir dir;
  const std::string text = windowed_csv(300);
  const std::string cell = dir.write("cell.csv", text + "1,2,x,4\n");
  const std::string ragged = dir.write("ragged.csv", text + "1,2\n");
  const auto part_error = [](const std::string& file) {
    try {
      read_channel_part({file}, ReadOptions{}, 1, 2);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(part_error(cell), error_of({cell}));
  // The width is the part's first row's, named by its line.
  const std::string line = std::to_string(std::count(text.begin(), text.end(), '\n') + 1);
  EXPECT_EQ(part_error(ragged).rfind(ragged + ":" + line + ":4: found 2 columns, expected 4 (as on line ", 0), 0U)
      << part_error(ragged);
}

TEST(ChannelReader, PartsWithoutALineStartAreEmptyAndFilesWithoutRecordsAreErrors) {
  TempDir dir;
  std::string line = "1";
  for (int j = 1; j <= 200; ++j) line.append(" ").append(std::to_string(j)).append(":1");
  const std::string one_line = dir.write("one.libsvm", line + "\n");
  const std::optional<Dataset> tail = read_channel_part({one_line}, ReadOptions{}, 2, 3);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(tail->rows(), 0U);
  EXPECT_TRUE(tail->sparse);
  EXPECT_EQ(read_channel_part({one_line}, ReadOptions{}, 0, 3)->rows(), 1U);
  const std::string blank = dir.write("blank.csv", "\n\n\n\n");
  EXPECT_THROW(read_channel_part({blank}, ReadOptions{}, 0, 2), InputError);
  EXPECT_EQ(read_channel_part({blank}, ReadOptions{}, 1, 2)->rows(), 0U);
}

TEST(ChannelReader, ChannelsThatCannotBeCutByBytesAreNotReadInParts) {
  TempDir dir;
  const std::string text = windowed_csv(20);
  const std::string gz = write_gzip(dir, "d.csv.gz", text);
  const std::string plain = dir.write("d.csv", text);
  ReadOptions recordio;
  recordio.content_type = ContentType::kRecordIO;
  EXPECT_FALSE(read_channel_part({plain, gz}, ReadOptions{}, 0, 2).has_value());
  EXPECT_FALSE(read_channel_part({plain, dir.write("empty.csv", "")}, ReadOptions{}, 0, 2).has_value());
  EXPECT_FALSE(read_channel_part({plain}, recordio, 0, 2).has_value());
  EXPECT_TRUE(read_channel_part({plain}, ReadOptions{}, 0, 2).has_value());
}

}  // namespace
}  // namespace linlearn
