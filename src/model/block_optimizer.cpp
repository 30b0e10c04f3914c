#include "model/block_optimizer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

// Rows of a sparse step are all over a wide block: the state of the row a few steps ahead is
// fetched while this one is updated.
constexpr std::size_t kAhead = 8;

void prefetch_row(const BlockState& state, const float* params, std::uint32_t row, std::size_t cols,
                  std::size_t first_width) {
  const std::size_t at = static_cast<std::size_t>(row) * cols;
  __builtin_prefetch(params + at);
  if (!state.first.empty()) __builtin_prefetch(state.first.data() + at * first_width);
  if (!state.second.empty()) __builtin_prefetch(state.second.data() + at);
}

bool same_settings(const StepSettings& a, const StepSettings& b) {
  return a.learning_rate == b.learning_rate && a.wd == b.wd && a.l1 == b.l1 && a.records == b.records;
}

// `steps` penalty steps of `x`: |x| -> scale^k |x| - shift (1 + scale + ... + scale^(k-1)), floored at 0.
// The map shrinks |x| every step, so when the closed form stays positive every step before did too,
// and once a step reaches 0 the rest keep it there: the floor of the closed form is exact.
double repeat_penalty(double x, const PenaltyStep& p, std::int64_t steps) {
  if (x == 0.0 || (p.scale == 1.0 && p.shift == 0.0)) return x;
  if (p.scale <= 0.0) return 0.0;
  const auto k = static_cast<double>(steps);
  const double power = std::pow(p.scale, k);
  const double shifts = p.scale == 1.0 ? k : (1.0 - power) / (1.0 - p.scale);
  const double magnitude = power * std::abs(x) - p.shift * shifts;
  return magnitude > 0.0 ? std::copysign(magnitude, x) : 0.0;
}

}  // namespace

void Optimizer::step_rows(int block, float* params, const float* grads, std::size_t total,
                          const std::vector<std::uint32_t>& rows, std::size_t cols, const StepSettings& s) {
  if (cols == 0 || total % cols != 0) {
    throw std::invalid_argument("Optimizer::step_rows: block size " + std::to_string(total) +
                                " is not a multiple of the row width " + std::to_string(cols));
  }
  for (const std::uint32_t row : rows) {
    if (row >= total / cols) {
      throw std::invalid_argument("Optimizer::step_rows: row " + std::to_string(row) + " of a block with " +
                                  std::to_string(total / cols) + " rows");
    }
  }
  begin_rows(block, total, cols, s);
  update_rows(block, params, grads, rows, cols, s);
}

void BlockOptimizer::step(int block, float* params, const float* grads, std::size_t n, const StepSettings& s) {
  BlockState& state = state_for(block, n);
  // Rows a sparse step skipped get their penalties first, as every dense step gives them.
  if (!state.regularized_to.empty()) catch_up_all(block, params, n, n / state.regularized_to.size());
  record_step(state, s);
  update_span(state, bias_correction(state.steps), params, grads, 0, n, s);
  std::fill(state.regularized_to.begin(), state.regularized_to.end(), state.steps);
}

void BlockOptimizer::begin_rows(int block, std::size_t total, std::size_t cols, const StepSettings& s) {
  BlockState& state = state_for(block, total);
  // Rows are behind only after a regularized sparse step; until then every row is up to date.
  if ((s.wd > 0.0 || s.l1 > 0.0) && state.regularized_to.empty())
    state.regularized_to.assign(total / cols, state.steps);
  record_step(state, s);
}

void BlockOptimizer::update_rows(int block, float* params, const float* grads, std::span<const std::uint32_t> rows,
                                 std::size_t cols, const StepSettings& s) {
  BlockState& state = blocks_[static_cast<std::size_t>(block)];
  const BiasCorrection correction = bias_correction(state.steps);
  // A row listed more than once (per-record steps) takes the step's penalties with its last update
  // only: they weigh the step's records once, as for a row the step skips and catch-up shrinks.
  const bool counted = penalizes_each_update() && !state.regularized_to.empty() && (s.wd > 0.0 || s.l1 > 0.0);
  if (counted) count_updates(state, correction, params, rows, cols);
  const StepSettings unpenalized{s.learning_rate, 0.0, 0.0, s.records};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::uint32_t row = rows[i];
    if (i + kAhead < rows.size()) prefetch_row(state, params, rows[i + kAhead], cols, first_width());
    if (!counted) catch_up_row(state, correction, params, row, cols, state.steps - 1);
    const bool last = !counted || ++state.regularized_to[row] == 0;
    update_span(state, correction, params, grads + i * cols, static_cast<std::size_t>(row) * cols, cols,
                last ? s : unpenalized);
    if (!state.regularized_to.empty() && last) state.regularized_to[row] = state.steps;
  }
}

// Catches every listed row up to the step before this one and leaves in its regularized_to minus
// the number of its updates in this step, which update_rows counts back up to 0 (the last one).
// Only this step's update_rows sees the negative marks: rows of other calls are disjoint.
void BlockOptimizer::count_updates(BlockState& state, const BiasCorrection& correction, float* params,
                                   std::span<const std::uint32_t> rows, std::size_t cols) const {
  for (const std::uint32_t row : rows) {
    if (state.regularized_to[row] >= 0) {
      catch_up_row(state, correction, params, row, cols, state.steps - 1);
      state.regularized_to[row] = 0;
    }
    --state.regularized_to[row];
  }
}

void BlockOptimizer::catch_up_rows(int block, float* params, std::span<const std::uint32_t> rows, std::size_t cols) {
  if (!lags(block)) return;
  BlockState& state = blocks_[static_cast<std::size_t>(block)];
  const BiasCorrection correction = bias_correction(state.steps);
  for (const std::uint32_t row : rows) catch_up_row(state, correction, params, row, cols, state.steps);
}

void BlockOptimizer::catch_up_all(int block, float* params, std::size_t total, std::size_t cols) {
  if (!lags(block)) return;
  BlockState& state = blocks_[static_cast<std::size_t>(block)];
  const BiasCorrection correction = bias_correction(state.steps);
  for (std::size_t row = 0; row < total / cols; ++row)
    catch_up_row(state, correction, params, static_cast<std::uint32_t>(row), cols, state.steps);
}

bool BlockOptimizer::lags(int block) const {
  return block >= 0 && static_cast<std::size_t>(block) < blocks_.size() &&
         !blocks_[static_cast<std::size_t>(block)].regularized_to.empty();
}

std::vector<std::span<float>> BlockOptimizer::parameter_state(int block) {
  std::vector<std::span<float>> state;
  if (block < 0 || static_cast<std::size_t>(block) >= blocks_.size()) return state;
  BlockState& b = blocks_[static_cast<std::size_t>(block)];
  for (std::vector<float>* moments : {&b.first, &b.second})
    if (!moments->empty()) state.emplace_back(*moments);
  return state;
}

void BlockOptimizer::catch_up_row(BlockState& state, const BiasCorrection& correction, float* params, std::uint32_t row,
                                  std::size_t cols, std::int64_t to) const {
  if (state.regularized_to.empty()) return;
  std::int64_t& done = state.regularized_to[row];
  if (done >= to) return;
  catch_up_span(state, correction, params, static_cast<std::size_t>(row) * cols, cols, done, to);
  done = to;
}

// Steps done + 1 .. to, run by run of equal settings, each run's steps in closed form.
void BlockOptimizer::catch_up_span(const BlockState& state, const BiasCorrection& correction, float* params,
                                   std::size_t begin, std::size_t count, std::int64_t done, std::int64_t to) const {
  auto run = std::upper_bound(state.runs.begin(), state.runs.end(), done + 1,
                              [](std::int64_t step, const SettingsRun& r) { return step < r.first_step; });
  if (run != state.runs.begin()) --run;
  for (; run != state.runs.end() && run->first_step <= to; ++run) {
    const std::int64_t first = std::max(done + 1, run->first_step);
    const std::int64_t last = std::next(run) == state.runs.end() ? to : std::min(to, std::next(run)->first_step - 1);
    if (last < first || (run->settings.wd == 0.0 && run->settings.l1 == 0.0)) continue;
    for (std::size_t i = begin; i < begin + count; ++i)
      params[i] =
          static_cast<float>(repeat_penalty(params[i], penalty(state, correction, i, run->settings), last - first + 1));
  }
}

void BlockOptimizer::record_step(BlockState& state, const StepSettings& s) {
  ++state.steps;
  state.records_before = state.records;
  state.records += s.records;
  if (state.runs.empty() || !same_settings(state.runs.back().settings, s)) state.runs.push_back({state.steps, s});
}

BlockState& BlockOptimizer::state_for(int block, std::size_t n) {
  if (block < 0) throw std::invalid_argument("Optimizer: negative block index " + std::to_string(block));
  const auto index = static_cast<std::size_t>(block);
  if (index >= blocks_.size()) blocks_.resize(index + 1);
  BlockState& state = blocks_[index];
  // Sized on first use; a block never changes size afterwards.
  const std::tuple<bool, std::size_t, std::vector<float>*> moment_vectors[] = {
      {uses_first(), first_width(), &state.first}, {uses_second(), 1, &state.second}};
  for (const auto& [used, width, moments] : moment_vectors) {
    if (!used) continue;
    if (moments->empty()) moments->assign(n * width, 0.0F);
    if (moments->size() != n * width) {
      throw std::invalid_argument("Optimizer: block " + std::to_string(block) + " has " +
                                  std::to_string(moments->size() / width) + " parameters, not " + std::to_string(n));
    }
  }
  return state;
}

// Layout of the values: kind, block count, then per block: steps, records, records_before, the
// sizes of `first` and `second` (their values go to the moments, in that order), the size of
// `regularized_to`, its values, the number of settings runs, then per run its first step,
// learning_rate, wd, l1 and records. Every value is a double or a count below 2^53, so the round
// trip through double is exact.
OptimizerState BlockOptimizer::save_state() const {
  OptimizerState out;
  std::size_t values = 2;
  std::size_t moments = 0;
  for (const BlockState& state : blocks_) {
    values += 7 + state.regularized_to.size() + 5 * state.runs.size();
    moments += state.first.size() + state.second.size();
  }
  // A wide model's state is large: no regrowth copies.
  out.values.reserve(values);
  out.moments.reserve(moments);
  out.values.push_back(static_cast<double>(static_cast<int>(kind())));
  out.values.push_back(static_cast<double>(blocks_.size()));
  for (const BlockState& state : blocks_) {
    out.values.insert(out.values.end(), {static_cast<double>(state.steps), state.records, state.records_before});
    for (const std::vector<float>* block_moments : {&state.first, &state.second}) {
      out.values.push_back(static_cast<double>(block_moments->size()));
      out.moments.insert(out.moments.end(), block_moments->begin(), block_moments->end());
    }
    out.values.push_back(static_cast<double>(state.regularized_to.size()));
    out.values.insert(out.values.end(), state.regularized_to.begin(), state.regularized_to.end());
    out.values.push_back(static_cast<double>(state.runs.size()));
    for (const SettingsRun& run : state.runs)
      out.values.insert(out.values.end(), {static_cast<double>(run.first_step), run.settings.learning_rate,
                                           run.settings.wd, run.settings.l1, run.settings.records});
  }
  return out;
}

void BlockOptimizer::load_state(const OptimizerState& saved) {
  const std::vector<double>& state = saved.values;
  std::size_t at = 0;
  std::size_t moments_at = 0;
  const auto next = [&]() {
    if (at >= state.size())
      throw InputError("optimizer state: ends early (" + std::to_string(state.size()) + " values)");
    return state[at++];
  };
  // A count is a non-negative integer no larger than `limit` (which also bounds allocations).
  const auto next_count = [&](double limit) {
    const double value = next();
    if (!(value >= 0.0) || value != std::floor(value) || value > limit)
      throw InputError("optimizer state: bad count " + std::to_string(value));
    return value;
  };
  const auto remaining = [&]() { return static_cast<double>(state.size() - at); };
  const auto remaining_moments = [&]() { return static_cast<double>(saved.moments.size() - moments_at); };
  constexpr double kMaxSteps = 9007199254740992.0;  // 2^53: every smaller integer is exact
  if (next() != static_cast<double>(static_cast<int>(kind())))
    throw InputError("optimizer state: saved by a different optimizer than " + optimizer_kind_name(kind()));
  std::vector<BlockState> blocks(static_cast<std::size_t>(next_count(remaining())));
  for (BlockState& block : blocks) {
    block.steps = static_cast<std::int64_t>(next_count(kMaxSteps));
    block.records = next();
    block.records_before = next();
    for (std::vector<float>* moments : {&block.first, &block.second}) {
      const auto size = static_cast<std::size_t>(next_count(remaining_moments()));
      const auto from = saved.moments.begin() + static_cast<std::ptrdiff_t>(moments_at);
      moments->assign(from, from + static_cast<std::ptrdiff_t>(size));
      moments_at += size;
    }
    block.regularized_to.resize(static_cast<std::size_t>(next_count(remaining())));
    for (std::int64_t& step : block.regularized_to) step = static_cast<std::int64_t>(next_count(kMaxSteps));
    block.runs.resize(static_cast<std::size_t>(next_count(remaining() / 5)));
    for (SettingsRun& run : block.runs) {
      run.first_step = static_cast<std::int64_t>(next_count(kMaxSteps));
      run.settings = {next(), next(), next(), next()};
    }
  }
  if (moments_at != saved.moments.size())
    throw InputError("optimizer state: " + std::to_string(saved.moments.size() - moments_at) + " extra moments");
  if (at != state.size()) throw InputError("optimizer state: " + std::to_string(state.size() - at) + " extra values");
  blocks_ = std::move(blocks);
}

}  // namespace linlearn
