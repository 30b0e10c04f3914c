#include "linlearn/record_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../io/temp_dir.h"
#include "data/dataset_equality.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using testing::TempDir;

Dataset dense_block(std::size_t rows, std::size_t dim, float base) {
  Dataset block;
  block.feature_dim = dim;
  for (std::size_t r = 0; r < rows; ++r) {
    block.labels.push_back(base + static_cast<float>(r));
    for (std::size_t j = 0; j < dim; ++j) block.dense.push_back(base * 10 + static_cast<float>(r * dim + j) * 0.5f);
  }
  return block;
}

Dataset sparse_block(std::size_t rows, std::size_t dim, float base) {
  Dataset block = dense_block(rows, dim, base);
  for (std::size_t r = 0; r < rows; ++r) block.dense[r * dim + r % dim] = 0.0f;  // some zeros to drop
  block.to_sparse();
  return block;
}

std::string write_cache(const TempDir& dir, const std::vector<Dataset>& blocks) {
  const std::string path = dir.path("c.cache");
  RecordCacheWriter writer = RecordCacheWriter::create(path);
  for (const auto& block : blocks) writer.append(block);
  writer.finish();
  return path;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string open_error(const std::string& path) {
  try {
    RecordCache::open(path);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no InputError";
}

TEST(RecordCacheTest, DenseBlocksRoundTrip) {
  TempDir dir;
  const std::vector<Dataset> blocks = {dense_block(5, 3, 1), dense_block(1, 3, 2), dense_block(7, 3, 3)};
  const RecordCache cache = RecordCache::open(write_cache(dir, blocks));
  EXPECT_EQ(cache.blocks(), 3u);
  EXPECT_EQ(cache.records(), 13u);
  EXPECT_EQ(cache.feature_dim(), 3u);
  EXPECT_FALSE(cache.sparse());
  // In any order: each read touches only its block.
  for (std::size_t i : {2u, 0u, 1u}) testing::expect_same_records(cache.read_block(i), blocks[i]);
}

TEST(RecordCacheTest, SparseBlocksRoundTripWithTheLargestFeatureDim) {
  TempDir dir;
  std::vector<Dataset> blocks = {sparse_block(4, 5, 1), sparse_block(6, 9, 2)};
  const RecordCache cache = RecordCache::open(write_cache(dir, blocks));
  EXPECT_TRUE(cache.sparse());
  EXPECT_EQ(cache.feature_dim(), 9u);
  blocks[0].feature_dim = 9;
  testing::expect_same_records(cache.read_block(0), blocks[0]);
  testing::expect_same_records(cache.read_block(1), blocks[1]);
}

TEST(RecordCacheTest, DenseBlocksOfACacheWithSparseOnesComeBackAsCsr) {
  TempDir dir;
  const RecordCache cache = RecordCache::open(write_cache(dir, {dense_block(3, 4, 1), sparse_block(2, 6, 2)}));
  Dataset expected = dense_block(3, 4, 1);
  expected.to_sparse();
  expected.feature_dim = 6;
  testing::expect_same_records(cache.read_block(0), expected);
}

TEST(RecordCacheTest, DenseBlocksOfAnotherWidthAreRefused) {
  TempDir dir;
  RecordCacheWriter writer = RecordCacheWriter::create(dir.path("c.cache"));
  writer.append(dense_block(2, 3, 1));
  EXPECT_THROW(writer.append(dense_block(2, 4, 1)), InputError);
}

TEST(RecordCacheTest, TruncatedOrUnfinishedCachesAreInputErrorsNamingThePath) {
  TempDir dir;
  const std::string path = write_cache(dir, {dense_block(5, 3, 1), dense_block(5, 3, 2)});
  const std::string bytes = read_bytes(path);
  for (const std::size_t keep : {bytes.size() - 1, bytes.size() - 40, std::size_t{20}, std::size_t{3}}) {
    write_bytes(path, bytes.substr(0, keep));
    EXPECT_EQ(open_error(path).rfind(path + ": ", 0), 0u) << keep;
  }
  {
    RecordCacheWriter unfinished = RecordCacheWriter::create(path);
    unfinished.append(dense_block(5, 3, 1));
  }
  EXPECT_NE(open_error(path).find("no index footer"), std::string::npos);
  EXPECT_NE(open_error(dir.path("missing.cache")), "no InputError");
}

TEST(RecordCacheTest, BadMagicVersionAndIndexAreInputErrors) {
  TempDir dir;
  const std::string path = write_cache(dir, {sparse_block(5, 3, 1)});
  const std::string good = read_bytes(path);
  std::string bad = good;
  bad[0] = 'X';
  write_bytes(path, bad);
  EXPECT_NE(open_error(path).find("bad magic"), std::string::npos);
  bad = good;
  bad[8] = 9;
  write_bytes(path, bad);
  EXPECT_NE(open_error(path).find("version 9"), std::string::npos);
  bad = good;
  bad[bad.size() - 40] ^= 1;  // inside the index
  write_bytes(path, bad);
  EXPECT_NE(open_error(path).find("corrupt record cache"), std::string::npos);
}

TEST(RecordCacheTest, ADamagedBlockFailsItsChecksumWhenRead) {
  TempDir dir;
  const std::string path = write_cache(dir, {dense_block(5, 3, 1), dense_block(5, 3, 2)});
  std::string bytes = read_bytes(path);
  bytes[16 + 5 * 4 + 7] ^= 0x10;  // a feature of block 0
  write_bytes(path, bytes);
  const RecordCache cache = RecordCache::open(path);
  EXPECT_NO_THROW(cache.read_block(1));
  try {
    cache.read_block(0);
    FAIL() << "no InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("block 0 does not match its checksum"), std::string::npos);
  }
}

}  // namespace
}  // namespace linlearn
