#pragma once
// An allocator for the big float arrays that training reads in shuffled order (the dense store, the
// CSR values). Their rows are visited at random, so with 4 KiB pages nearly every row costs a TLB
// miss; asking the kernel for transparent huge pages (2 MiB) on these blocks removes most of them.
// Small blocks go to the ordinary heap.
#include <algorithm>
#include <cstddef>
#include <new>
#include <vector>

namespace linlearn {

namespace large_pages {
inline constexpr std::size_t kPageBytes = std::size_t{2} << 20;
// Blocks smaller than this stay on the heap: a huge page would waste more than it saves.
inline constexpr std::size_t kMinBlockBytes = 4 * kPageBytes;
void* allocate(std::size_t bytes);
void deallocate(void* p, std::size_t bytes) noexcept;
}  // namespace large_pages

template <class T>
struct LargePageAllocator {
  using value_type = T;
  LargePageAllocator() = default;
  template <class U>
  explicit LargePageAllocator(const LargePageAllocator<U>& /*other*/) {}
  T* allocate(std::size_t n) { return static_cast<T*>(large_pages::allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { large_pages::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const LargePageAllocator<U>& /*other*/) const {
    return true;
  }
};

// The float storage of a Dataset.
using FloatStore = std::vector<float, LargePageAllocator<float>>;

// A store holds the same values as a plain vector (for callers and tests that build one).
template <class T>
bool operator==(const std::vector<T, LargePageAllocator<T>>& store, const std::vector<T>& values) {
  return std::equal(store.begin(), store.end(), values.begin(), values.end());
}

}  // namespace linlearn
