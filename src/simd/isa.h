#pragma once
// The vector instruction sets the hot kernels are compiled for, and the one this process runs.
// Every variant computes the same bits (src/simd/kernels.h), so the choice changes speed only.
#include <vector>

namespace linlearn::simd {

// kAvx2 also needs FMA; kAvx512 needs AVX-512 F and VL on top of kAvx2's.
enum class Isa { kBaseline, kAvx2, kAvx512 };

// The best variant this build has that this CPU (and its operating system) runs.
Isa supported_isa();

// supported_isa(), or a lower variant named by the environment variable LINLEARN_ISA (`baseline`,
// `avx2`, `avx512`) to compare variants; a name it does not know, or a variant the CPU lacks, is
// ignored. Read once.
Isa active_isa();

const char* isa_name(Isa isa);

// Every variant this build has that this CPU runs, baseline first.
std::vector<Isa> runnable_isas();

}  // namespace linlearn::simd
