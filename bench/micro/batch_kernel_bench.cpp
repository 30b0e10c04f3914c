// The trainer's dense batch kernel: margins = X * W for a mini-batch X (1000 x 784 floats,
// row-major, as a Dataset stores dense rows) and a weight matrix W with one column per model and
// class (M = 1, 8, 32), then the weight gradient X^T * G for per-record loss gradients G.
// FLOP/s counts both products (2 * rows * dim * M multiply-adds each).
#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <cstdint>
#include <random>

namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr Eigen::Index kBatchRows = 1000;
constexpr Eigen::Index kFeatureDim = 784;

template <typename Matrix>
Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) m(i, j) = normal(rng);
  }
  return m;
}

void BM_BatchForwardBackward(benchmark::State& state) {
  const Eigen::Index models = state.range(0);
  const RowMajorMatrix batch = random_matrix<RowMajorMatrix>(kBatchRows, kFeatureDim, 1);
  const Eigen::MatrixXf weights = random_matrix<Eigen::MatrixXf>(kFeatureDim, models, 2);
  const Eigen::MatrixXf loss_gradients = random_matrix<Eigen::MatrixXf>(kBatchRows, models, 3);
  Eigen::MatrixXf margins(kBatchRows, models);
  Eigen::MatrixXf weight_gradients(kFeatureDim, models);
  for (auto _ : state) {
    margins.noalias() = batch * weights;
    weight_gradients.noalias() = batch.transpose() * loss_gradients;
    benchmark::DoNotOptimize(margins.data());
    benchmark::DoNotOptimize(weight_gradients.data());
    benchmark::ClobberMemory();
  }
  const double flops_per_iteration = 4.0 * kBatchRows * kFeatureDim * static_cast<double>(models);
  state.counters["FLOP/s"] = benchmark::Counter(flops_per_iteration, benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatchRows));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(kBatchRows * kFeatureDim * sizeof(float)) * 2);
}

BENCHMARK(BM_BatchForwardBackward)->ArgName("M")->Arg(1)->Arg(8)->Arg(32)->Unit(benchmark::kMicrosecond);

}  // namespace
