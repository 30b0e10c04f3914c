#include "io/text_parsing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "linlearn/errors.h"

namespace linlearn::text {
namespace {

float scan(const std::string& cell, NumberStatus expected_status = NumberStatus::kOk) {
  // Padding after the cell lets the 8-byte path run, as it does inside a file.
  const std::string buffer = cell + ",0000000000";
  float value = -999.0f;
  NumberStatus status;
  const char* used = scan_float(buffer.data(), buffer.data() + buffer.size(), value, status);
  EXPECT_EQ(status, expected_status) << cell;
  if (status == NumberStatus::kOk) {
    EXPECT_EQ(used, buffer.data() + cell.size()) << cell;
  }
  return value;
}

TEST(TextParsing, ScansIntegersLikeStrtof) {
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    const int digits = 1 + static_cast<int>(rng() % 9);
    std::string cell = (rng() % 4 == 0) ? "-" : "";
    for (int d = 0; d < digits; ++d) cell += static_cast<char>('0' + rng() % 10);
    ASSERT_EQ(scan(cell), std::strtof(cell.c_str(), nullptr)) << cell;
  }
}

TEST(TextParsing, ScansOtherNumberForms) {
  EXPECT_EQ(scan("+7"), 7.0f);
  EXPECT_EQ(scan("0.1"), 0.1f);
  EXPECT_EQ(scan("-2.5e-3"), -2.5e-3f);
  EXPECT_EQ(scan(".5"), 0.5f);
  EXPECT_EQ(scan("1e-60"), 0.0f);  // underflow is a number, zero
  scan("nan", NumberStatus::kNotFinite);
  scan("-inf", NumberStatus::kNotFinite);
  scan("1e40", NumberStatus::kNotFinite);
  scan("abc", NumberStatus::kNotANumber);
  scan("-", NumberStatus::kNotANumber);
  scan("+-1", NumberStatus::kNotANumber);
}

// A random plain decimal: up to 8 digits before the point and up to 9 after it, so that both the
// 8-byte path and fast_float (longer parts, mantissas above 2^24) take some.
std::string random_decimal(std::mt19937& rng) {
  std::string cell = (rng() % 3 == 0) ? "-" : "";
  const int whole = 1 + static_cast<int>(rng() % 8);
  for (int d = 0; d < whole; ++d) cell += static_cast<char>('0' + rng() % 10);
  if (rng() % 5 == 0) return cell;
  cell += '.';
  const int fraction = 1 + static_cast<int>(rng() % 9);
  for (int d = 0; d < fraction; ++d) cell += static_cast<char>('0' + rng() % 10);
  return cell;
}

TEST(TextParsing, ScansPlainDecimalsLikeStrtof) {
  std::mt19937 rng(12);
  for (int i = 0; i < 50000; ++i) {
    const std::string cell = random_decimal(rng);
    ASSERT_EQ(scan(cell), std::strtof(cell.c_str(), nullptr)) << cell;
  }
  EXPECT_EQ(scan("0.0001188"), 0.0001188f);
  EXPECT_EQ(scan("16777217.5"), 16777217.5f);  // a mantissa above 2^24 goes to fast_float
  EXPECT_EQ(scan("-0.0"), -0.0f);
  EXPECT_TRUE(std::signbit(scan("-0.0")));
}

TEST(TextParsing, ScansPlainMagnitudesOnlyWhenTheyAreExact) {
  const auto magnitude = [](const std::string& text) {
    const std::string buffer = text + ",00000000";
    float value = -1.0f;
    const char* used = scan_plain_magnitude(buffer.data(), buffer.data() + buffer.size(), value);
    return used == nullptr ? std::string("none") : std::string(buffer.data(), used) + "=" + std::to_string(value);
  };
  EXPECT_EQ(magnitude("42"), "42=42.000000");
  EXPECT_EQ(magnitude("2.5"), "2.5=2.500000");
  EXPECT_EQ(magnitude("2.5e3"), "2.5=2.500000");  // the caller sees the exponent follow
  EXPECT_EQ(magnitude(".5"), "none");
  EXPECT_EQ(magnitude("5."), "none");
  EXPECT_EQ(magnitude("12345678"), "none");    // 8 digits: maybe more follow
  EXPECT_EQ(magnitude("1.23456789"), "none");  // 8 after the point
  EXPECT_EQ(magnitude("9999.9999"), "none");   // 99999999 > 2^24
}

#if defined(__SSE4_1__)
TEST(TextParsing, ReadsPlainCellsAsOneVectorLikeStrtof) {
  std::mt19937 rng(13);
  const auto vector_scan = [](const std::string& cell, float& value) {
    // 16 readable bytes before the end of the cell, as inside a file.
    const std::string buffer = "1234567890123456," + cell;
    return vector_plain_magnitude(buffer.data() + buffer.size(), static_cast<std::ptrdiff_t>(cell.size()), value);
  };
  for (int i = 0; i < 50000; ++i) {
    std::string cell = random_decimal(rng);
    if (cell[0] == '-') cell.erase(0, 1);  // signs are the caller's
    float value = 0.0f;
    const std::size_t point = cell.find('.');
    const std::size_t fraction = point == std::string::npos ? 0 : cell.size() - point - 1;
    const std::size_t digits = cell.size() - (point != std::string::npos);
    const bool accepted = fraction <= 8 && digits <= 15;
    ASSERT_EQ(vector_scan(cell, value), accepted) << cell;
    if (accepted) {
      ASSERT_EQ(value, std::strtof(cell.c_str(), nullptr)) << cell;
    }
  }
  float value = 0.0f;
  EXPECT_TRUE(vector_scan("123456789012.345", value));
  EXPECT_EQ(value, 123456789012.345f);
  EXPECT_TRUE(vector_scan(".5", value));
  EXPECT_EQ(value, 0.5f);
  EXPECT_TRUE(vector_scan("5.", value));
  EXPECT_EQ(value, 5.0f);
  for (const std::string refused : {"", ".", "1.2.3", "1e5", "-1", " 1", "1\r", "1234567890123456", "0.123456789"}) {
    EXPECT_FALSE(vector_scan(refused, value)) << refused;
  }
}
#endif

TEST(TextParsing, CutsTextAtLineEndsNearALimit) {
  EXPECT_EQ(whole_lines_prefix("ab\ncd\nef", 5), 3u);
  EXPECT_EQ(whole_lines_prefix("ab\ncd\nef", 6), 6u);
  EXPECT_EQ(whole_lines_prefix("abcdef\ngh", 3), 7u);  // a line longer than the limit is whole
  EXPECT_EQ(whole_lines_prefix("abcdef", 3), 0u);
}

TEST(TextParsing, FindsTheFirstLineWithARecord) {
  EXPECT_EQ(lines_before_first_record("\n \t\r\n1,2\n", false), 2u);
  EXPECT_EQ(lines_before_first_record("# x\n1 1:2\n", true), 1u);
  EXPECT_EQ(lines_before_first_record("# x\n", false), 0u);
  EXPECT_EQ(lines_before_first_record("\n  # only a comment\n", true), std::nullopt);
  EXPECT_EQ(lines_before_first_record("", false), std::nullopt);
}

TEST(TextParsing, SplitsAtLineEnds) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + ",1,2\n";
  const auto pieces = split_at_lines(text, 4, 1024);
  ASSERT_EQ(pieces.size(), 4u);
  std::string joined;
  for (const auto piece : pieces) {
    EXPECT_EQ(piece.back(), '\n');
    joined += piece;
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(split_at_lines(text, 4, text.size()).size(), 1u);
  EXPECT_EQ(split_at_lines("", 4, 1).size(), 1u);
}

TEST(TextParsing, ReportsTheFirstFailedChunkWithFileLineNumbers) {
  std::vector<ChunkProgress> progress(3);
  progress[0].newlines = 10;
  progress[1].newlines = 5;
  progress[1].failure = {true, 2, 4, "found 'x', expected a number"};
  progress[2].failure = {true, 0, 1, "found 'y', expected a number"};
  try {
    throw_first_failure(progress, "f.csv");
    FAIL() << "no error thrown";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "f.csv:13:4: found 'x', expected a number");
  }
}

TEST(TextParsing, CountsColumnsInCharacters) {
  const std::string line = "\xC3\xA9\xC3\xA9,x";  // two 2-byte characters, then ",x"
  EXPECT_EQ(character_column(line.data(), line.data() + 5), 4u);
  EXPECT_EQ(quote_token(std::string(50, 'a')), "'" + std::string(40, 'a') + "...'");
}

}  // namespace
}  // namespace linlearn::text
