#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "io/recordio_test_helpers.h"
#include "linlearn/dataset.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"
#include "record.pb.h"

namespace linlearn {
namespace {

using namespace linlearn::testing;

const std::string kDenseFrame = from_hex(
    "0a23d7ce 2c000000 0a160a0676616c756573120c120a0a080000803f0000004012120a0676616c756573120812060a040000803f");
const std::string kSparseFrame = from_hex(
    "0a23d7ce 33000000 0a1d0a0676616c75657312131211 0a080000803f00000040 12020103 1a0104 "
    "12120a0676616c756573120812060a0400000000 00");

Dataset parse(const std::string& bytes) {
  Dataset data;
  parse_recordio(bytes, "d.rec", data);
  return data;
}

std::string error_of(const std::string& bytes) {
  try {
    parse(bytes);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string dense_features(const std::vector<float>& values) {
  return values_entry(1, 2, len_field(1, packed_floats(values)));
}

TEST(RecordioReader, DecodesSageMakerDenseRecord) {
  const Dataset data = parse(kDenseFrame);
  EXPECT_FALSE(data.sparse);
  EXPECT_EQ(data.feature_dim, 2u);
  EXPECT_EQ(data.dense, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(data.labels, std::vector<float>{1.0f});
  EXPECT_EQ(data.files, std::vector<std::string>{"d.rec"});
}

TEST(RecordioReader, DecodesSageMakerSparseRecord) {
  const Dataset data = parse(kSparseFrame);
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.feature_dim, 4u);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 2}));
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1, 3}));
  EXPECT_EQ(data.values, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(data.labels, std::vector<float>{0.0f});
}

TEST(RecordioReader, DecodesFloat64AndInt32Tensors) {
  const std::string f64 = len_field(1, std::string("\0\0\0\0\0\0\xf8?", 8) + std::string("\0\0\0\0\0\0\x04\xc0", 8));
  const std::string i32 = len_field(1, varint(7) + varint(static_cast<std::uint64_t>(-2)));
  const Dataset data =
      parse(frame({values_entry(1, 3, f64) + values_entry(2, 7, len_field(1, varint(1))),
                   values_entry(1, 7, i32) + values_entry(2, 3, len_field(1, std::string("\0\0\0\0\0\0\0\0", 8)))}));
  EXPECT_EQ(data.dense, (std::vector<float>{1.5f, -2.5f, 7.0f, -2.0f}));
  EXPECT_EQ(data.labels, (std::vector<float>{1.0f, 0.0f}));
}

TEST(RecordioReader, DecodesUnpackedRepeatedFields) {
  const std::string tensor =
      fixed32_field(1, 3.0f) + varint_field(2, 5) + fixed32_field(1, 4.0f) + varint_field(2, 9) + varint_field(3, 10);
  const std::string f64 = fixed64_field(1, 0.25) + fixed64_field(1, 0.5);
  const std::string i32 = varint_field(1, 3);
  const Dataset data =
      parse(frame({values_entry(1, 2, tensor) + values_entry(2, 7, i32),
                   values_entry(1, 3, f64 + len_field(2, varint(2)) + varint_field(2, 1) + varint_field(3, 10)) +
                       float_label(1.0f)}));
  ASSERT_TRUE(data.sparse);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{5, 9, 1, 2}));  // the second row sorted by key
  EXPECT_EQ(data.values, (std::vector<float>{3.0f, 4.0f, 0.5f, 0.25f}));
  EXPECT_EQ(data.labels, (std::vector<float>{3.0f, 1.0f}));
}

TEST(RecordioReader, SkipsUnknownFieldsAndTakesMapEntriesInAnyOrder) {
  const std::string tensor = varint_field(9, 1) + len_field(1, packed_floats({1, 2})) + fixed64_field(12, 0.0);
  // Value first, then the key; an unknown field in the entry and in the Value.
  const std::string entry =
      len_field(2, varint_field(20, 3) + len_field(2, tensor)) + fixed32_field(5, 1.0f) + len_field(1, "values");
  const std::string other = len_field(1, len_field(1, "other") + len_field(2, len_field(9, len_field(1, "x"))));
  const std::string payload = len_field(3, "uid-1") + other + len_field(1, entry) + len_field(4, "meta") +
                              float_label(2.0f) + len_field(5, "conf") + varint_field(100, 5) + fixed64_field(101, 1.0);
  const Dataset data = parse(frame({payload}));
  EXPECT_EQ(data.dense, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(data.labels, std::vector<float>{2.0f});
}

TEST(RecordioReader, EmptySparseRowFromTheSdkIsSparse) {
  // No values, no keys, only the shape: how the SDK writes a row without nonzeros.
  const Dataset data = parse(frame({values_entry(1, 2, len_field(3, varint(4))) + float_label(1.0f)}) + kSparseFrame);
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.feature_dim, 4u);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 0, 2}));
}

TEST(RecordioReader, EmptyValuesAndKeysFieldsMakeAnEmptySparseRow) {
  // Present but empty packed fields, as the first record (found by the RecordIO fuzzer: the store
  // had no values yet, so the copy of zero values went to a null pointer).
  const std::string tensor = len_field(1, "") + len_field(2, "") + len_field(3, varint(4));
  const Dataset data = parse(frame({values_entry(1, 2, tensor) + float_label(1.0f)}) + kSparseFrame);
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 0, 2}));
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0}));
}

TEST(RecordioReader, MixedDenseAndSparseRecordsBecomeSparse) {
  const Dataset data = parse(frame({dense_features({0, 5, 0, 6}) + float_label(1.0f)}) + kSparseFrame +
                             frame({dense_features({7, 0, 0, 0}) + float_label(0.0f)}));
  ASSERT_TRUE(data.sparse);
  EXPECT_EQ(data.feature_dim, 4u);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 2, 4, 5}));
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1, 3, 1, 3, 0}));
  EXPECT_EQ(data.values, (std::vector<float>{5, 6, 1, 2, 7}));
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0, 0}));
}

TEST(RecordioReader, SplitRecordsDecode) {
  // 0xCED7230A as a float, 4-aligned in the payload: the writer splits the record there.
  float magic_float;
  const std::uint32_t magic = kRecordIOMagic;
  std::memcpy(&magic_float, &magic, 4);
  std::string payload;
  encode_dense_record(payload, std::vector<float>{1.0f, 2.0f, magic_float, 3.0f, magic_float, 4.0f}, 1.0f);
  std::string bytes;
  append_recordio_record(bytes, payload);
  ASSERT_GT(bytes.size(), payload.size() + 8);  // it was split
  bytes += frame({dense_features({1, 2, 3, 4, 5, 6}) + float_label(0.0f)});
  const Dataset data = parse(bytes);
  ASSERT_EQ(data.rows(), 2u);
  EXPECT_EQ(data.at(0, 2), magic_float);
  EXPECT_EQ(data.at(0, 5), 4.0f);
  EXPECT_EQ(data.at(1, 5), 6.0f);
}

TEST(RecordioReader, ErrorsNameFileRecordAndByte) {
  const std::string good = kDenseFrame;  // 52 bytes: the second record starts at byte 52
  const auto second = [&](const std::string& payload) { return error_of(good + frame({payload})); };
  EXPECT_EQ(second(std::string("\x0a\x05", 2)),
            "d.rec: record 1 at byte 52: malformed protobuf: field of 5 bytes runs past the end of its message "
            "(0 bytes left)");
  EXPECT_EQ(second(std::string("\x08\x80", 2)), "d.rec: record 1 at byte 52: malformed protobuf: truncated varint");
  EXPECT_EQ(second(std::string("\x0b", 1)), "d.rec: record 1 at byte 52: malformed protobuf: unsupported wire type 3");
  EXPECT_EQ(second(float_label(1.0f)), "d.rec: record 1 at byte 52: no features[\"values\"] tensor");
  EXPECT_EQ(second(dense_features({1, 2})),
            "d.rec: record 1 at byte 52: no label[\"values\"]: every record needs a label");
  EXPECT_EQ(second(dense_features({1, 2}) + values_entry(2, 2, len_field(1, packed_floats({1, 2})))),
            "d.rec: record 1 at byte 52: label[\"values\"] holds 2 values, expected 1");
  EXPECT_EQ(second(dense_features({1, 2}) + values_entry(2, 2, "")),
            "d.rec: record 1 at byte 52: label[\"values\"] holds 0 values, expected 1");
  EXPECT_EQ(second(values_entry(1, 9, len_field(1, "abc")) + float_label(1.0f)),
            "d.rec: record 1 at byte 52: features[\"values\"] holds Bytes, expected a Float32Tensor, "
            "Float64Tensor or Int32Tensor");
  EXPECT_EQ(second(len_field(1, len_field(1, "values")) + float_label(1.0f)),
            "d.rec: record 1 at byte 52: features[\"values\"] holds nothing, expected a Float32Tensor, "
            "Float64Tensor or Int32Tensor");
  EXPECT_EQ(second(dense_features({1, 2, 3}) + float_label(1.0f)),
            "d.rec: record 1 at byte 52: dense record with feature_dim 3, but the earlier records have 2");
  EXPECT_EQ(
      second(values_entry(1, 2, len_field(1, packed_floats({1})) + len_field(2, varint(4)) + len_field(3, varint(2))) +
             float_label(1.0f)),
      "d.rec: record 1 at byte 52: sparse key 4 is >= shape [2]");
  EXPECT_EQ(second(values_entry(1, 2, len_field(1, packed_floats({1})) + len_field(2, varint(1))) + float_label(1.0f)),
            "d.rec: record 1 at byte 52: sparse record (1 keys) has no shape, expected shape = [feature_dim]");
  EXPECT_EQ(second(values_entry(
                       1, 2, len_field(1, packed_floats({1, 2})) + len_field(2, varint(1)) + len_field(3, varint(2))) +
                   float_label(1.0f)),
            "d.rec: record 1 at byte 52: sparse record has 1 keys but 2 values");
  EXPECT_EQ(
      second(values_entry(1, 2, len_field(1, packed_floats({1})) + len_field(2, varint(1)) + len_field(3, varint(3))) +
             float_label(1.0f)),
      "d.rec: record 1 at byte 52: sparse record with feature_dim 3, but the earlier records have 2");
  EXPECT_EQ(second(dense_features({1, std::numeric_limits<float>::quiet_NaN()}) + float_label(1.0f)),
            "d.rec: record 1 at byte 52: feature value 1 (nan) is not a finite float32 (NaN, infinity or beyond "
            "+-3.4e38)");
  EXPECT_EQ(second(dense_features({1, 2}) + float_label(std::numeric_limits<float>::infinity())),
            "d.rec: record 1 at byte 52: the label is not a finite float32 (NaN, infinity or beyond +-3.4e38)");
  EXPECT_EQ(second(values_entry(1, 3, fixed64_field(1, 1e300) + fixed64_field(1, 1.0)) + float_label(1.0f)),
            "d.rec: record 1 at byte 52: feature value 0 (inf) is not a finite float32 (NaN, infinity or beyond "
            "+-3.4e38)");
  // The reading of the frames reports framing errors the same way.
  EXPECT_EQ(error_of(good + from_hex("0a23d7ce 00000040")),
            "d.rec: record 1 at byte 52: frame flag 2 (middle part) without a first part");
}

// A random record built with the generated classes, and what the direct decoder must make of it.
struct RandomRecord {
  std::string payload;
  std::vector<float> dense;         // when dense
  std::vector<std::uint32_t> keys;  // when sparse
  std::vector<float> values;
  std::uint64_t shape = 0;
  bool sparse = false;
  float label = 0;
};

RandomRecord random_record(std::mt19937& rng) {
  std::uniform_int_distribution<int> pick(0, 2);
  std::uniform_int_distribution<int> small(-50, 50);
  aialgs::data::Record record;
  RandomRecord expected;
  expected.sparse = pick(rng) == 0;
  const int width = std::uniform_int_distribution<int>(0, 12)(rng);
  std::vector<float> values;
  std::vector<std::uint64_t> keys;
  for (int j = 0; j < width; ++j) {
    if (expected.sparse && pick(rng) == 0) continue;
    keys.push_back(static_cast<std::uint64_t>(j) * 1000);
    values.push_back(static_cast<float>(small(rng)) / 4.0f);
  }
  if (expected.sparse && keys.empty()) {
    keys.push_back(0);
    values.push_back(1.0f);
  }
  aialgs::data::Value& features = (*record.mutable_features())["values"];
  const auto fill = [&](auto* tensor, auto cast) {
    for (const float v : values) tensor->add_values(cast(v));
    if (expected.sparse) {
      for (const auto k : keys) tensor->add_keys(k);
      tensor->add_shape(12000);
    }
  };
  switch (pick(rng)) {
    case 0:
      fill(features.mutable_float32_tensor(), [](float v) { return v; });
      break;
    case 1:
      fill(features.mutable_float64_tensor(), [](float v) { return static_cast<double>(v); });
      break;
    default:
      for (float& v : values) v = std::round(v);
      fill(features.mutable_int32_tensor(), [](float v) { return static_cast<std::int32_t>(v); });
      break;
  }
  expected.label = static_cast<float>(pick(rng));
  aialgs::data::Value& label = (*record.mutable_label())["values"];
  switch (pick(rng)) {
    case 0:
      label.mutable_float32_tensor()->add_values(expected.label);
      break;
    case 1:
      label.mutable_float64_tensor()->add_values(expected.label);
      break;
    default:
      label.mutable_int32_tensor()->add_values(static_cast<std::int32_t>(expected.label));
      break;
  }
  if (pick(rng) == 0) record.set_uid("uid");
  if (pick(rng) == 0) (*record.mutable_features())["extra"].mutable_bytes()->add_value("raw");
  if (pick(rng) == 0) (*record.mutable_label())["weight"].mutable_float32_tensor()->add_values(2.0f);
  if (expected.sparse) {
    expected.keys.assign(keys.begin(), keys.end());
    expected.values = values;
    expected.shape = 12000;
  } else {
    expected.dense = values;
  }
  record.SerializeToString(&expected.payload);
  return expected;
}

TEST(RecordioReader, AgreesWithTheGeneratedProtobufParser) {
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    const RandomRecord expected = random_record(rng);
    aialgs::data::Record reference;
    ASSERT_TRUE(reference.ParseFromString(expected.payload));
    const Dataset data = parse(frame({expected.payload}));
    ASSERT_EQ(data.rows(), 1u);
    ASSERT_EQ(data.sparse, expected.sparse);
    EXPECT_EQ(data.labels[0], expected.label);
    const auto& tensor = reference.features().at("values");
    if (expected.sparse) {
      EXPECT_EQ(data.feature_dim, expected.shape);
      EXPECT_EQ(data.col_idx, expected.keys);
      EXPECT_EQ(data.values, expected.values);
      if (tensor.has_float32_tensor()) {
        const auto& f32 = tensor.float32_tensor().values();
        EXPECT_EQ(std::vector<float>(f32.begin(), f32.end()), data.values);
      }
    } else {
      EXPECT_EQ(data.feature_dim, expected.dense.size());
      EXPECT_EQ(data.dense, expected.dense);
      if (tensor.has_float64_tensor()) {
        const auto& f64 = tensor.float64_tensor().values();
        EXPECT_EQ(std::vector<float>(f64.begin(), f64.end()), data.dense);
      }
    }
  }
}

TEST(RecordioReader, RandomByteFlipsNeverCrash) {
  std::mt19937 rng(11);
  std::string clean;
  for (int i = 0; i < 6; ++i) clean += frame({random_record(rng).payload});
  clean += kSparseFrame;
  int failures = 0;
  for (int trial = 0; trial < 600; ++trial) {
    std::string bytes = clean;
    const int flips = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng);
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << std::uniform_int_distribution<int>(0, 7)(rng)));
    }
    if (trial % 10 == 0) bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size())(rng));
    try {
      const Dataset data = parse(bytes);
      if (data.sparse) {
        EXPECT_EQ(data.row_ptr.size(), data.rows() + 1);
        EXPECT_EQ(data.col_idx.size(), data.values.size());
      } else {
        EXPECT_EQ(data.dense.size(), data.rows() * data.feature_dim);
      }
    } catch (const InputError& e) {
      ++failures;
      EXPECT_EQ(std::string(e.what()).rfind("d.rec: record ", 0), 0u) << e.what();
    }
  }
  EXPECT_GT(failures, 100);  // most mutations are caught
}

}  // namespace
}  // namespace linlearn
