// The wire-format half of the RecordIO reader: protobuf scanned for spans, values decoded once.
#include "io/recordio_wire.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace linlearn::recordio_wire {
namespace {

std::size_t count_packed_varints(Span span) {
  if (span.size() > 0 && (span.end[-1] & 0x80) != 0) {
    throw RecordProblem("malformed protobuf: packed varints end inside a varint");
  }
  return static_cast<std::size_t>(std::count_if(span.begin, span.end, [](Byte b) { return b < 0x80; }));
}

// Reads one map<string, Value> entry: true when its key is "values", with the fragments of its
// Value in `value`. The key and value fields may come in any order; the last key counts.
bool scan_map_entry(Span entry, std::vector<Span>& value) {
  value.clear();
  bool key_is_values = false;
  WireCursor cursor(entry);
  while (!cursor.done()) {
    const Tag tag = cursor.tag();
    if (tag.wire_type != kLengthDelimited || (tag.field != 1 && tag.field != 2)) {
      cursor.skip(tag.wire_type);
      continue;
    }
    const Span span = cursor.length_delimited();
    if (tag.field == 1) {
      key_is_values = span.size() == 6 && std::memcmp(span.begin, "values", 6) == 0;
    } else {
      value.push_back(span);
    }
  }
  return key_is_values;
}

}  // namespace

void scan_tensor(TensorLayout& t) {
  t.values.clear();
  t.keys.clear();
  t.shape.clear();
  t.value_count = t.key_count = t.shape_count = 0;
  const std::uint32_t element_wire_type = t.type == TensorType::kFloat32   ? kFixed32
                                          : t.type == TensorType::kFloat64 ? kFixed64
                                                                           : kVarint;
  const std::size_t element_bytes = t.type == TensorType::kFloat32 ? 4 : 8;
  for (const Span fragment : t.fragments) {
    WireCursor cursor(fragment);
    while (!cursor.done()) {
      const Tag tag = cursor.tag();
      if (tag.field == 1 && tag.wire_type == kLengthDelimited) {
        const Span run = cursor.length_delimited();
        if (t.type == TensorType::kInt32) {
          t.value_count += count_packed_varints(run);
        } else if (run.size() % element_bytes != 0) {
          throw RecordProblem(fmt::format("malformed protobuf: packed values of {} bytes, not a multiple of {}",
                                          run.size(), element_bytes));
        } else {
          t.value_count += run.size() / element_bytes;
        }
        t.values.push_back(run);
      } else if (tag.field == 1 && tag.wire_type == element_wire_type) {
        t.values.push_back(cursor.skip_value(tag.wire_type));
        ++t.value_count;
      } else if ((tag.field == 2 || tag.field == 3) && tag.wire_type == kLengthDelimited) {
        const Span run = cursor.length_delimited();
        (tag.field == 2 ? t.key_count : t.shape_count) += count_packed_varints(run);
        (tag.field == 2 ? t.keys : t.shape).push_back(run);
      } else if ((tag.field == 2 || tag.field == 3) && tag.wire_type == kVarint) {
        (tag.field == 2 ? t.keys : t.shape).push_back(cursor.skip_value(kVarint));
        ++(tag.field == 2 ? t.key_count : t.shape_count);
      } else {
        cursor.skip(tag.wire_type);
      }
    }
  }
}

void resolve_tensor(const std::vector<Span>& value_fragments, TensorLayout& t) {
  t.reset(TensorType::kNone);
  for (const Span fragment : value_fragments) {
    WireCursor cursor(fragment);
    while (!cursor.done()) {
      const Tag tag = cursor.tag();
      TensorType type = TensorType::kNone;
      if (tag.wire_type == kLengthDelimited) {
        switch (tag.field) {
          case 2:
            type = TensorType::kFloat32;
            break;
          case 3:
            type = TensorType::kFloat64;
            break;
          case 7:
            type = TensorType::kInt32;
            break;
          case 9:
            type = TensorType::kBytes;
            break;
          default:
            break;
        }
      }
      if (type == TensorType::kNone) {
        cursor.skip(tag.wire_type);
        continue;
      }
      const Span span = cursor.length_delimited();
      if (type != t.type) t.reset(type);
      if (type != TensorType::kBytes) t.fragments.push_back(span);
    }
  }
}

const char* tensor_type_name(TensorType type) {
  switch (type) {
    case TensorType::kFloat32:
      return "Float32Tensor";
    case TensorType::kFloat64:
      return "Float64Tensor";
    case TensorType::kInt32:
      return "Int32Tensor";
    case TensorType::kBytes:
      return "Bytes";
    default:
      return "nothing";
  }
}

void decode_values(const TensorLayout& t, float* out) {
  static_assert(std::endian::native == std::endian::little, "float32 payloads are copied as they are");
  if (t.value_count == 0) return;  // `out` may then be null (an empty row of a still empty store)
  switch (t.type) {
    case TensorType::kFloat32:
      for (const Span run : t.values) {
        std::memcpy(out, run.begin, run.size());
        out += run.size() / sizeof(float);
      }
      return;
    case TensorType::kFloat64:
      for (const Span run : t.values) {
        for (const Byte* p = run.begin; p != run.end; p += sizeof(double)) {
          double value;
          std::memcpy(&value, p, sizeof value);
          *out++ = std::fabs(value) <= std::numeric_limits<float>::max() ? static_cast<float>(value)
                                                                         : std::numeric_limits<float>::infinity();
        }
      }
      return;
    default:
      for_each_varint(t.values, [&out](std::uint64_t v) {
        *out++ = static_cast<float>(static_cast<std::int32_t>(static_cast<std::uint32_t>(v)));
      });
      return;
  }
}

// The branch-free first pass vectorizes: a value is NaN or infinite when its exponent bits are all ones, i.e. the
// complement's are all zero.
std::size_t first_non_finite(const float* v, std::size_t n) {
  std::uint32_t min_complement = 0x7f800000u;
  for (std::size_t i = 0; i < n; ++i) {
    min_complement = std::min(min_complement, ~std::bit_cast<std::uint32_t>(v[i]) & 0x7f800000u);
  }
  if (min_complement != 0) return n;
  return static_cast<std::size_t>(std::find_if(v, v + n, [](float x) { return !std::isfinite(x); }) - v);
}

void scan_record(Span payload, RecordScan& scan) {
  scan.has_features = scan.has_label = false;
  WireCursor cursor(payload);
  while (!cursor.done()) {
    const Tag tag = cursor.tag();
    if (tag.wire_type != kLengthDelimited || (tag.field != 1 && tag.field != 2)) {
      cursor.skip(tag.wire_type);
      continue;
    }
    if (!scan_map_entry(cursor.length_delimited(), scan.entry_value)) continue;
    // Swapped, not copied: every buffer keeps its capacity for the next record.
    if (tag.field == 1) {
      std::swap(scan.features_value, scan.entry_value);
      scan.has_features = true;
    } else {
      std::swap(scan.label_value, scan.entry_value);
      scan.has_label = true;
    }
  }
}

void require_numeric_tensor(const TensorLayout& t, const char* what) {
  if (t.type == TensorType::kFloat32 || t.type == TensorType::kFloat64 || t.type == TensorType::kInt32) return;
  throw RecordProblem(fmt::format("{}[\"values\"] holds {}, expected a Float32Tensor, Float64Tensor or Int32Tensor",
                                  what, tensor_type_name(t.type)));
}

}  // namespace linlearn::recordio_wire
