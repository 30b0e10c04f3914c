#pragma once
// Shared by the CSV and LIBSVM readers: splitting a text into line-aligned chunks parsed on
// threads, the fast number scanner, and the "FILE:LINE:COLUMN: found ..., expected ..." errors.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace linlearn::text {

// The first error of one chunk; lines count from 0 at the chunk's start.
struct ChunkFailure {
  bool failed = false;
  std::size_t line_in_chunk = 0;
  std::size_t column = 0;  // 1-based character column
  std::string message;     // "found '...', expected ..."
};

// What every chunk reports besides its records: how many newlines it held (to number the lines of
// the chunks after it) and its first error, if any.
struct ChunkProgress {
  std::size_t newlines = 0;
  ChunkFailure failure;
};

// Drops a leading UTF-8 byte order mark.
std::string_view strip_bom(std::string_view text);

// Splits `text` into at most `parts` pieces that end right after a '\n' (or at the end of text).
// Pieces smaller than `min_part_bytes` are not worth a thread, so there may be fewer.
std::vector<std::string_view> split_at_lines(std::string_view text, int parts, std::size_t min_part_bytes);

// Runs task(i) for every i < count, each on its own thread (the caller's thread takes i = 0), and
// rethrows the first exception any of them threw once all have finished.
void run_on_threads(std::size_t count, const std::function<void(std::size_t)>& task);

// Throws the InputError of the failed chunk with the smallest index (= the first bad line of the
// file), numbering lines across the chunks before it from `first_line`, the text's first line.
void throw_first_failure(const std::vector<ChunkProgress>& progress, const std::string& file,
                         std::size_t first_line = 1);

// 1-based character (not byte) column of `at` in the line starting at `line_start`.
std::size_t character_column(const char* line_start, const char* at);

// The offending text for a message, shortened so an error stays one readable line.
std::string quote_token(std::string_view token);

// The "expected ..." of a label that opts.label_ok rejected.
std::string label_expectation(const std::string& label_expected);

// Records the error at `at` of the line starting at `line_start`; parsers stop at the first one.
inline void fail(ChunkFailure& failure, std::size_t line_in_chunk, const char* line_start, const char* at,
                 std::string message) {
  failure.failed = true;
  failure.line_in_chunk = line_in_chunk;
  failure.column = character_column(line_start, at);
  failure.message = std::move(message);
}

inline bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

inline const char* skip_blanks(const char* p, const char* end) {
  while (p != end && is_blank(*p)) ++p;
  return p;
}

enum class NumberStatus { kOk, kNotANumber, kNotFinite };

// How many of the 8 bytes of `word` (in memory order) are ASCII digits before the first that is not.
inline int leading_digit_count(std::uint64_t word) {
  // A digit byte is 0x30..0x39: high nibble 3, and still 3 after adding 6. A carry out of a byte
  // >= 0xFA only disturbs the bytes after a non-digit, which are not counted.
  constexpr std::uint64_t kHighNibbles = 0xF0F0F0F0F0F0F0F0;
  constexpr std::uint64_t kThrees = 0x3030303030303030;
  const std::uint64_t non_digits =
      ((word & kHighNibbles) ^ kThrees) | (((word + 0x0606060606060606) & kHighNibbles) ^ kThrees);
  return non_digits == 0 ? 8 : std::countr_zero(non_digits) / 8;
}

// The value of the first `count` (1..8) digit bytes of `word`, without a loop over the digits.
inline std::uint32_t digits_value(std::uint64_t word, int count) {
  word <<= 8 * (8 - count);  // drop what follows the digits; the zero bytes shifted in read as leading 0s
  word = (word & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8;
  word = (word & 0x00FF00FF00FF00FF) * 6553601 >> 16;
  return static_cast<std::uint32_t>((word & 0x0000FFFF0000FFFF) * 42949672960001 >> 32);
}

inline bool ends_number(const char* q, const char* end) {
  return q == end || *q == ',' || is_blank(*q) || *q == '\r';
}

// The general case of scan_float, kept out of line so the common case inlines into the row loops.
const char* scan_float_general(const char* p, const char* end, float& value, NumberStatus& status);

// Parses one number starting at p (no leading blanks) and returns the end of what it used.
// Plain integers of up to 7 digits, most of a typical data file, are read 8 bytes at a time (the
// float conversion is exactly rounded, as fast_float's); everything else goes through fast_float.
inline const char* scan_float(const char* p, const char* end, float& value, NumberStatus& status) {
  if constexpr (std::endian::native == std::endian::little) {
    const bool negative = p != end && *p == '-';
    const char* digits = p + negative;
    if (end - digits >= 8) {
      std::uint64_t word;
      std::memcpy(&word, digits, sizeof word);
      const int count = leading_digit_count(word);
      if (count > 0 && count < 8 && ends_number(digits + count, end)) {
        const auto magnitude = static_cast<float>(digits_value(word, count));
        value = negative ? -magnitude : magnitude;
        status = NumberStatus::kOk;
        return digits + count;
      }
    }
  }
  return scan_float_general(p, end, value, status);
}

}  // namespace linlearn::text
