// Encodes records as aialgs.data.Record protobuf messages, byte for byte as SageMaker's Python SDK
// serializes them (fields in number order, packed repeated fields, empty repeated fields omitted),
// and frames them as RecordIO.
#include <bit>
#include <vector>

#include "linlearn/recordio.h"

namespace linlearn {
namespace {

constexpr unsigned char kLengthDelimitedTag[4] = {0, 0x0a, 0x12, 0x1a};  // by field number 1..3

std::size_t varint_size(std::uint64_t v) {
  std::size_t size = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++size;
  }
  return size;
}

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Field `field` (1..3), wire type 2, with its length.
void put_length_delimited_header(std::string& out, int field, std::size_t length) {
  out.push_back(static_cast<char>(kLengthDelimitedTag[field]));
  put_varint(out, length);
}

std::size_t length_delimited_size(std::size_t length) {
  return 1 + varint_size(length) + length;
}

void put_floats(std::string& out, std::span<const float> values) {
  static_assert(std::endian::native == std::endian::little, "float32 payloads are written as they are");
  out.append(reinterpret_cast<const char*>(values.data()), values.size_bytes());
}

// Sizes of the nested messages of one map entry, innermost first.
struct EntrySizes {
  std::size_t tensor, value, entry;
};

EntrySizes entry_sizes(std::size_t tensor_size) {
  const std::size_t value = length_delimited_size(tensor_size);                       // Value.float32_tensor (field 2)
  const std::size_t entry = length_delimited_size(6) + length_delimited_size(value);  // key "values", value
  return {tensor_size, value, entry};
}

// Writes map entry `record_field` ("features" = 1, "label" = 2) with key "values" up to the start
// of the Float32Tensor's own fields.
void put_entry_headers(std::string& out, int record_field, const EntrySizes& sizes) {
  put_length_delimited_header(out, record_field, sizes.entry);
  put_length_delimited_header(out, 1, 6);
  out.append("values", 6);
  put_length_delimited_header(out, 2, sizes.value);
  put_length_delimited_header(out, 2, sizes.tensor);  // Value field 2 = float32_tensor
}

void put_label(std::string& out, float label) {
  const EntrySizes sizes = entry_sizes(length_delimited_size(sizeof(float)));
  put_entry_headers(out, 2, sizes);
  put_length_delimited_header(out, 1, sizeof(float));
  put_floats(out, {&label, 1});
}

}  // namespace

void encode_dense_record(std::string& payload, std::span<const float> features, float label) {
  payload.clear();
  const std::size_t values_bytes = features.size_bytes();
  const EntrySizes sizes = entry_sizes(values_bytes == 0 ? 0 : length_delimited_size(values_bytes));
  put_entry_headers(payload, 1, sizes);
  if (values_bytes != 0) {
    put_length_delimited_header(payload, 1, values_bytes);
    put_floats(payload, features);
  }
  put_label(payload, label);
}

void encode_sparse_record(std::string& payload, std::span<const std::uint32_t> keys, std::span<const float> values,
                          std::uint64_t feature_dim, float label) {
  payload.clear();
  const std::size_t values_bytes = values.size_bytes();
  std::size_t keys_bytes = 0;
  for (const std::uint32_t key : keys) keys_bytes += varint_size(key);
  const std::size_t shape_bytes = varint_size(feature_dim);
  const std::size_t tensor_size = (values_bytes == 0 ? 0 : length_delimited_size(values_bytes)) +
                                  (keys_bytes == 0 ? 0 : length_delimited_size(keys_bytes)) +
                                  length_delimited_size(shape_bytes);
  put_entry_headers(payload, 1, entry_sizes(tensor_size));
  if (values_bytes != 0) {
    put_length_delimited_header(payload, 1, values_bytes);
    put_floats(payload, values);
  }
  if (keys_bytes != 0) {
    put_length_delimited_header(payload, 2, keys_bytes);
    for (const std::uint32_t key : keys) put_varint(payload, key);
  }
  put_length_delimited_header(payload, 3, shape_bytes);
  put_varint(payload, feature_dim);
  put_label(payload, label);
}

std::string encode_recordio(const Dataset& data, bool sparse, std::size_t begin, std::size_t end) {
  std::string out;
  std::string payload;
  std::vector<float> row;               // sparse data written densely
  std::vector<std::uint32_t> row_keys;  // dense data written sparsely
  std::vector<float> row_values;
  for (std::size_t r = begin; r < end; ++r) {
    const float label = data.labels[r];
    if (data.sparse) {
      const std::size_t from = data.row_ptr[r];
      const std::size_t count = data.row_ptr[r + 1] - from;
      const std::span<const std::uint32_t> keys(data.col_idx.data() + from, count);
      const std::span<const float> values(data.values.data() + from, count);
      if (sparse) {
        encode_sparse_record(payload, keys, values, data.feature_dim, label);
      } else {
        row.assign(data.feature_dim, 0.0f);
        for (std::size_t k = 0; k < count; ++k) row[keys[k]] = values[k];
        encode_dense_record(payload, row, label);
      }
    } else {
      const std::span<const float> features(data.dense.data() + r * data.feature_dim, data.feature_dim);
      if (sparse) {
        row_keys.clear();
        row_values.clear();
        for (std::size_t j = 0; j < features.size(); ++j) {
          if (features[j] == 0.0f) continue;
          row_keys.push_back(static_cast<std::uint32_t>(j));
          row_values.push_back(features[j]);
        }
        encode_sparse_record(payload, row_keys, row_values, data.feature_dim, label);
      } else {
        encode_dense_record(payload, features, label);
      }
    }
    append_recordio_record(out, payload);
  }
  return out;
}

}  // namespace linlearn
