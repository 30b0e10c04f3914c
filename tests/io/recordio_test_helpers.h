#pragma once
// Helpers for the RecordIO tests: hex <-> bytes and a tiny protobuf wire writer for hand-made
// records (unpacked fields, odd field orders, unknown fields) that protobuf's serializer never emits.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/recordio.h"

namespace linlearn::testing {

// "0a23 d7ce" -> bytes; spaces are ignored.
inline std::string from_hex(std::string_view hex) {
  std::string out;
  int high = -1;
  for (const char c : hex) {
    if (c == ' ') continue;
    const int nibble = c <= '9' ? c - '0' : c - 'a' + 10;
    if (high < 0) {
      high = nibble;
    } else {
      out.push_back(static_cast<char>(high * 16 + nibble));
      high = -1;
    }
  }
  return out;
}

inline std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const char c : bytes) {
    out.push_back(kDigits[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 15]);
  }
  return out;
}

inline std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}

inline std::string tag(int field, int wire_type) {
  return varint(static_cast<std::uint64_t>(field) << 3 | wire_type);
}

inline std::string len_field(int field, std::string_view body) {
  return tag(field, 2) + varint(body.size()) + std::string(body);
}

inline std::string varint_field(int field, std::uint64_t v) {
  return tag(field, 0) + varint(v);
}

inline std::string fixed32_field(int field, float v) {
  std::string out = tag(field, 5);
  out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

inline std::string fixed64_field(int field, double v) {
  std::string out = tag(field, 1);
  out.append(reinterpret_cast<const char*>(&v), 8);
  return out;
}

inline std::string packed_floats(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

inline std::string packed_varints(const std::vector<std::uint64_t>& values) {
  std::string out;
  for (const auto v : values) out += varint(v);
  return out;
}

// A map entry "values" -> Value holding `tensor` in oneof field `value_field` (2, 3, 7 or 9).
inline std::string values_entry(int record_field, int value_field, std::string_view tensor) {
  return len_field(record_field, len_field(1, "values") + len_field(2, len_field(value_field, tensor)));
}

// A Float32 label["values"] entry.
inline std::string float_label(float label) {
  return values_entry(2, 2, len_field(1, packed_floats({label})));
}

// Frames each payload as one RecordIO record.
inline std::string frame(const std::vector<std::string>& payloads) {
  std::string out;
  for (const auto& payload : payloads) append_recordio_record(out, payload);
  return out;
}

}  // namespace linlearn::testing
