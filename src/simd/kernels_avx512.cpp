// The AVX-512 variant (compiled with -mavx512f -mavx512vl -mavx2 -mfma, run where isa.cpp finds
// them): sixteen-lane vectors where the lanes are independent sums (weights by feature, the
// backward pass), eight-lane ones for dot products, thirty-two registers.
#ifdef LINLEARN_X86_VARIANTS
#include <immintrin.h>

#include <cstddef>

#include "simd/kernel_variants.h"
#include "simd/tiles_impl.h"

namespace linlearn::simd {
namespace {

struct Avx512Ops {
  typedef float Wide __attribute__((vector_size(16 * sizeof(float))));
  static constexpr std::size_t kDotRows = 4;
  static constexpr std::size_t kDotColumns = 4;
  static constexpr std::size_t kByFeatureRows = 8;
  static constexpr std::size_t kBackwardColumns = 8;

  static float madd(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
  static Vec8 madd(Vec8 a, Vec8 b, Vec8 c) {
    return reinterpret_cast<Vec8>(
        _mm256_fmadd_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b), reinterpret_cast<__m256>(c)));
  }
  static Wide madd(Wide a, Wide b, Wide c) {
    return reinterpret_cast<Wide>(
        _mm512_fmadd_ps(reinterpret_cast<__m512>(a), reinterpret_cast<__m512>(b), reinterpret_cast<__m512>(c)));
  }
};

}  // namespace

const Kernels& avx512_kernels() {
  static constexpr Kernels kKernels = kernel_table<Avx512Ops>(Isa::kAvx512);
  return kKernels;
}

}  // namespace linlearn::simd
#endif
