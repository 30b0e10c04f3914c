#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/recordio_test_helpers.h"
#include "linlearn/errors.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

using testing::from_hex;
using testing::to_hex;

const std::string kMagic = from_hex("0a23d7ce");

std::vector<std::string> read_all(const std::string& bytes, std::vector<std::size_t>* offsets = nullptr) {
  RecordIOFrameReader reader(bytes, "f.rec");
  std::vector<std::string> records;
  std::string_view payload;
  while (reader.next(payload)) {
    EXPECT_EQ(reader.record_index(), records.size());
    if (offsets != nullptr) offsets->push_back(reader.record_offset());
    records.emplace_back(payload);
  }
  return records;
}

std::string error_of(const std::string& bytes) {
  try {
    read_all(bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RecordioFraming, WholeRecordsArePaddedToFourBytes) {
  std::string out;
  append_recordio_record(out, "abcde");
  append_recordio_record(out, "");
  append_recordio_record(out, "wxyz");
  EXPECT_EQ(to_hex(out),
            "0a23d7ce05000000616263646500000"
            "0"
            "0a23d7ce00000000"
            "0a23d7ce040000007778797a");
  std::vector<std::size_t> offsets;
  EXPECT_EQ(read_all(out, &offsets), (std::vector<std::string>{"abcde", "", "wxyz"}));
  EXPECT_EQ(offsets, (std::vector<std::size_t>{0, 16, 24}));
}

TEST(RecordioFraming, PayloadHoldingTheMagicIsSplitAtAlignedOffsetsOnly) {
  const std::string payload = kMagic + "abcd" + kMagic + "ef" + kMagic;  // the last one is unaligned
  std::string out;
  append_recordio_record(out, payload);
  EXPECT_EQ(to_hex(out),
            "0a23d7ce"
            "00000020"  // first part, empty
            "0a23d7ce"
            "04000040"
            "61626364"  // middle part "abcd"
            "0a23d7ce"
            "06000060"
            "65660a23d7ce"
            "0000");  // last part, padded
  EXPECT_EQ(read_all(out), std::vector<std::string>{payload});
}

TEST(RecordioFraming, SplitRecordKeepsItsIndexAndOffset) {
  std::string out;
  append_recordio_record(out, "ab");
  append_recordio_record(out, "1234" + kMagic + "5678");
  append_recordio_record(out, "z");
  std::vector<std::size_t> offsets;
  const auto records = read_all(out, &offsets);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1], "1234" + kMagic + "5678");
  EXPECT_EQ(offsets, (std::vector<std::size_t>{0, 12, 36}));
}

TEST(RecordioFraming, EmptyInputHasNoRecords) {
  EXPECT_TRUE(read_all("").empty());
}

TEST(RecordioFraming, BadMagicNamesRecordAndByte) {
  std::string bytes;
  append_recordio_record(bytes, "abcd");
  bytes += from_hex("0b23d7ce04000000") + "abcd";
  EXPECT_EQ(error_of(bytes), "f.rec: record 1 at byte 12: bad magic 0xced7230b, expected 0xced7230a");
}

TEST(RecordioFraming, TruncatedHeader) {
  std::string bytes;
  append_recordio_record(bytes, "abcd");
  bytes += from_hex("0a23d7");
  EXPECT_EQ(error_of(bytes), "f.rec: record 1 at byte 12: truncated frame header: 3 bytes left, 8 needed");
}

TEST(RecordioFraming, LengthPastEndOfFile) {
  EXPECT_EQ(error_of(from_hex("0a23d7ce 05000000 6162636465")),
            "f.rec: record 0 at byte 0: frame length 5 (padded to 8) runs past the end of the file (5 bytes left)");
  EXPECT_EQ(error_of(from_hex("0a23d7ce ffffff1f 00000000")),
            "f.rec: record 0 at byte 0: frame length 536870911 (padded to 536870912) runs past the end of the "
            "file (4 bytes left)");
}

TEST(RecordioFraming, BadFlagSequences) {
  EXPECT_EQ(error_of(from_hex("0a23d7ce 00000040")),
            "f.rec: record 0 at byte 0: frame flag 2 (middle part) without a first part");
  EXPECT_EQ(error_of(from_hex("0a23d7ce 00000060")),
            "f.rec: record 0 at byte 0: frame flag 3 (last part) without a first part");
  EXPECT_EQ(error_of(from_hex("0a23d7ce 00000020 0a23d7ce 00000000")),
            "f.rec: record 0 at byte 8: frame flag 0 (whole record) inside a split record");
  EXPECT_EQ(error_of(from_hex("0a23d7ce 00000020 0a23d7ce 00000020")),
            "f.rec: record 0 at byte 8: frame flag 1 (first part) inside a split record");
  EXPECT_EQ(error_of(from_hex("0a23d7ce 00000020")),
            "f.rec: record 0 at byte 8: the file ends inside a split record (no part with flag 3)");
  EXPECT_EQ(error_of(from_hex("0a23d7ce 000000a0")),
            "f.rec: record 0 at byte 0: invalid frame flag 5, expected 0 to 3");
}

}  // namespace
}  // namespace linlearn
