// The baseline variant: the instructions every CPU of the target has (SSE2 on x86-64). Without an
// FMA instruction its multiply-adds are emulated exactly (exact_fma.h), several times slower than
// one instruction, so that this variant computes the same bits as the others.
#include <cstddef>

#if defined(__x86_64__) && !defined(__FMA__)
#include "simd/exact_fma.h"
#endif
#include "simd/kernel_variants.h"
#include "simd/tiles_impl.h"

namespace linlearn::simd {
namespace {

struct BaselineOps {
  typedef float Wide __attribute__((vector_size(4 * sizeof(float))));
  static constexpr std::size_t kDotRows = 2;
  static constexpr std::size_t kDotColumns = 2;
  static constexpr std::size_t kByFeatureRows = 4;
  static constexpr std::size_t kBackwardColumns = 4;

  template <class V>
  static V madd(V a, V b, V c) {
#if defined(__x86_64__) && !defined(__FMA__)
    if constexpr (sizeof(V) == sizeof(float)) {
      return fma_by_double(a, b, c);
    } else {
      // In four-lane pieces (an eight-lane vector is two SSE registers).
      for (std::size_t i = 0; i < sizeof(V); i += sizeof(__m128)) {
        __m128 pa, pb, pc;
        __builtin_memcpy(&pa, reinterpret_cast<const char*>(&a) + i, sizeof pa);
        __builtin_memcpy(&pb, reinterpret_cast<const char*>(&b) + i, sizeof pb);
        __builtin_memcpy(&pc, reinterpret_cast<const char*>(&c) + i, sizeof pc);
        const __m128 r = fma_by_double(pa, pb, pc);
        __builtin_memcpy(reinterpret_cast<char*>(&c) + i, &r, sizeof r);
      }
      return c;
    }
#else
    // The build's own target fuses them (a -march=native build, or AArch64), or libm's fmaf does
    // it exactly.
    if constexpr (sizeof(V) == sizeof(float)) {
      return __builtin_fmaf(a, b, c);
    } else {
      for (std::size_t i = 0; i < kLanesOf<V>; ++i) c[i] = __builtin_fmaf(a[i], b[i], c[i]);
      return c;
    }
#endif
  }
};

}  // namespace

const Kernels& baseline_kernels() {
  static constexpr Kernels kKernels = kernel_table<BaselineOps>(Isa::kBaseline);
  return kKernels;
}

}  // namespace linlearn::simd
