#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/recordio_test_helpers.h"
#include "linlearn/dataset.h"
#include "linlearn/recordio.h"
#include "record.pb.h"

namespace linlearn {
namespace {

using testing::from_hex;
using testing::to_hex;

// The frames SageMaker's Python SDK writes for these records (write_numpy_to_dense_tensor and
// write_spmatrix_to_sparse_tensor with float32 arrays).
const std::string kDenseFrame = from_hex(
    "0a23d7ce 2c000000 0a160a0676616c756573120c120a0a080000803f0000004012120a0676616c756573120812060a040000803f");
const std::string kSparseFrame = from_hex(
    "0a23d7ce 33000000 0a1d0a0676616c75657312131211 0a080000803f00000040 12020103 1a0104 "
    "12120a0676616c756573120812060a0400000000 00");

TEST(RecordioWriter, DenseRecordMatchesSageMakerSdk) {
  std::string payload;
  const std::vector<float> features{1.0f, 2.0f};
  encode_dense_record(payload, features, 1.0f);
  std::string out;
  append_recordio_record(out, payload);
  EXPECT_EQ(to_hex(out), to_hex(kDenseFrame));
}

TEST(RecordioWriter, SparseRecordMatchesSageMakerSdk) {
  std::string payload;
  const std::vector<std::uint32_t> keys{1, 3};
  const std::vector<float> values{1.0f, 2.0f};
  encode_sparse_record(payload, keys, values, 4, 0.0f);
  std::string out;
  append_recordio_record(out, payload);
  EXPECT_EQ(to_hex(out), to_hex(kSparseFrame));
}

TEST(RecordioWriter, DatasetIsWrittenDenseOrSparse) {
  Dataset data;
  data.feature_dim = 4;
  data.dense = {0, 1, 0, 2, 5, 6, 7, 8};
  data.labels = {0.0f, 1.0f};
  // Written sparsely, the zeros of the first row are dropped: the SDK's sparse vector.
  EXPECT_EQ(to_hex(encode_recordio(data, true, 0, 1)), to_hex(kSparseFrame));
  Dataset narrow;
  narrow.feature_dim = 2;
  narrow.dense = {3, 4, 1, 2};
  narrow.labels = {0.0f, 1.0f};
  EXPECT_EQ(to_hex(encode_recordio(narrow, false, 1, 2)), to_hex(kDenseFrame));

  Dataset csr;
  csr.sparse = true;
  csr.feature_dim = 4;
  csr.row_ptr = {0, 2};
  csr.col_idx = {1, 3};
  csr.values = {1.0f, 2.0f};
  csr.labels = {0.0f};
  EXPECT_EQ(to_hex(encode_recordio(csr, true, 0, 1)), to_hex(kSparseFrame));
  // Sparse data written densely fills in the zeros.
  std::string payload;
  encode_dense_record(payload, std::vector<float>{0, 1, 0, 2}, 0.0f);
  std::string expected;
  append_recordio_record(expected, payload);
  EXPECT_EQ(to_hex(encode_recordio(csr, false, 0, 1)), to_hex(expected));
}

TEST(RecordioWriter, EmptySparseRowKeepsShape) {
  std::string payload;
  encode_sparse_record(payload, {}, {}, 300, 1.0f);
  aialgs::data::Record record;
  ASSERT_TRUE(record.ParseFromString(payload));
  const auto& tensor = record.features().at("values").float32_tensor();
  EXPECT_EQ(tensor.values_size(), 0);
  EXPECT_EQ(tensor.keys_size(), 0);
  ASSERT_EQ(tensor.shape_size(), 1);
  EXPECT_EQ(tensor.shape(0), 300u);
}

TEST(RecordioWriter, ProtobufReadsWhatWeWrite) {
  std::string payload;
  const std::vector<float> features{0.5f, -3.25f, 1e30f};
  encode_dense_record(payload, features, 7.0f);
  aialgs::data::Record record;
  ASSERT_TRUE(record.ParseFromString(payload));
  const auto& values = record.features().at("values").float32_tensor().values();
  EXPECT_EQ(std::vector<float>(values.begin(), values.end()), features);
  EXPECT_EQ(record.label().at("values").float32_tensor().values(0), 7.0f);
  // Protobuf's own serializer gives the same bytes.
  std::string reserialized;
  ASSERT_TRUE(record.SerializeToString(&reserialized));
  EXPECT_EQ(to_hex(reserialized), to_hex(payload));

  const std::vector<std::uint32_t> keys{0, 200, 70000};
  const std::vector<float> sparse_values{1, 2, 3};
  encode_sparse_record(payload, keys, sparse_values, 1u << 20, -1.5f);
  ASSERT_TRUE(record.ParseFromString(payload));
  const auto& tensor = record.features().at("values").float32_tensor();
  EXPECT_EQ(std::vector<std::uint64_t>(tensor.keys().begin(), tensor.keys().end()),
            (std::vector<std::uint64_t>{0, 200, 70000}));
  EXPECT_EQ(tensor.shape(0), 1u << 20);
  EXPECT_EQ(record.label().at("values").float32_tensor().values(0), -1.5f);
}

}  // namespace
}  // namespace linlearn
