// The step's gradient over the ranks of a job, with ranks as threads (threaded_ranks.h): sparse
// messages carry each rank's touched rows only and the ranks merge them into their union, with the
// same sums as a dense exchange of whole gradients.
#include "mpi/gradient_reducer.h"

#include <gtest/gtest.h>

#include <csignal>
#include <memory>

#include "linlearn/optimizer.h"

#include "mpi/threaded_ranks.h"

namespace linlearn {
namespace {

using testing::run_ranks;

constexpr std::size_t kFeatures = 12;
constexpr int kOutputs = 2;

constexpr std::size_t kParts = 2;  // the kernel's parts: rows [0, 6) and [6, 12)

// A sparse batch gradient of `models` models over rows `touched` (in the order the batch first
// touched them, as the kernel lists them; any order), with values that differ per rank, row,
// output and model, in the kernel's parts.
BatchGradient sparse_gradient(int rank, const std::vector<std::uint32_t>& touched, std::size_t models) {
  BatchGradient g;
  g.grads.resize(models + 1);  // a slot for a model that stopped: not sent
  g.parts.resize(kParts);
  for (TouchedRows& part : g.parts) part.grads.resize(models);
  for (std::uint32_t row : touched) {
    TouchedRows& part = g.parts[row < part_begin(1, kParts, kFeatures) ? 0 : 1];
    part.rows.push_back(row);
    for (std::size_t m = 0; m < models; ++m)
      for (int c = 0; c < kOutputs; ++c)
        part.grads[m].push_back(0.1F * static_cast<float>(row) + 0.37F * static_cast<float>(rank) -
                                0.011F * static_cast<float>(c + 3 * m));
  }
  for (std::size_t m = 0; m < models; ++m) {
    g.grads[m].bias = {0.5F + static_cast<float>(rank), -0.25F * static_cast<float>(m)};
    g.loss_sum.push_back(1.5 * (rank + 1) + static_cast<double>(m));
  }
  g.measured_loss_sum = {0.25 * (rank + 1)};
  g.weight_sum = 10.0 + rank;
  return g;
}

// Model m's sparse rows spread to every feature row, as a dense batch gives them.
std::vector<float> dense_rows(const BatchGradient& sparse, std::size_t m) {
  std::vector<float> rows(kFeatures * kOutputs, 0.0F);
  for (const TouchedRows& part : sparse.parts)
    for (std::size_t i = 0; i < part.rows.size(); ++i)
      for (int c = 0; c < kOutputs; ++c) rows[part.rows[i] * kOutputs + c] = part.grads[m][i * kOutputs + c];
  return rows;
}

BatchGradient spread(const BatchGradient& sparse) {
  BatchGradient dense = sparse;
  dense.parts.clear();
  for (std::size_t m = 0; m < sparse.loss_sum.size(); ++m) dense.grads[m].weights = dense_rows(sparse, m);
  return dense;
}

std::vector<std::uint32_t> touched_rows(const BatchGradient& g) {
  std::vector<std::uint32_t> rows;
  for (const TouchedRows& part : g.parts) rows.insert(rows.end(), part.rows.begin(), part.rows.end());
  return rows;
}

// Rank r's rows: unsorted within a part, and spread over both parts.
const std::vector<std::vector<std::uint32_t>> kTouched = {{7, 5, 1}, {11, 5, 0}, {7, 5}};

struct Reduced {
  BatchGradient sparse, dense;
  int signal = 0;
};

// What every rank of a job of `ranks` receives, the sparse and the dense way.
std::vector<Reduced> reduce_on(int ranks, const std::vector<int>& signals, bool entries = true) {
  std::vector<Reduced> out(static_cast<std::size_t>(ranks));
  run_ranks(ranks, [&](Communicator& comm) {
    const auto r = static_cast<std::size_t>(comm.rank());
    const BatchGradient local = sparse_gradient(comm.rank(), kTouched[r], 2);
    auto sparse = make_gradient_reducer(comm, kFeatures, kOutputs, true);
    sparse->want_entries(entries);
    auto dense = make_gradient_reducer(comm, kFeatures, kOutputs, false);
    int signal = signals[r];
    out[r].sparse = sparse->reduce(local, 4 + r, signal);
    out[r].signal = signal;
    int ignored = 0;
    out[r].dense = dense->reduce(spread(local), 4 + r, ignored);
  });
  return out;
}

TEST(GradientReducer, SparseRanksExchangeTouchedRowsAndMergeThemInOrder) {
  const auto reduced = reduce_on(2, {0, 0});
  const BatchGradient& g = reduced[0].sparse;
  ASSERT_EQ(g.parts.size(), kParts);
  EXPECT_EQ(g.parts[0].rows, (std::vector<std::uint32_t>{0, 1, 5}));
  EXPECT_EQ(g.parts[1].rows, (std::vector<std::uint32_t>{7, 11}));
  ASSERT_EQ(g.grads.size(), 3U);
  ASSERT_EQ(g.parts[0].grads[1].size(), 3U * kOutputs);
  const BatchGradient a = sparse_gradient(0, kTouched[0], 2);
  const BatchGradient b = sparse_gradient(1, kTouched[1], 2);
  const float scale = static_cast<float>(1.0 / 9.0);  // 4 + 5 records
  // Row 5 (part 0, slot 2) is touched by both ranks: rank 0's value plus rank 1's.
  EXPECT_EQ(g.parts[0].grads[1][2 * kOutputs + 1],
            static_cast<float>(static_cast<double>(a.parts[0].grads[1][0 * kOutputs + 1]) +
                               b.parts[0].grads[1][0 * kOutputs + 1]) *
                scale);
  // Row 0 (slot 0) only by rank 1, row 1 (slot 1) only by rank 0.
  EXPECT_EQ(g.parts[0].grads[0][0], b.parts[0].grads[0][1 * kOutputs] * scale);
  EXPECT_EQ(g.parts[0].grads[0][1 * kOutputs], a.parts[0].grads[0][1 * kOutputs] * scale);
  EXPECT_EQ(g.grads[0].bias[0], static_cast<float>(0.5 + 1.5) * scale);
  EXPECT_DOUBLE_EQ(g.loss_sum[1], (1.5 + 1) + (3.0 + 1));
  EXPECT_DOUBLE_EQ(g.measured_loss_sum[0], 0.25 + 0.5);
  EXPECT_DOUBLE_EQ(g.weight_sum, 21.0);
  EXPECT_DOUBLE_EQ(g.records, 9.0);
  // Per-record optimizers take each row's sum over the ranks as one entry.
  for (const TouchedRows& part : g.parts) {
    EXPECT_EQ(part.entry_rows, part.rows);
    EXPECT_EQ(part.entry_grads, part.grads);
  }
}

TEST(GradientReducer, EntriesAreListedOnlyWhenAnOptimizerStepsPerRecord) {
  for (const Reduced& r : reduce_on(2, {0, 0}, false)) {
    EXPECT_EQ(touched_rows(r.sparse), (std::vector<std::uint32_t>{0, 1, 5, 7, 11}));
    for (const TouchedRows& part : r.sparse.parts) EXPECT_TRUE(part.entry_rows.empty());
  }
}

TEST(GradientReducer, EveryRankGetsTheBitsOfTheDenseSumOnTheUnionOfTouchedRows) {
  const auto reduced = reduce_on(3, {0, 0, 0});
  for (const Reduced& r : reduced) {
    const BatchGradient& s = r.sparse;
    EXPECT_EQ(touched_rows(s), (std::vector<std::uint32_t>{0, 1, 5, 7, 11}));
    for (std::size_t m = 0; m < 2; ++m) {
      EXPECT_EQ(dense_rows(s, m), r.dense.grads[m].weights) << "model " << m;
      EXPECT_EQ(s.grads[m].bias, r.dense.grads[m].bias);
      EXPECT_EQ(dense_rows(s, m), dense_rows(reduced[0].sparse, m));
    }
    EXPECT_EQ(s.loss_sum, r.dense.loss_sum);
  }
}

TEST(GradientReducer, EveryRankStopsWhenAnyRankHasAStopSignal) {
  for (const Reduced& r : reduce_on(3, {0, SIGTERM, 0})) EXPECT_EQ(r.signal, SIGTERM);
  for (const Reduced& r : reduce_on(2, {0, 0})) EXPECT_EQ(r.signal, 0);
}

TEST(GradientReducer, ARankWithoutRecordsSendsNoRows) {
  std::vector<BatchGradient> out(2);
  run_ranks(2, [&](Communicator& comm) {
    BatchGradient local = sparse_gradient(
        comm.rank(), comm.rank() == 0 ? std::vector<std::uint32_t>{3} : std::vector<std::uint32_t>{}, 1);
    auto reducer = make_gradient_reducer(comm, kFeatures, kOutputs, true);
    int signal = 0;
    out[static_cast<std::size_t>(comm.rank())] = reducer->reduce(local, comm.rank() == 0 ? 1 : 0, signal);
  });
  EXPECT_EQ(touched_rows(out[1]), (std::vector<std::uint32_t>{3}));
  EXPECT_EQ(dense_rows(out[1], 0), dense_rows(out[0], 0));
}

// Rows of every rank's batch, one rank's gradient reduced with each rank stepping only its own range
// of rows ([0, 4), [4, 8), [8, 12) for three ranks), and as every rank stepping all of them.
struct OwnAndAll {
  BatchGradient own, all;
};

std::vector<OwnAndAll> reduce_own_rows(int ranks) {
  std::vector<OwnAndAll> out(static_cast<std::size_t>(ranks));
  run_ranks(ranks, [&](Communicator& comm) {
    const auto r = static_cast<std::size_t>(comm.rank());
    const BatchGradient local = sparse_gradient(comm.rank(), kTouched[r], 2);
    auto own = make_gradient_reducer(comm, kFeatures, kOutputs, true);
    own->step_own_rows(true);
    auto all = make_gradient_reducer(comm, kFeatures, kOutputs, true);
    int signal = 0;
    out[r].own = own->reduce(local, 4, signal);
    out[r].all = all->reduce(local, 4, signal);
  });
  return out;
}

TEST(GradientReducer, RanksSteppingTheirOwnRowsGetTheirRangeOfTheUnionWithTheSameSums) {
  const std::vector<std::vector<std::uint32_t>> expected = {{0, 1}, {5, 7}, {11}};
  const auto reduced = reduce_own_rows(3);
  for (std::size_t r = 0; r < reduced.size(); ++r) {
    const OwnAndAll& g = reduced[r];
    EXPECT_EQ(touched_rows(g.own), expected[r]) << "rank " << r;
    for (std::size_t m = 0; m < 2; ++m) {
      const std::vector<float> own = dense_rows(g.own, m);
      const std::vector<float> all = dense_rows(g.all, m);
      for (std::uint32_t row : expected[r])
        for (int c = 0; c < kOutputs; ++c)
          EXPECT_EQ(own[row * kOutputs + c], all[row * kOutputs + c]) << "rank " << r << " row " << row;
      EXPECT_EQ(g.own.grads[m].bias, g.all.grads[m].bias);
    }
    EXPECT_EQ(g.own.loss_sum, g.all.loss_sum);
  }
}

// Ranks that step their own rows with Adam and share the new weights after each step hold the
// weights of ranks that each step every row, and after share_own_ranges their optimizer state.
TEST(GradientReducer, OwnRowStepsSharedAfterEachStepMatchStepsOnEveryRow) {
  constexpr int kRanks = 3;
  constexpr std::size_t kWidth = kFeatures * kOutputs;
  std::vector<ModelParameters> own_weights(kRanks), all_weights(kRanks);
  std::vector<OptimizerState> own_state(kRanks), all_state(kRanks);
  run_ranks(kRanks, [&](Communicator& comm) {
    const auto r = static_cast<std::size_t>(comm.rank());
    auto own = make_gradient_reducer(comm, kFeatures, kOutputs, true);
    own->step_own_rows(true);
    auto all = make_gradient_reducer(comm, kFeatures, kOutputs, true);
    std::vector<ModelParameters> params(2);  // [0]: own rows, [1]: all rows
    std::vector<std::unique_ptr<Optimizer>> optimizers;
    for (ModelParameters& p : params) {
      for (std::size_t i = 0; i < kWidth; ++i) p.weights.push_back(0.01F * static_cast<float>(i));
      optimizers.push_back(make_optimizer(OptimizerParams{}));
    }
    for (int step = 0; step < 4; ++step) {
      // Every step touches other rows on each rank.
      std::vector<std::uint32_t> touched = kTouched[r];
      for (std::uint32_t& row : touched) row = (row + static_cast<std::uint32_t>(step) * 5) % kFeatures;
      const BatchGradient local = sparse_gradient(comm.rank() + step, touched, 1);
      int signal = 0;
      for (std::size_t k = 0; k < 2; ++k) {
        const BatchGradient& g = (k == 0 ? *own : *all).reduce(local, 4, signal);
        const StepSettings settings{0.05, 0.0, 0.0, g.records};
        optimizers[k]->begin_rows(0, kWidth, kOutputs, settings);
        for (const TouchedRows& part : g.parts)
          optimizers[k]->update_rows(0, params[k].weights.data(), part.grads[0].data(), part.rows, kOutputs, settings);
      }
      ModelParameters* stepped = &params[0];
      own->share_stepped(std::span<ModelParameters* const>(&stepped, 1));
    }
    for (std::span<float> moments : optimizers[0]->parameter_state(0)) own->share_own_ranges(moments);
    own_weights[r] = params[0];
    all_weights[r] = params[1];
    own_state[r] = optimizers[0]->save_state();
    all_state[r] = optimizers[1]->save_state();
  });
  for (std::size_t r = 0; r < kRanks; ++r) {
    EXPECT_EQ(own_weights[r].weights, all_weights[0].weights) << "rank " << r;
    EXPECT_EQ(own_state[r], all_state[0]) << "rank " << r;
  }
  std::vector<float> initial;
  for (std::size_t i = 0; i < kWidth; ++i) initial.push_back(0.01F * static_cast<float>(i));
  EXPECT_NE(all_weights[0].weights, initial) << "no step changed a weight";
}

TEST(GradientReducer, OneProcessTakesTheKernelsMean) {
  LocalCommunicator alone;
  auto reducer = make_gradient_reducer(alone, kFeatures, kOutputs, true);
  EXPECT_EQ(reducer->divisor(7), 7.0);
  const BatchGradient local = sparse_gradient(0, {2, 4}, 1);
  int signal = SIGINT;
  const BatchGradient& g = reducer->reduce(local, 7, signal);
  EXPECT_EQ(&g, &local);
  EXPECT_EQ(signal, SIGINT);
}

}  // namespace
}  // namespace linlearn
