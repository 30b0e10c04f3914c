// Every kernel variant this CPU runs computes the same bits as the baseline on the same inputs, so
// model bytes do not depend on the CPU that trains or scores.
#include "simd/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "linlearn/random.h"
#include "train/tile_problem.h"

#if defined(__x86_64__)
#include "simd/exact_fma.h"
#endif

namespace linlearn::simd {
namespace {

struct Outputs {
  std::vector<float> forward, by_feature, backward, dot;
};

Outputs run(const Kernels& k, const testing::TileProblem& in, std::size_t row_count, std::size_t dim,
            std::size_t columns) {
  Outputs out;
  out.forward.resize(row_count * columns);
  k.forward(in.row_pointers.data(), row_count, dim, in.columns_t.data(), columns, out.forward.data());
  if (columns % 8 == 0) {
    out.by_feature.resize(row_count * columns);
    k.forward_by_feature(in.row_pointers.data(), row_count, dim, in.by_feature.data(), columns, out.by_feature.data());
  }
  out.backward.assign(columns * dim, 0.5F);
  k.backward(in.row_pointers.data(), row_count, dim, in.g.data(), columns, out.backward.data());
  for (std::size_t r = 0; r < row_count; ++r)
    for (std::size_t c = 0; c < columns; ++c) out.dot.push_back(k.dot(in.rows[r].data(), &in.columns_t[c * dim], dim));
  return out;
}

// Bit patterns, so that -0 and +0 (or two NaNs) are told apart.
std::vector<std::uint32_t> bits(const std::vector<float>& v) {
  std::vector<std::uint32_t> b(v.size());
  if (!v.empty()) std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
  return b;
}

TEST(SimdKernels, BaselineRunsEverywhereAndTheActiveVariantIsRunnable) {
  const auto isas = runnable_isas();
  ASSERT_FALSE(isas.empty());
  EXPECT_EQ(isas.front(), Isa::kBaseline);
  EXPECT_LE(active_isa(), supported_isa());
  EXPECT_EQ(kernels().isa, active_isa());
  for (const Isa isa : isas) EXPECT_EQ(kernels_for(isa).isa, isa);
}

// Rows on both sides of every tile height, dims on both sides of 8, 16 and 32 lanes, columns on
// both sides of each path's threshold (1..7 by rows, 8 and up over all rows, by feature).
TEST(SimdKernels, EveryVariantGivesTheBaselinesBits) {
  const Kernels& baseline = kernels_for(Isa::kBaseline);
  for (const Isa isa : runnable_isas())
    for (std::size_t row_count : {1U, 2U, 3U, 5U, 8U, 13U, 19U})
      for (std::size_t dim : {3U, 8U, 21U, 40U, 47U, 784U})
        for (std::size_t columns : {1U, 3U, 4U, 8U, 24U, 32U, 40U}) {
          SCOPED_TRACE(::testing::Message()
                       << isa_name(isa) << ": " << row_count << " rows, dim " << dim << ", " << columns << " columns");
          const auto in = testing::make_tile_problem(row_count, dim, columns, true);
          const Outputs want = run(baseline, in, row_count, dim, columns);
          const Outputs got = run(kernels_for(isa), in, row_count, dim, columns);
          ASSERT_EQ(bits(got.forward), bits(want.forward));
          ASSERT_EQ(bits(got.by_feature), bits(want.by_feature));
          ASSERT_EQ(bits(got.backward), bits(want.backward));
          ASSERT_EQ(bits(got.dot), bits(want.dot));
        }
}

// The training kernels round each multiply-add once: a one-column forward pass over a dim below 8
// is a chain of fused multiply-adds from 0. Here the second product, 1 - 2^-26, rounds to 1 on its
// own, so a multiply then an add would give 0.
TEST(SimdKernels, TrainingKernelsFuseTheirMultiplyAdds) {
  const float x[2] = {1.0F, 1.0F + 0x1p-13F};
  const float w[2] = {-1.0F, 1.0F - 0x1p-13F};
  const float* rows[1] = {x};
  for (const Isa isa : runnable_isas()) {
    float margin = 0;
    kernels_for(isa).forward(rows, 1, 2, w, 1, &margin);
    EXPECT_EQ(margin, -0x1p-26F) << isa_name(isa);
  }
}

#if defined(__x86_64__)
// The baseline's emulated fused multiply-add against libm's on random and cancelling inputs.
TEST(SimdKernels, EmulatedFmaIsCorrectlyRounded) {
  Rng rng(3, RandomStream::kShuffle, 0);
  const auto draw = [&] { return static_cast<float>(rng.normal() * std::exp2(std::floor(rng.normal() * 4))); };
  for (int i = 0; i < 200000; ++i) {
    const float a = draw();
    const float b = draw();
    // Every fourth c cancels most of a * b, where a double rounding would show.
    const float c = i % 4 == 0 ? -a * b * (1.0F + static_cast<float>(rng.normal()) * 0x1p-20F) : draw();
    const float want = std::fmaf(a, b, c);
    const float got = fma_by_double(a, b, c);
    ASSERT_EQ(std::memcmp(&got, &want, sizeof got), 0) << a << " * " << b << " + " << c;
  }
  const float big = std::numeric_limits<float>::max();
  EXPECT_TRUE(std::isinf(fma_by_double(big, 2.0F, 0.0F)));
  EXPECT_TRUE(std::isnan(fma_by_double(std::numeric_limits<float>::infinity(), 0.0F, 1.0F)));
}
#endif

}  // namespace
}  // namespace linlearn::simd
