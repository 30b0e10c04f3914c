#include "linlearn/large_page_allocator.h"

#include <sys/mman.h>

#include <cstdlib>

namespace linlearn::large_pages {

void* allocate(std::size_t bytes) {
  if (bytes < kMinBlockBytes) return ::operator new(bytes);
  const std::size_t rounded = (bytes + kPageBytes - 1) / kPageBytes * kPageBytes;
  void* p = std::aligned_alloc(kPageBytes, rounded);
  if (p == nullptr) throw std::bad_alloc();
  // Advice only: where huge pages are off or scarce the block simply keeps small pages.
  ::madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

void deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes < kMinBlockBytes) {
    ::operator delete(p);
  } else {
    std::free(p);
  }
}

}  // namespace linlearn::large_pages
