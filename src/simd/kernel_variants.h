#pragma once
// The tables of the variants this build compiles (kernels_*.cpp), for kernels.cpp.
#include "simd/kernels.h"

namespace linlearn::simd {

const Kernels& baseline_kernels();
#ifdef LINLEARN_X86_VARIANTS
const Kernels& avx2_kernels();
const Kernels& avx512_kernels();
#endif

}  // namespace linlearn::simd
