#include "io/text_parsing.h"

#include <gtest/gtest.h>

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
