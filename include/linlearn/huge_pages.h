#pragma once
// Transparent huge pages for memory that is read in shuffled order.
#include <cstddef>

namespace linlearn {

// Asks Linux to back the 2 MiB-aligned part of [data, data + bytes) with huge pages: now where the
// kernel can (MADV_COLLAPSE, Linux 6.1+), else as a hint for later (MADV_HUGEPAGE). With 4 KiB
// pages nearly every record of a shuffled epoch costs a TLB miss (a nested page walk under
// virtualization), which stalls the kernel's row streams more than the memory traffic does.
// Returns whether the range was collapsed now; a refusal changes speed only, never contents.
bool back_with_huge_pages(const void* data, std::size_t bytes);

}  // namespace linlearn
