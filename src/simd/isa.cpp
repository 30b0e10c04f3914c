#include "simd/isa.h"

#include <cstdlib>
#include <string_view>

namespace linlearn::simd {
namespace {

// Reads LINLEARN_ISA; `fallback` when unset or unknown.
Isa requested_isa(Isa fallback) {
  const char* value = std::getenv("LINLEARN_ISA");
  if (value == nullptr) return fallback;
  for (const Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512})
    if (std::string_view(value) == isa_name(isa)) return isa;
  return fallback;
}

}  // namespace

Isa supported_isa() {
#ifdef LINLEARN_X86_VARIANTS
  // GCC's and Clang's checks also ask the operating system whether it saves the wider registers.
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return Isa::kBaseline;
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vl")) return Isa::kAvx2;
  return Isa::kAvx512;
#else
  return Isa::kBaseline;
#endif
}

Isa active_isa() {
  // Chosen once: the CPU does not change under a process, and every kernel call asks.
  static const Isa chosen = [] {
    const Isa best = supported_isa();
    const Isa requested = requested_isa(best);
    return requested < best ? requested : best;
  }();
  return chosen;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kBaseline:
      break;
  }
  return "baseline";
}

std::vector<Isa> runnable_isas() {
  std::vector<Isa> isas;
  for (const Isa isa : {Isa::kBaseline, Isa::kAvx2, Isa::kAvx512})
    if (isa <= supported_isa()) isas.push_back(isa);
  return isas;
}

}  // namespace linlearn::simd
