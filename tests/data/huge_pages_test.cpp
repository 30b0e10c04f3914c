#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "linlearn/huge_pages.h"

namespace linlearn {
namespace {

std::vector<std::uint32_t> pattern(std::size_t n) {
  std::vector<std::uint32_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint32_t>(i * 2654435761U);
  return v;
}

TEST(HugePages, MovingAStoreKeepsEveryValue) {
  // 10 MB at whatever alignment the allocator gives: at least three whole 2 MiB pages inside, and
  // partial pages at both ends that must stay where they are.
  const std::size_t n = (std::size_t{10} << 20) / sizeof(std::uint32_t) + 123;
  std::vector<std::uint32_t> store = pattern(n);
  back_with_huge_pages(store.data(), n * sizeof(std::uint32_t));
  EXPECT_EQ(store, pattern(n));
  // And the store stays writable.
  store[n / 2] = 7;
  EXPECT_EQ(store[n / 2], 7U);
}

TEST(HugePages, RangesWithoutAWholeHugePageAreLeftAlone) {
  EXPECT_FALSE(back_with_huge_pages(nullptr, std::size_t{64} << 20));
  std::vector<std::uint32_t> small = pattern(1000);
  EXPECT_FALSE(back_with_huge_pages(small.data(), small.size() * sizeof(std::uint32_t)));
  EXPECT_EQ(small, pattern(1000));
}

}  // namespace
}  // namespace linlearn
