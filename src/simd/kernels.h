#pragma once
// The hot dense kernels, compiled once per instruction set (isa.h) and called through the table of
// the one this CPU runs best. Every variant computes the same bits: the sums of each output run in
// the same order, dot products in the same eight lanes added in the same tree, and each step is
// either a fused multiply-add (training tiles: one rounding, emulated exactly where the CPU has no
// FMA) or a multiply then an add (scoring) in every variant alike. The rest of the project is
// built with -ffp-contract=off, so that no compiler fuses a multiply and an add on its own.
#include <cstddef>

#include "simd/isa.h"

namespace linlearn::simd {

struct Kernels {
  Isa isa;
  // margins[r * columns + c] = rows[r] . columns_t[c * dim ...]: per output eight lanes of FMAs over
  // j mod 8, added in a fixed tree, then the features past the last multiple of 8, in order.
  void (*forward)(const float* const* rows, std::size_t row_count, std::size_t dim, const float* columns_t,
                  std::size_t columns, float* margins);
  // The same margins from weights stored by feature (dim x columns), each a chain of FMAs over the
  // features in order; columns is a multiple of 8.
  void (*forward_by_feature)(const float* const* rows, std::size_t row_count, std::size_t dim, const float* by_feature,
                             std::size_t columns, float* margins);
  // partial_t[c * dim + j] = FMAs of g[r * columns + c] * rows[r][j] over the rows in order, from 0.
  void (*backward)(const float* const* rows, std::size_t row_count, std::size_t dim, const float* g,
                   std::size_t columns, float* partial_t);
  // x . w in eight running sums over j mod 8 (a multiply, then an add), added in a fixed tree.
  float (*dot)(const float* x, const float* w, std::size_t dim);
};

// The variant of active_isa().
const Kernels& kernels();
// The variant of `isa`, which must be one of runnable_isas() (for tests that compare them).
const Kernels& kernels_for(Isa isa);

}  // namespace linlearn::simd
