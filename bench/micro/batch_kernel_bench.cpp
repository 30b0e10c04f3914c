// The trainer's dense batch kernel (src/train/dense_tiles): margins = X * W for a mini-batch of
// 1000 rows drawn in shuffled order from 60000 x 784 floats (a Fashion-MNIST-sized store, so the
// rows come from memory as in training), for M = 1, 8, 32 weight columns, then X^T * G.
// FLOP/s counts both products (2 * rows * dim * M multiply-adds each). With huge_pages:1 the store
// is moved to transparent huge pages first (src/data/huge_pages): the shuffled rows then stop
// missing the TLB, which on 4 KiB pages costs the 32-column kernel more than its arithmetic.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "linlearn/huge_pages.h"
#include "train/dense_tiles.h"

namespace {

constexpr std::size_t kStoreRows = 60000;
constexpr std::size_t kBatchRows = 1000;
constexpr std::size_t kFeatureDim = 784;

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

void BM_BatchForwardBackward(benchmark::State& state) {
  const auto columns = static_cast<std::size_t>(state.range(0));
  static const std::vector<float> small_pages = random_floats(kStoreRows * kFeatureDim, 1);
  static const std::vector<float> huge_pages = [] {
    std::vector<float> v = random_floats(kStoreRows * kFeatureDim, 1);
    if (!linlearn::back_with_huge_pages(v.data(), v.size() * sizeof(float)))
      std::fprintf(stderr, "batch_kernel_bench: the kernel did not move the store to huge pages now\n");
    return v;
  }();
  const std::vector<float>& store = state.range(1) != 0 ? huge_pages : small_pages;
  std::vector<std::uint32_t> order(kStoreRows);
  std::iota(order.begin(), order.end(), 0U);
  std::shuffle(order.begin(), order.end(), std::mt19937(2));
  const std::vector<float> columns_t = random_floats(columns * kFeatureDim, 3);
  std::vector<float> by_feature(kFeatureDim * columns);
  for (std::size_t c = 0; c < columns; ++c)
    for (std::size_t j = 0; j < kFeatureDim; ++j) by_feature[j * columns + c] = columns_t[c * kFeatureDim + j];
  const std::vector<float> g = random_floats(kBatchRows * columns, 4);
  std::vector<float> margins(kBatchRows * columns);
  std::vector<float> partial(columns * kFeatureDim);
  std::vector<const float*> rows(kBatchRows);
  std::size_t next = 0;
  for (auto _ : state) {
    for (auto& row : rows) {
      row = store.data() + static_cast<std::size_t>(order[next]) * kFeatureDim;
      next = (next + 1) % kStoreRows;
    }
    if (linlearn::tiles::by_feature_applies(columns))
      linlearn::tiles::forward_by_feature(rows.data(), kBatchRows, kFeatureDim, by_feature.data(), columns,
                                          margins.data());
    else
      linlearn::tiles::forward(rows.data(), kBatchRows, kFeatureDim, columns_t.data(), columns, margins.data());
    linlearn::tiles::backward(rows.data(), kBatchRows, kFeatureDim, g.data(), columns, partial.data());
    benchmark::DoNotOptimize(margins.data());
    benchmark::DoNotOptimize(partial.data());
    benchmark::ClobberMemory();
  }
  const double flops_per_iteration = 4.0 * kBatchRows * kFeatureDim * static_cast<double>(columns);
  state.counters["FLOP/s"] = benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchRows));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBatchRows * kFeatureDim * sizeof(float)));
}

BENCHMARK(BM_BatchForwardBackward)
    ->ArgNames({"M", "huge_pages"})
    ->ArgsProduct({{1, 2, 4, 8, 16, 32, 80}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
