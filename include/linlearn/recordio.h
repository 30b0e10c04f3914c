#pragma once
// SageMaker RecordIO-protobuf: the framing (dmlc-core's RecordIO) and the encoding of records as
// aialgs.data.Record messages. Decoding into a Dataset is parse_recordio() in reader.h.
//
// Framing: little-endian u32 magic 0xCED7230A, u32 word (cflag << 29) | length, payload, zero
// padding to a multiple of 4. A payload that holds the magic at a 4-aligned offset is split there:
// cflag 1/2/3 = first/middle/last part; the reader joins the parts with the magic between them.
// Records are numbered from 0; byte offsets are those of a frame header in the file.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <bit>
#include <cstring>

#include "linlearn/dataset.h"

namespace linlearn {

inline constexpr std::uint32_t kRecordIOMagic = 0xCED7230Au;
// The length field has 29 bits.
inline constexpr std::size_t kRecordIOMaxFrameLength = (std::size_t{1} << 29) - 1;
// A frame header: the magic, then the flag (3 bits) and the payload length (29 bits).
inline constexpr std::size_t kRecordIOHeaderBytes = 8;

// The little-endian 32-bit word at p (frame headers are little-endian).
inline std::uint32_t load_recordio_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
  return v;
}

// A payload's length padded to the 4-byte boundary the next frame starts at.
inline std::size_t recordio_padded(std::size_t length) {
  return (length + 3) & ~std::size_t{3};
}

// The bytes of the frame whose header starts at `header`: the header and the padded payload.
inline std::size_t recordio_frame_bytes(const char* header) {
  return kRecordIOHeaderBytes + recordio_padded(load_recordio_u32(header + 4) & kRecordIOMaxFrameLength);
}

// Walks the records of a RecordIO buffer. Whole records are views into the buffer; split records
// are joined into a buffer owned by the reader. Framing errors throw InputError
// "FILE: record N at byte B: what is wrong", B being the offending frame header.
class RecordIOFrameReader {
 public:
  // `first_byte` and `first_record` place a buffer that is a piece of a file (starting at a record):
  // the indices and offsets reported are then those of the whole file.
  RecordIOFrameReader(std::string_view bytes, std::string file, std::uint64_t first_byte = 0,
                      std::size_t first_record = 0);

  // Moves to the next record; false at the end of the buffer. The view stays valid until the next call.
  bool next(std::string_view& payload);

  std::size_t record_index() const { return first_record_ + record_index_; }  // of the record last returned
  std::size_t record_offset() const { return first_byte_ + record_offset_; }  // its first frame header
  const std::string& file() const { return file_; }

  // Throws InputError "FILE: record N at byte B: what" for the record last returned.
  [[noreturn]] void fail(const std::string& what) const;

 private:
  [[noreturn]] void fail_at(std::size_t offset, const std::string& what) const;

  std::string_view bytes_;
  std::string file_;
  std::size_t first_byte_;
  std::size_t first_record_;
  std::size_t position_ = 0;
  std::size_t records_started_ = 0;
  std::size_t record_index_ = 0;
  std::size_t record_offset_ = 0;
  std::string joined_;  // reused across split records
};

// Appends one record to `out` as RecordIO frames, splitting the payload where it holds the magic
// exactly as dmlc-core's RecordIOWriter does. Throws InputError if a part exceeds 2^29-1 bytes.
void append_recordio_record(std::string& out, std::string_view payload);

// Replaces `payload` with a serialized aialgs.data.Record holding a Float32Tensor features["values"]
// and label["values"], byte for byte as SageMaker's Python SDK writes it
// (write_numpy_to_dense_tensor / write_spmatrix_to_sparse_tensor with float32 arrays).
void encode_dense_record(std::string& payload, std::span<const float> features, float label);
void encode_sparse_record(std::string& payload, std::span<const std::uint32_t> keys, std::span<const float> values,
                          std::uint64_t feature_dim, float label);

// Records [begin, end) of `data` as RecordIO. `sparse` writes sparse tensors (keys + shape, zeros
// dropped from dense data); otherwise sparse data is written densely.
std::string encode_recordio(const Dataset& data, bool sparse, std::size_t begin, std::size_t end);

}  // namespace linlearn
