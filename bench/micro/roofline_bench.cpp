// The two ceilings of the training kernel on this machine, to report its epochs against:
// - BM_FmaPeak: one core's multiply-add throughput in float32, 12 independent chains of vector
//   FMAs in registers (enough to cover the FMA latency on every x86 core), with the widest vectors
//   the build's own flags allow (bench/run.sh builds with -march=native).
// - BM_MemoryRead: one core summing a 188 MB float array (the size of Fashion-MNIST's 60000 x 784
//   store), i.e. the bandwidth an in-memory epoch can stream at.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

#if defined(__AVX512F__)
constexpr std::size_t kLanes = 16;
#elif defined(__AVX__)
constexpr std::size_t kLanes = 8;
#else
constexpr std::size_t kLanes = 4;
#endif
using FloatVec = float __attribute__((vector_size(kLanes * sizeof(float))));

constexpr std::size_t kChains = 12;
constexpr std::int64_t kStepsPerIteration = 1 << 20;

FloatVec splat(float x) {
  FloatVec v;
  for (std::size_t i = 0; i < kLanes; ++i) v[i] = x;
  return v;
}

void BM_FmaPeak(benchmark::State& state) {
  // Runtime values, so that the compiler can neither fold the chains nor shorten them.
  volatile float factor = 0.999999F;
  volatile float addend = 1e-7F;
  const FloatVec a = splat(factor);
  const FloatVec b = splat(addend);
  FloatVec acc[kChains];
  for (std::size_t c = 0; c < kChains; ++c) acc[c] = splat(static_cast<float>(c));
  for (auto _ : state) {
    for (std::int64_t step = 0; step < kStepsPerIteration; ++step)
      for (std::size_t c = 0; c < kChains; ++c) acc[c] = acc[c] * a + b;
    for (FloatVec& chain : acc) benchmark::DoNotOptimize(chain);
  }
  const double flops_per_iteration = 2.0 * kLanes * kChains * static_cast<double>(kStepsPerIteration);
  state.counters["FLOP/s"] = benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_MemoryRead(benchmark::State& state) {
  constexpr std::size_t kFloats = 60000 * 784;
  static const std::vector<float> store(kFloats, 1.0F);
  for (auto _ : state) {
    FloatVec sum[4] = {};
    for (std::size_t i = 0; i + 4 * kLanes <= kFloats; i += 4 * kLanes)
      for (std::size_t v = 0; v < 4; ++v) {
        FloatVec x;
        std::memcpy(&x, store.data() + i + v * kLanes, sizeof x);
        sum[v] += x;
      }
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kFloats * sizeof(float)));
}

BENCHMARK(BM_FmaPeak)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemoryRead)->Unit(benchmark::kMillisecond);

}  // namespace
