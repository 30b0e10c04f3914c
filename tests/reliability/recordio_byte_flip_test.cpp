// Random byte flips in valid RecordIO files (issue 7): every damaged file either still decodes or
// is refused with an InputError naming the file; nothing else may escape the reader.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "cli/cli_runner.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

void flip_and_parse(const std::string& name, int trials) {
  const std::string original = testing::slurp(std::string(LINLEARN_TEST_DATA_DIR) + "/recordio/" + name);
  ASSERT_FALSE(original.empty()) << name;
  std::mt19937 rng(20240501);
  std::uniform_int_distribution<std::size_t> position(0, original.size() - 1);
  std::uniform_int_distribution<int> flips(1, 4);
  std::uniform_int_distribution<int> byte(0, 255);
  int refused = 0;
  for (int trial = 0; trial < trials; ++trial) {
    std::string damaged = original;
    for (int f = flips(rng); f > 0; --f) damaged[position(rng)] = static_cast<char>(byte(rng));
    Dataset out;
    try {
      parse_recordio(damaged, name, out);
    } catch (const InputError& e) {
      ++refused;
      ASSERT_EQ(std::string(e.what()).rfind(name + ": record ", 0), 0U) << e.what();
    }
  }
  // Flips that land in float values decode fine; many others must be caught.
  EXPECT_GT(refused, trials / 20) << name;
}

TEST(RecordIOByteFlips, DenseFilesDecodeOrFailWithThePlace) {
  for (const char* name : {"dense_float32.recordio", "dense_float64.recordio", "dense_int32.recordio"})
    flip_and_parse(name, 1000);
}

TEST(RecordIOByteFlips, SparseFilesDecodeOrFailWithThePlace) {
  for (const char* name : {"sparse_float32.recordio", "sparse_float64.recordio", "sparse_int32.recordio"})
    flip_and_parse(name, 1000);
}

}  // namespace
}  // namespace linlearn
