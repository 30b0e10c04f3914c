#include "simd/kernels.h"

#include "simd/kernel_variants.h"

namespace linlearn::simd {

const Kernels& kernels_for(Isa isa) {
#ifdef LINLEARN_X86_VARIANTS
  if (isa == Isa::kAvx512) return avx512_kernels();
  if (isa == Isa::kAvx2) return avx2_kernels();
#endif
  (void)isa;
  return baseline_kernels();
}

const Kernels& kernels() {
  return kernels_for(active_isa());
}

}  // namespace linlearn::simd
