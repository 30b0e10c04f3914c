#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

Dataset parse(std::string_view text, int threads = 1) {
  ReadOptions opts;
  opts.threads = threads;
  Dataset out;
  parse_csv(text, "t.csv", out, opts);
  return out;
}

std::string error_of(std::string_view text, const ReadOptions& opts = {}) {
  Dataset out;
  try {
    parse_csv(text, "t.csv", out, opts);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

ReadOptions binary_labels() {
  ReadOptions opts;
  opts.label_ok = [](float label) { return label == 0.0f || label == 1.0f; };
  opts.label_expected = "a label 0 or 1";
  return opts;
}

TEST(CsvReader, ParsesLabelsAndDenseFeatures) {
  const Dataset data = parse("1,2.5,-3\n0,4,5e-1\n");
  EXPECT_FALSE(data.sparse);
  EXPECT_EQ(data.rows(), 2u);
  EXPECT_EQ(data.feature_dim, 2u);
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0}));
  EXPECT_EQ(data.dense, (std::vector<float>{2.5f, -3, 4, 0.5f}));
  EXPECT_EQ(data.files, (std::vector<std::string>{"t.csv"}));
}

TEST(CsvReader, AcceptsLastLineWithoutNewlineSignsAndBlanksAroundCells) {
  const Dataset data = parse("+1, 2 ,\t-0.25\n0,1e3,7");
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0}));
  EXPECT_EQ(data.dense, (std::vector<float>{2, -0.25f, 1000, 7}));
}

TEST(CsvReader, IgnoresBlankLinesAndKeepsLineNumbers) {
  EXPECT_EQ(parse("\n1,2\n\n  \t\n0,3\n\n").dense, (std::vector<float>{2, 3}));
  EXPECT_EQ(error_of("\n1,2\n\n0,x\n"), "t.csv:4:3: found 'x', expected a number");
}

TEST(CsvReader, AcceptsCrlfLineEndings) {
  const Dataset data = parse("1,2,3\r\n0,4,5\r\n\r\n");
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0}));
  EXPECT_EQ(data.dense, (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(error_of("1,2,3\r\n0,4\r\n"), "t.csv:2:4: found 2 columns, expected 3 (as on line 1)");
}

TEST(CsvReader, SkipsUtf8ByteOrderMark) {
  EXPECT_EQ(parse("\xEF\xBB\xBF"
                  "1,2\n0,3\n")
                .dense,
            (std::vector<float>{2, 3}));
  EXPECT_EQ(error_of("\xEF\xBB\xBF"
                     "1,x\n"),
            "t.csv:1:3: found 'x', expected a number");
}

TEST(CsvReader, ReportsRaggedRows) {
  EXPECT_EQ(error_of("1,2,3\n1,2\n"), "t.csv:2:4: found 2 columns, expected 3 (as on line 1)");
  EXPECT_EQ(error_of("\n1,2,3\n1,2,3,4,5\n"), "t.csv:3:7: found 5 columns, expected 3 (as on line 2)");
}

TEST(CsvReader, ReportsTextCells) {
  EXPECT_EQ(error_of("1,2,3\n1,abc,3\n"), "t.csv:2:3: found 'abc', expected a number");
  EXPECT_EQ(error_of("1,2,3\n1,2.5x,3\n"), "t.csv:2:3: found '2.5x', expected a number");
}

TEST(CsvReader, ReportsNonFiniteNumbers) {
  EXPECT_EQ(error_of("1,nan,3\n"), "t.csv:1:3: found 'nan', expected a finite number");
  EXPECT_EQ(error_of("1,2,3\n1,2,-inf\n"), "t.csv:2:5: found '-inf', expected a finite number");
  EXPECT_EQ(error_of("1,1e99,3\n"), "t.csv:1:3: found '1e99', expected a finite number");
}

TEST(CsvReader, ReportsEmptyCellsAndTrailingCommas) {
  EXPECT_EQ(error_of("1,,3\n"), "t.csv:1:3: found '', expected a number");
  EXPECT_EQ(error_of(",2,3\n"), "t.csv:1:1: found '', expected a number");
  EXPECT_EQ(error_of("1,2,3,\n"), "t.csv:1:7: found '', expected a number");
}

TEST(CsvReader, ReportsFilesWithoutRecords) {
  EXPECT_EQ(error_of(""), "t.csv: no records found, expected at least one CSV row");
  EXPECT_EQ(error_of("\n \r\n\n"), "t.csv: no records found, expected at least one CSV row");
}

TEST(CsvReader, ReportsHeaderLine) {
  EXPECT_EQ(error_of("label,f1,f2\n1,2,3\n"),
            "t.csv:1:1: found 'label', expected a number (CSV input has no header row)");
}

TEST(CsvReader, ReportsRejectedLabels) {
  EXPECT_EQ(parse("1,2\n0,3\n").rows(), 2u);
  EXPECT_EQ(error_of("1,2\n2,3\n", binary_labels()), "t.csv:2:1: found '2', expected a label 0 or 1");
}

TEST(CsvReader, ReportsRecordsWiderThanFeatureDim) {
  ReadOptions opts;
  opts.feature_dim = 2;
  EXPECT_EQ(error_of("1,2,3,4\n", opts), "t.csv:1:7: found 3 features, expected at most feature_dim 2");
}

TEST(CsvReader, AppendsToEarlierFilesOfTheSameWidth) {
  Dataset out;
  parse_csv("1,2,3\n", "a.csv", out, ReadOptions{});
  parse_csv("0,4,5\n", "b.csv", out, ReadOptions{});
  EXPECT_EQ(out.dense, (std::vector<float>{2, 3, 4, 5}));
  EXPECT_EQ(out.files, (std::vector<std::string>{"a.csv", "b.csv"}));
  try {
    parse_csv("\n0,4\n", "c.csv", out, ReadOptions{});
    FAIL() << "a narrower file was accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "c.csv:2:4: found 2 columns, expected 3 (as in b.csv)");
  }
}

TEST(CsvReader, TakesAFilePieceByPiece) {
  Dataset out;
  ReadOptions opts;
  EXPECT_EQ(parse_csv("\xEF\xBB\xBF"
                      "1,2,3\n\n",
                      "a.csv", out, opts),
            2u);
  opts.start.line = 3;
  opts.row_width = 2;
  opts.row_width_source = "as on line 1";
  EXPECT_EQ(parse_csv("0,4,5\n1,6,7", "a.csv", out, opts), 1u);
  EXPECT_EQ(out.labels, (std::vector<float>{1, 0, 1}));
  EXPECT_EQ(out.dense, (std::vector<float>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(out.files, (std::vector<std::string>{"a.csv"}));
  // Lines, widths and byte order marks are those of the whole file.
  opts.start.line = 5;
  try {
    parse_csv("0,1\n", "a.csv", out, opts);
    FAIL() << "a narrower piece was accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "a.csv:5:4: found 2 columns, expected 3 (as on line 1)");
  }
  try {
    parse_csv(
        "\xEF\xBB\xBF"
        "0,1,2\n",
        "a.csv", out, opts);
    FAIL() << "a byte order mark inside a file was accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "a.csv:5:1: found '\xEF\xBB\xBF"
                 "0', expected a number");
  }
}

TEST(CsvReader, LeavesTheDatasetAsItWasOnError) {
  Dataset out;
  parse_csv("1,2,3\n", "a.csv", out, ReadOptions{});
  for (const int threads : {1, 3}) {
    ReadOptions opts;
    opts.threads = threads;
    std::string text;
    for (int r = 0; r < 100000; ++r) text += "0,1,2\n";
    text += "0,x,2\n";
    EXPECT_THROW(parse_csv(text, "b.csv", out, opts), InputError);
    EXPECT_EQ(out.labels, (std::vector<float>{1}));
    EXPECT_EQ(out.dense, (std::vector<float>{2, 3}));
    EXPECT_EQ(out.feature_dim, 2u);
    EXPECT_EQ(out.files, (std::vector<std::string>{"a.csv"}));
  }
}

TEST(CsvReader, ParsesDecimalsAsStrtofDoes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> exponent(-4, 4);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::string text;
  std::vector<float> expected;
  char buffer[64];
  for (int r = 0; r < 20000; ++r) {
    text += "1";
    for (int c = 0; c < 20; ++c) {
      // %.Ng over magnitudes 1e-4..1e4 gives decimals, integers and exponents alike.
      const double x = normal(rng) * std::pow(10.0, exponent(rng));
      std::snprintf(buffer, sizeof buffer, "%.*g", 1 + static_cast<int>(rng() % 9), x);
      text += ",";
      text += buffer;
      expected.push_back(std::strtof(buffer, nullptr));
    }
    text += "\n";
  }
  for (const int threads : {1, 3}) {
    const Dataset data = parse(text, threads);
    ASSERT_EQ(data.dense.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(data.dense[i], expected[i]) << i;
  }
}

// A seeded file of several MB with every number form the parser has separate paths for.
struct GeneratedCsv {
  std::string text;
  std::vector<float> labels;
  std::vector<float> features;
  std::vector<std::size_t> record_lines;  // 1-based line of each record
};

GeneratedCsv generate_csv(std::size_t rows, std::size_t features) {
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> small(0, 255);
  std::uniform_int_distribution<int> form(0, 9);
  GeneratedCsv out;
  std::size_t line = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    if (form(rng) == 0) {  // blank lines must not shift the line numbers
      out.text += "\n";
      ++line;
    }
    out.record_lines.push_back(line);
    for (std::size_t c = 0; c <= features; ++c) {
      std::string token;
      switch (form(rng)) {
        case 0:
          token = std::to_string(small(rng) - 128) + "." + std::to_string(small(rng));
          break;
        case 1:
          token = std::to_string(small(rng)) + "e-" + std::to_string(form(rng));
          break;
        case 2:
          token = "123456789";
          break;  // too long for the integer shortcut
        default:
          token = std::to_string(small(rng));
          break;
      }
      const float value = std::strtof(token.c_str(), nullptr);
      (c == 0 ? out.labels : out.features).push_back(value);
      out.text += token;
      out.text += c == features ? (r % 3 == 0 ? "\r\n" : "\n") : ",";
    }
    ++line;
  }
  return out;
}

TEST(CsvReader, ChunksOnThreadsGiveTheSameResultAsOneThread) {
  const GeneratedCsv csv = generate_csv(20000, 40);
  ASSERT_GT(csv.text.size(), 2u << 20);
  const Dataset one = parse(csv.text, 1);
  EXPECT_EQ(one.labels, csv.labels);
  EXPECT_EQ(one.dense, csv.features);
  for (const int threads : {2, 3, 8}) {
    const Dataset many = parse(csv.text, threads);
    EXPECT_EQ(many.labels, one.labels) << threads << " threads";
    EXPECT_EQ(many.dense, one.dense) << threads << " threads";
    EXPECT_EQ(many.feature_dim, 40u);
  }
}

TEST(CsvReader, ChunksOnThreadsReportTheFirstBadLineOfTheFile) {
  GeneratedCsv csv = generate_csv(20000, 40);
  // Spoil the first cell of two records far apart, both past the first chunk of 4.
  const std::size_t early = 12000;
  const std::size_t late = 19000;
  std::size_t pos = 0;
  std::size_t early_pos = 0;
  std::size_t late_pos = 0;
  for (std::size_t line = 1; line < csv.record_lines[late]; ++line) {
    pos = csv.text.find('\n', pos) + 1;
    if (line + 1 == csv.record_lines[early]) early_pos = pos;
  }
  late_pos = pos;
  csv.text[late_pos] = 'x';
  csv.text[early_pos] = 'y';
  ReadOptions opts;
  opts.threads = 4;
  const std::string message = error_of(csv.text, opts);
  EXPECT_EQ(message.substr(0, message.find(" found")), "t.csv:" + std::to_string(csv.record_lines[early]) + ":1:");
}

}  // namespace
}  // namespace linlearn
