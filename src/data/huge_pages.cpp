#include "linlearn/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>

namespace linlearn {
namespace {

// The synchronous collapse of Linux 6.1 (its uapi value); glibc 2.36's headers do not name it yet.
#ifdef MADV_COLLAPSE
constexpr int kCollapse = MADV_COLLAPSE;
#else
constexpr int kCollapse = 25;
#endif

constexpr std::uintptr_t kHugePage = std::uintptr_t{2} << 20;

}  // namespace

bool back_with_huge_pages(const void* data, std::size_t bytes) {
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (start + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t end = (start + bytes) & ~(kHugePage - 1);
  if (data == nullptr || end <= begin) return false;
  // madvise takes a non-const pointer but changes no contents.
  auto* range = reinterpret_cast<void*>(begin);
  const std::size_t length = end - begin;
  ::madvise(range, length, MADV_HUGEPAGE);
  return ::madvise(range, length, kCollapse) == 0;
}

}  // namespace linlearn
