// Reads the files scripts/sagemaker_sdk_records.py writes the way SageMaker's Python SDK does:
// every tensor type, dense and sparse, the same data in each.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

Dataset read_sdk_file(const std::string& name) {
  const std::string path = std::string(LINLEARN_TEST_DATA_DIR) + "/recordio/" + name;
  Dataset data;
  parse_recordio(read_file_bytes(path), path, data);
  return data;
}

class RecordioSdkFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(RecordioSdkFiles, DenseFileHoldsTheScriptsData) {
  const Dataset data = read_sdk_file("dense_" + GetParam() + ".recordio");
  EXPECT_FALSE(data.sparse);
  EXPECT_EQ(data.feature_dim, 3u);
  EXPECT_EQ(data.dense, (std::vector<float>{1, -2, 0, 0, 3, 4, -5, 0, 6}));
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0, 2}));
}

TEST_P(RecordioSdkFiles, SparseFileHoldsTheScriptsData) {
  const Dataset data = read_sdk_file("sparse_" + GetParam() + ".recordio");
  ASSERT_TRUE(data.sparse);
  EXPECT_EQ(data.feature_dim, 5u);
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 2, 2, 3, 6}));
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{0, 3, 4, 1, 2, 4}));
  EXPECT_EQ(data.values, (std::vector<float>{1, -2, 7, 3, -4, 5}));
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0, 2, 1}));
}

INSTANTIATE_TEST_SUITE_P(TensorTypes, RecordioSdkFiles, ::testing::Values("float32", "float64", "int32"));

}  // namespace
}  // namespace linlearn
