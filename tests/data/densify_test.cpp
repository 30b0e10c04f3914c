#include "linlearn/densify.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace linlearn {
namespace {

TEST(Densify, AQuarterOfTheCellsHoldingAValueIsDenseEnough) {
  // Fashion-MNIST: about half of 784 pixels non-zero.
  EXPECT_TRUE(dense_enough(60000, 60000 * 392.0, 784));
  EXPECT_TRUE(dense_enough(4, 4, 4));
  EXPECT_FALSE(dense_enough(4, 3.99, 4));
  // Wide hashed text: a hundred features a record of 2^20.
  EXPECT_FALSE(dense_enough(1e6, 1e8, std::size_t{1} << 20));
  EXPECT_FALSE(dense_enough(0, 0, 10));
  EXPECT_FALSE(dense_enough(10, 0, 0));
}

TEST(Densify, TheDenseCopyMustFitNextToWhatIsHeld) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  // 1000 x 1024 floats take 4000 KiB.
  EXPECT_TRUE(dense_copy_fits(0, 1000, 1024, 4000 * 1024));
  EXPECT_FALSE(dense_copy_fits(1, 1000, 1024, 4000 * 1024));
  EXPECT_TRUE(dense_copy_fits(4 * kMiB, 1000, 1024, 8 * kMiB));
  // A product past what a size_t holds does not wrap around to fit.
  EXPECT_FALSE(dense_copy_fits(0, std::size_t{1} << 40, std::size_t{1} << 32, 64 * kMiB));
}

}  // namespace
}  // namespace linlearn
