// A whole RecordIO file decoded in pieces on threads gives what the one-piece decoder gives:
// the same records, and the same first error with its record and byte, whatever the pieces find.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "data/dataset_equality.h"
#include "io/recordio_test_helpers.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

constexpr std::size_t kRecords = 30011;  // about 13 MB (above what is decoded on one thread), prime
constexpr std::size_t kWidth = 100;

std::vector<float> features_of(std::size_t r) {
  std::vector<float> f(kWidth);
  for (std::size_t j = 0; j < kWidth; ++j) f[j] = static_cast<float>(r % 97) - 0.25F * static_cast<float>(j);
  return f;
}

// One frame per record, the payload never split (as SageMaker's Python SDK writes files).
void append_unsplit_frame(std::string& out, const std::string& payload) {
  std::uint32_t header[2] = {kRecordIOMagic, static_cast<std::uint32_t>(payload.size())};
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  out += payload;
  out.append((4 - payload.size() % 4) % 4, '\0');
}

// `edit(r, features, payload)` may change record r before and after it is encoded.
template <class Edit>
std::string dense_file(Edit edit) {
  std::string file;
  std::string payload;
  for (std::size_t r = 0; r < kRecords; ++r) {
    std::vector<float> f = features_of(r);
    edit(r, f, payload, false);
    encode_dense_record(payload, f, static_cast<float>(r % 2));
    edit(r, f, payload, true);
    append_unsplit_frame(file, payload);
  }
  return file;
}

void expect_same(const Dataset& actual, const Dataset& expected) {
  testing::expect_same_records(actual, expected);
  EXPECT_EQ(actual.files, expected.files);
}

Dataset parse_whole(const std::string& bytes, int threads) {
  Dataset d;
  parse_recordio_file(bytes, "p.rec", d, threads);
  return d;
}

std::string error_of(const std::string& bytes, int threads) {
  try {
    parse_whole(bytes, threads);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RecordioParallel, PiecesGiveTheSameRecordsAsOnePiece) {
  const std::string bytes = dense_file([](std::size_t, std::vector<float>&, std::string&, bool) {});
  const Dataset one = parse_whole(bytes, 1);
  ASSERT_EQ(one.rows(), kRecords);
  for (int threads : {2, 3, 4, 7}) {
    SCOPED_TRACE(threads);
    expect_same(parse_whole(bytes, threads), one);
  }
}

TEST(RecordioParallel, TheFirstBadRecordIsReportedAsByOnePiece) {
  // Records in the first and in the last piece hold a NaN; the earlier one is the error.
  for (std::size_t bad : {kRecords - 10, kRecords / 3}) {
    const std::string bytes = dense_file([&](std::size_t r, std::vector<float>& f, std::string&, bool encoded) {
      if (!encoded && (r == bad || r == kRecords - 5)) f[3] = std::numeric_limits<float>::quiet_NaN();
    });
    const std::string expected = error_of(bytes, 1);
    EXPECT_NE(expected.find("record " + std::to_string(bad) + " at byte"), std::string::npos) << expected;
    for (int threads : {2, 4}) EXPECT_EQ(error_of(bytes, threads), expected);
  }
}

TEST(RecordioParallel, ASparseRecordLateInTheFileMakesTheSameSparseStore) {
  std::string file;
  std::string payload;
  for (std::size_t r = 0; r < kRecords; ++r) {
    if (r == kRecords * 3 / 4) {
      encode_sparse_record(payload, std::vector<std::uint32_t>{1, 7}, std::vector<float>{2.5F, -1}, kWidth, 1);
    } else {
      encode_dense_record(payload, features_of(r), 0);
    }
    append_unsplit_frame(file, payload);
  }
  const Dataset one = parse_whole(file, 1);
  ASSERT_TRUE(one.sparse);
  expect_same(parse_whole(file, 2), one);
}

// A file whose size is a whole number of records of the first one's size, although one record is
// twice as long (an unknown field): the records after it are not where the pieces expect them.
TEST(RecordioParallel, ARecordOfAnotherSizeIsDecodedAsByOnePiece) {
  std::size_t frame = 0;
  const std::string bytes = dense_file([&](std::size_t r, std::vector<float>&, std::string& payload, bool encoded) {
    if (!encoded) return;
    if (r == 0) frame = kRecordIOHeaderBytes + (payload.size() + 3) / 4 * 4;
    // Field 9, length-delimited, of frame - 3 bytes: tag (1) + length (2) + content = one frame more.
    if (r == kRecords / 2) payload += testing::len_field(9, std::string(frame - 3, 'x'));
  });
  ASSERT_EQ(bytes.size() % frame, 0U);
  const Dataset one = parse_whole(bytes, 1);
  ASSERT_EQ(one.rows(), kRecords);
  for (int threads : {2, 3, 4}) {
    SCOPED_TRACE(threads);
    expect_same(parse_whole(bytes, threads), one);
  }
}

// A payload may hold bytes that look like a frame header at a 4-byte boundary when the writer does
// not split payloads at the magic: a cut there must not be trusted.
TEST(RecordioParallel, HeaderLookalikesInsidePayloadsAreNotCutAt) {
  float magic;
  const std::uint32_t magic_bits = kRecordIOMagic;
  std::memcpy(&magic, &magic_bits, sizeof magic);
  float whole_frame_of_16_bytes;
  const std::uint32_t frame_word = 16;  // flag 0, length 16: a denormal
  std::memcpy(&whole_frame_of_16_bytes, &frame_word, sizeof frame_word);
  const std::string bytes = dense_file([&](std::size_t, std::vector<float>& f, std::string&, bool encoded) {
    if (encoded) return;
    // Frames start at multiples of 4 and these records' packed floats at a multiple of 4 in
    // their payload (checked below), so every float sits on a 4-byte boundary of the file.
    for (std::size_t j = 10; j + 1 < kWidth; j += 10) {
      f[j] = magic;
      f[j + 1] = whole_frame_of_16_bytes;
    }
  });
  bool aligned_lookalike = false;
  for (std::size_t at = 0; at + 8 <= bytes.size() && !aligned_lookalike; at += 4) {
    std::uint32_t word[2];
    std::memcpy(word, bytes.data() + at, sizeof word);
    aligned_lookalike = word[0] == kRecordIOMagic && word[1] == frame_word;
  }
  ASSERT_TRUE(aligned_lookalike) << "the test file has no header look-alike at a 4-byte boundary";
  const Dataset one = parse_whole(bytes, 1);
  for (int threads : {2, 3, 5, 8}) {
    SCOPED_TRACE(threads);
    expect_same(parse_whole(bytes, threads), one);
  }
}

}  // namespace
}  // namespace linlearn
