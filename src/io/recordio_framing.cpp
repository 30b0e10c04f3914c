// RecordIO framing (dmlc-core's format, which SageMaker uses): reading frames back into records
// and writing records as frames.
#include <fmt/format.h>
#include <bit>
#include <cstring>
#include <utility>

#include "linlearn/errors.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

enum FrameFlag : std::uint32_t { kWhole = 0, kFirst = 1, kMiddle = 2, kLast = 3 };

void append_u32_le(std::string& out, std::uint32_t v) {
  const char bytes[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 24)};
  out.append(bytes, 4);
}

const char* flag_name(std::uint32_t flag) {
  switch (flag) {
    case kWhole:
      return "0 (whole record)";
    case kFirst:
      return "1 (first part)";
    case kMiddle:
      return "2 (middle part)";
    default:
      return "3 (last part)";
  }
}

}  // namespace

RecordIOFrameReader::RecordIOFrameReader(std::string_view bytes, std::string file, std::uint64_t first_byte,
                                         std::size_t first_record)
    : bytes_(bytes), file_(std::move(file)), first_byte_(first_byte), first_record_(first_record) {}

void RecordIOFrameReader::fail(const std::string& what) const {
  fail_at(record_offset_, what);
}

void RecordIOFrameReader::fail_at(std::size_t offset, const std::string& what) const {
  throw InputError(fmt::format("{}: record {} at byte {}: {}", file_, first_record_ + records_started_ - 1,
                               first_byte_ + offset, what));
}

bool RecordIOFrameReader::next(std::string_view& payload) {
  if (position_ >= bytes_.size()) return false;
  ++records_started_;
  record_offset_ = position_;
  bool in_split_record = false;
  joined_.clear();
  while (true) {
    const std::size_t frame_offset = position_;
    const std::size_t left = bytes_.size() - position_;
    if (left == 0) fail_at(frame_offset, "the file ends inside a split record (no part with flag 3)");
    if (left < kRecordIOHeaderBytes) {
      fail_at(frame_offset, fmt::format("truncated frame header: {} bytes left, 8 needed", left));
    }
    const char* header = bytes_.data() + position_;
    const std::uint32_t magic = load_recordio_u32(header);
    if (magic != kRecordIOMagic) {
      fail_at(frame_offset, fmt::format("bad magic 0x{:08x}, expected 0x{:08x}", magic, kRecordIOMagic));
    }
    const std::uint32_t word = load_recordio_u32(header + 4);
    const std::uint32_t flag = word >> 29;
    const std::size_t length = word & kRecordIOMaxFrameLength;
    if (flag > kLast) fail_at(frame_offset, fmt::format("invalid frame flag {}, expected 0 to 3", flag));
    // Compared against what is left before anything is sized from the untrusted length.
    if (recordio_padded(length) > left - kRecordIOHeaderBytes) {
      fail_at(frame_offset, fmt::format("frame length {} (padded to {}) runs past the end of the file "
                                        "({} bytes left)",
                                        length, recordio_padded(length), left - kRecordIOHeaderBytes));
    }
    const std::string_view part = bytes_.substr(position_ + kRecordIOHeaderBytes, length);
    const bool starts_record = flag == kWhole || flag == kFirst;
    if (starts_record == in_split_record) {
      fail_at(frame_offset, in_split_record ? fmt::format("frame flag {} inside a split record", flag_name(flag))
                                            : fmt::format("frame flag {} without a first part", flag_name(flag)));
    }
    position_ += kRecordIOHeaderBytes + recordio_padded(length);
    record_index_ = records_started_ - 1;
    if (flag == kWhole) {
      payload = part;
      return true;
    }
    if (in_split_record) append_u32_le(joined_, kRecordIOMagic);
    joined_.append(part);
    in_split_record = true;
    if (flag == kLast) {
      payload = joined_;
      return true;
    }
  }
}

void append_recordio_record(std::string& out, std::string_view payload) {
  const auto write_frame = [&out](std::uint32_t flag, std::string_view part) {
    if (part.size() > kRecordIOMaxFrameLength) {
      throw InputError(fmt::format("a record part of {} bytes exceeds RecordIO's limit of {} bytes", part.size(),
                                   kRecordIOMaxFrameLength));
    }
    append_u32_le(out, kRecordIOMagic);
    append_u32_le(out, (flag << 29) | static_cast<std::uint32_t>(part.size()));
    out.append(part);
  };
  // Like dmlc-core, only 4-aligned occurrences of the magic split the payload.
  std::size_t part_begin = 0;
  for (std::size_t i = 0; i + 4 <= payload.size(); i += 4) {
    if (load_recordio_u32(payload.data() + i) != kRecordIOMagic) continue;
    write_frame(part_begin == 0 ? kFirst : kMiddle, payload.substr(part_begin, i - part_begin));
    part_begin = i + 4;
  }
  write_frame(part_begin == 0 ? kWhole : kLast, payload.substr(part_begin));
  out.append(recordio_padded(payload.size()) - payload.size(), '\0');
}

}  // namespace linlearn
