// The AVX2 + FMA variant (compiled with -mavx2 -mfma, run where isa.cpp finds both): eight-lane
// vectors, sixteen registers.
#ifdef LINLEARN_X86_VARIANTS
#include <immintrin.h>

#include <cstddef>

#include "simd/kernel_variants.h"
#include "simd/tiles_impl.h"

namespace linlearn::simd {
namespace {

struct Avx2Ops {
  using Wide = Vec8;
  static constexpr std::size_t kDotRows = 4;
  static constexpr std::size_t kDotColumns = 2;
  static constexpr std::size_t kByFeatureRows = 6;
  static constexpr std::size_t kBackwardColumns = 4;

  static float madd(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
  static Vec8 madd(Vec8 a, Vec8 b, Vec8 c) {
    return reinterpret_cast<Vec8>(
        _mm256_fmadd_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b), reinterpret_cast<__m256>(c)));
  }
};

}  // namespace

const Kernels& avx2_kernels() {
  static constexpr Kernels kKernels = kernel_table<Avx2Ops>(Isa::kAvx2);
  return kKernels;
}

}  // namespace linlearn::simd
#endif
