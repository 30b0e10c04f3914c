#pragma once
// Shared by the CSV and LIBSVM readers: splitting a text into line-aligned chunks parsed on
// threads, the fast number scanner, and the "FILE:LINE:COLUMN: found ..., expected ..." errors.
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
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

// Length of the prefix of `data` ending at its last newline before `limit` (or its first one after
// it); 0 when `data` holds no newline.
std::size_t whole_lines_prefix(std::string_view data, std::size_t limit);

// Lines before the first line of `text` holding a record, or nothing when none does (blank lines,
// and comment lines when `comments`, as in LIBSVM). The parsers reject a text without records; a
// piece of a file may be one.
std::optional<std::size_t> lines_before_first_record(std::string_view text, bool comments);

// Has the kernel back [data, data + bytes) with memory now, without changing what it holds: a
// store's pages faulted in on the threads that fill it rather than one by one on one thread.
void fault_in(void* data, std::size_t bytes);

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

// Nonzero bits in the bytes of `word` that are not ASCII digits, and perhaps in bytes after those.
inline std::uint64_t non_digit_bits(std::uint64_t word) {
  // A digit byte is 0x30..0x39: high nibble 3, and still 3 after adding 6. A carry out of a byte
  // >= 0xFA only disturbs the bytes after a non-digit.
  constexpr std::uint64_t kHighNibbles = 0xF0F0F0F0F0F0F0F0;
  constexpr std::uint64_t kThrees = 0x3030303030303030;
  return ((word & kHighNibbles) ^ kThrees) | (((word + 0x0606060606060606) & kHighNibbles) ^ kThrees);
}

// How many of the 8 bytes of `word` (in memory order) are ASCII digits before the first that is not.
inline int leading_digit_count(std::uint64_t word) {
  const std::uint64_t non_digits = non_digit_bits(word);
  return non_digits == 0 ? 8 : std::countr_zero(non_digits) / 8;
}

// The value of 8 digit bytes (in memory order), of which leading zero bytes read as 0s.
inline std::uint32_t aligned_digits_value(std::uint64_t word) {
  word = (word & 0x0F0F0F0F0F0F0F0F) * 2561 >> 8;
  word = (word & 0x00FF00FF00FF00FF) * 6553601 >> 16;
  return static_cast<std::uint32_t>((word & 0x0000FFFF0000FFFF) * 42949672960001 >> 32);
}

// The value of the first `count` (1..8) digit bytes of `word`, without a loop over the digits.
inline std::uint32_t digits_value(std::uint64_t word, int count) {
  // Shifting drops what follows the digits; the zero bytes shifted in read as leading 0s.
  return aligned_digits_value(word << 8 * (8 - count));
}

// A plain number at `digits` (after any sign): up to 7 digits, then optionally '.' and 1 to 7 more,
// read 8 bytes at a time. Returns where it ends, or nullptr when it is anything else (more digits,
// an exponent, fewer than 8 readable bytes) and must go through fast_float. The digits form an
// integer m <= 2^24 and the value is m / 10^k with k <= 7: both exact in a float, so the one
// division is correctly rounded (Clinger's fast path), giving what fast_float gives.
inline const char* scan_plain_magnitude(const char* digits, const char* end, float& magnitude) {
  static constexpr float kPowersOfTen[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f};
  static constexpr std::uint32_t kIntPowersOfTen[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
  if (end - digits < 8) return nullptr;
  std::uint64_t word;
  std::memcpy(&word, digits, sizeof word);
  const int whole_digits = leading_digit_count(word);
  if (whole_digits == 0 || whole_digits == 8) return nullptr;
  const std::uint32_t whole = digits_value(word, whole_digits);
  const char* const point = digits + whole_digits;
  if (*point != '.') {
    magnitude = static_cast<float>(whole);
    return point;
  }
  const char* const fraction = point + 1;
  if (end - fraction < 8) return nullptr;
  std::memcpy(&word, fraction, sizeof word);
  const int fraction_digits = leading_digit_count(word);
  if (fraction_digits == 0 || fraction_digits == 8) return nullptr;
  const std::uint64_t mantissa =
      std::uint64_t{whole} * kIntPowersOfTen[fraction_digits] + digits_value(word, fraction_digits);
  if (mantissa > (std::uint64_t{1} << 24)) return nullptr;
  magnitude = static_cast<float>(mantissa) / kPowersOfTen[fraction_digits];
  return fraction + fraction_digits;
}

#if defined(__SSE4_1__)
// A plain number that ends right before `stop` and starts `length` bytes before it, with the 16
// bytes before `stop` readable: 1 to 15 digits with at most one '.' among them (as "5." and ".5",
// which fast_float reads alike) and at most 8 after it. Checked and read as one vector, whatever its
// form; false for anything else. The digits form an integer m < 10^15 < 2^53 and the value is
// m / 10^k with k <= 8, both exact in a double: the one division is correctly rounded, and rounding
// that to a float gives what rounding m / 10^k itself does, as fast_float. A float midpoint is
// either m / 10^k exactly (then exact in the double too) or at least 2^-25 * 10^-8 > 2^-53 away
// relatively, farther than the double's rounding error can move it.
inline bool vector_plain_magnitude(const char* stop, std::ptrdiff_t length, float& magnitude) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
  if (length < 1 || length > 16) return false;
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(stop - 16));
  const __m128i index = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i in_cell = _mm_cmpgt_epi8(index, _mm_set1_epi8(static_cast<char>(15 - length)));
  const __m128i digits = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
  const __m128i is_digit = _mm_and_si128(_mm_cmpeq_epi8(_mm_min_epu8(digits, _mm_set1_epi8(9)), digits), in_cell);
  const auto cell_bits = static_cast<unsigned>(_mm_movemask_epi8(in_cell));
  const auto digit_bits = static_cast<unsigned>(_mm_movemask_epi8(is_digit));
  const unsigned dot_bits =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('.')))) & cell_bits;
  // Only digits and at most one '.', at least one digit and at most 15.
  if ((digit_bits | dot_bits) != cell_bits || (dot_bits & (dot_bits - 1)) != 0 || digit_bits == 0 ||
      std::popcount(digit_bits) > 15)
    return false;
  const int dot = dot_bits == 0 ? -1 : std::countr_zero(dot_bits);
  const int fraction_digits = dot_bits == 0 ? 0 : 15 - dot;
  if (fraction_digits > 8) return false;
  // Drop the '.': the digits up to it move up one byte to close the gap.
  const __m128i kept = _mm_and_si128(digits, is_digit);
  const __m128i moved = _mm_cmplt_epi8(index, _mm_set1_epi8(static_cast<char>(dot + 1)));
  const __m128i packed = _mm_or_si128(_mm_andnot_si128(moved, kept), _mm_and_si128(moved, _mm_slli_si128(kept, 1)));
  // 16 digits -> 8 pairs -> 4 quadruples -> 2 numbers of 8 digits.
  const __m128i pairs =
      _mm_maddubs_epi16(packed, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
  const __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  const __m128i narrow = _mm_packus_epi32(quads, quads);
  const __m128i octets = _mm_madd_epi16(narrow, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
  const std::uint64_t high = static_cast<std::uint32_t>(_mm_cvtsi128_si32(octets));
  const std::uint64_t low = static_cast<std::uint32_t>(_mm_extract_epi32(octets, 1));
  const std::uint64_t mantissa = high * 100000000 + low;
  // Integers skip the division, the slowest step.
  magnitude = fraction_digits == 0 ? static_cast<float>(mantissa)
                                   : static_cast<float>(static_cast<double>(mantissa) / kPowersOfTen[fraction_digits]);
  return true;
}
#endif

inline bool ends_number(const char* q, const char* end) {
  return q == end || *q == ',' || is_blank(*q) || *q == '\r';
}

// The general case of scan_float, kept out of line so the common case inlines into the row loops.
const char* scan_float_general(const char* p, const char* end, float& value, NumberStatus& status);

// Parses one number starting at p (no leading blanks) and returns the end of what it used.
// Plain numbers (scan_plain_magnitude), most of a typical data file, take the 8-byte path;
// everything else goes through fast_float.
inline const char* scan_float(const char* p, const char* end, float& value, NumberStatus& status) {
  if constexpr (std::endian::native == std::endian::little) {
    const bool negative = p != end && *p == '-';
    float magnitude = 0.0f;
    const char* used = scan_plain_magnitude(p + negative, end, magnitude);
    if (used != nullptr && ends_number(used, end)) {
      value = negative ? -magnitude : magnitude;
      status = NumberStatus::kOk;
      return used;
    }
  }
  return scan_float_general(p, end, value, status);
}

}  // namespace linlearn::text
