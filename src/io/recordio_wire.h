// SageMaker RecordIO-protobuf records read straight from the protobuf wire format: where a record's
// tensors live (spans of its payload) and their values decoded. Internal to the RecordIO reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace linlearn::recordio_wire {

using Byte = unsigned char;

struct Span {
  const Byte* begin = nullptr;
  const Byte* end = nullptr;
  std::size_t size() const { return static_cast<std::size_t>(end - begin); }
};

// What is wrong with one record, without the place; parse_recordio adds file, record and byte.
class RecordProblem : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

struct Tag {
  std::uint32_t field;
  std::uint32_t wire_type;
};

// Bounds-checked reading of protobuf wire format; every length is checked before it is used.
class WireCursor {
 public:
  explicit WireCursor(Span span) : p_(span.begin), end_(span.end) {}

  bool done() const { return p_ == end_; }

  std::uint64_t varint() {
    // Tags and most lengths take one byte.
    if (p_ != end_ && *p_ < 0x80) return *p_++;
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) throw RecordProblem("malformed protobuf: truncated varint");
      const Byte b = *p_++;
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return value;
    }
    throw RecordProblem("malformed protobuf: varint longer than 10 bytes");
  }

  Tag tag() {
    const std::uint64_t tag = varint();
    const std::uint64_t field = tag >> 3;
    if (field == 0 || field > 0x1fffffff) {
      throw RecordProblem(fmt::format("malformed protobuf: invalid field number {}", field));
    }
    return {static_cast<std::uint32_t>(field), static_cast<std::uint32_t>(tag & 7)};
  }

  Span take(std::uint64_t n) {
    if (n > static_cast<std::uint64_t>(end_ - p_)) {
      throw RecordProblem(
          fmt::format("malformed protobuf: field of {} bytes runs past the end of its "
                      "message ({} bytes left)",
                      n, end_ - p_));
    }
    const Span span{p_, p_ + n};
    p_ += n;
    return span;
  }

  Span length_delimited() { return take(varint()); }

  // Skips one field value and returns the bytes it occupied.
  Span skip_value(std::uint32_t wire_type) {
    const Byte* start = p_;
    skip(wire_type);
    return {start, p_};
  }

  void skip(std::uint32_t wire_type) {
    switch (wire_type) {
      case kVarint:
        varint();
        return;
      case kFixed64:
        take(8);
        return;
      case kLengthDelimited:
        length_delimited();
        return;
      case kFixed32:
        take(4);
        return;
      default:
        throw RecordProblem(fmt::format("malformed protobuf: unsupported wire type {}", wire_type));
    }
  }

 private:
  const Byte* p_;
  const Byte* end_;
};

enum class TensorType { kNone, kFloat32, kFloat64, kInt32, kBytes };

// Where the parts of one tensor live in the payload. Repeated occurrences of a message field merge
// in protobuf, which is the same as reading their fragments one after the other. Each repeated
// field is a list of runs of element encodings: a packed field is one run, an unpacked element a
// run of one, so both decode alike.
struct TensorLayout {
  TensorType type = TensorType::kNone;
  std::vector<Span> fragments;
  std::vector<Span> values, keys, shape;
  std::size_t value_count = 0, key_count = 0, shape_count = 0;

  void reset(TensorType new_type) {
    type = new_type;
    fragments.clear();
  }
};

template <typename Sink>
void for_each_varint(const std::vector<Span>& runs, Sink&& sink) {
  for (const Span run : runs) {
    WireCursor cursor(run);
    while (!cursor.done()) sink(cursor.varint());
  }
}

// Where features["values"] and label["values"] are; a later map entry with the same key replaces
// an earlier one, as in protobuf.
struct RecordScan {
  bool has_features = false;
  bool has_label = false;
  std::vector<Span> features_value, label_value, entry_value;
};

// "Float32Tensor", ... for messages.
const char* tensor_type_name(TensorType type);

// Finds which member of the Value oneof is set (the last one seen, as in protobuf) and its fragments.
void resolve_tensor(const std::vector<Span>& value_fragments, TensorLayout& t);

// Collects the runs of values, keys and shape of a tensor. A known field with an unexpected wire
// type is an unknown field to protobuf, so it is skipped here too.
void scan_tensor(TensorLayout& t);

// Where the features and label tensors of one record's payload are (RecordProblem when malformed).
void scan_record(Span payload, RecordScan& scan);

// RecordProblem unless `t` holds numbers.
void require_numeric_tensor(const TensorLayout& t, const char* what);

// Writes the t.value_count values of a scanned tensor to `out` as float32. Doubles beyond float32's
// range become infinity (the conversion itself would be undefined) and fail the finiteness check.
void decode_values(const TensorLayout& t, float* out);

// Index of the first NaN or infinity in v[0..n), or n.
std::size_t first_non_finite(const float* v, std::size_t n);

}  // namespace linlearn::recordio_wire
