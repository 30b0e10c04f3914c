#pragma once
// The models a run trains side by side (the num_models grid): each one's parameters, optimizer state
// and early stopping, their statuses, and successive halving between them. It knows nothing of
// where the records come from or how gradients are summed; the trainer feeds it.
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "batch_gradient.h"
#include "checkpoint.h"
#include "early_stopping.h"
#include "linlearn/config.h"
#include "linlearn/optimizer.h"
#include "linlearn/thread_pool.h"
#include "linlearn/trainer.h"

namespace linlearn {

// Everything kept per model: parameters, the best epoch's parameters, optimizer state, early
// stopping, and the running loss of the epoch in progress.
struct ModelState {
  ModelState(ModelParameters initial, std::unique_ptr<Optimizer> opt, const EarlyStoppingConfig& early)
      : params(initial), best(std::move(initial)), optimizer(std::move(opt)), stopping(early) {}

  ModelParameters params;
  ModelParameters best;
  std::unique_ptr<Optimizer> optimizer;
  EarlyStopping stopping;
  double loss_sum = 0;
  // The weights the model ended epoch pending_epoch with (-1: none), being measured during the
  // next epoch, and their weighted loss so far.
  ModelParameters pending;
  int pending_epoch = -1;
  double measured_sum = 0;

  void release_pending() {
    pending = ModelParameters{};
    pending_epoch = -1;
    measured_sum = 0;
  }
};

// Successive halving: once epoch + 1 is a power of two (after epochs 1, 3, 7, ...) the worse half of
// the models still training stop. `training` holds (criterion, model) of those models, lower
// criterion better; ties keep the lower index. Returns the models to stop, best first.
std::vector<std::size_t> models_to_halve(int epoch, std::vector<std::pair<double, std::size_t>> training);

class ModelSet {
 public:
  // `sparse`: gradients hold only the weight rows a batch touches (BatchGradient::touched).
  ModelSet(const TrainConfig& config, const std::vector<ModelParameters>& initial, bool sparse, spdlog::logger& log);

  std::size_t size() const { return states_.size(); }
  const std::vector<ModelOutcome>& outcomes() const { return outcomes_; }
  std::vector<ModelOutcome>& outcomes() { return outcomes_; }
  const ModelState& state(std::size_t m) const { return states_[m]; }
  ModelState& state(std::size_t m) { return states_[m]; }
  bool any_training() const;

  // Fixes the models the epoch trains and the weights it measures: each model training on since the
  // epoch before keeps a copy of the weights it ended it with, whose exact training loss the epoch's
  // pass gives. A run resumed mid-epoch has its copies back already (`from_start` false).
  void start_epoch(int epoch, bool from_start);
  const std::vector<std::size_t>& active() const { return active_; }
  const ModelRefs& active_params() const { return active_params_; }
  const std::vector<std::size_t>& measured() const { return measured_; }
  const ModelRefs& measured_params() const { return measured_params_; }
  void reset_epoch_losses();

  // One mini-batch's gradient `g` (one per active model, in their order): the losses, then every
  // active model's optimizer step, in parallel. `updates` steps were taken before this one.
  void step(const BatchGradient& g, std::int64_t updates, ThreadPool& pool);
  // Sparse data: brings the weight rows `rows` (repeats allowed) of the active models up to date
  // (the lazy penalties of the steps that skipped them) before a batch reads them; catch_up_all
  // every row, before the weights are read whole (end of an epoch).
  void catch_up(std::span<const std::uint32_t> rows, ThreadPool& pool);
  // Sparse data: whether the active models step on rows' sums over a batch, on per-record
  // entries, or both (see TouchedRows).
  std::pair<bool, bool> sparse_gradients() const;
  // Whether a weight row's sparse step depends on its gradient and optimizer state alone, with no
  // penalties caught up lazily (no model has wd or l1), so that any process can step any row.
  bool rows_step_independently() const;
  void catch_up_all(ThreadPool& pool);
  // The first active model's mean loss so far this epoch, for progress reports.
  double running_loss(double weight_sum) const;

  // The epoch's losses: progressive ones into `record`, the measured weights' exact ones into the
  // epochs before (`history`).
  void record_losses(EpochRecord& record, double weight_sum, std::vector<EpochRecord>& history) const;
  // Early stopping of every active model after `epoch`, then successive halving when enabled.
  void judge_epoch(int epoch, const EpochRecord& record, const std::vector<EpochRecord>& history, bool validated);
  // After the final pass: the last epoch's weights of `measured` models and their exact losses.
  void judge_final(int last_epoch, const std::vector<std::size_t>& measured, const std::vector<double>& losses,
                   bool validated);
  // Statuses of the models that trained to the last epoch.
  void finish(int last_epoch);

  ModelCheckpointState snapshot(std::size_t m) const;
  void restore(std::vector<ModelCheckpointState> states);

 private:
  void judge(std::size_t m, int epoch, const EpochRecord& record, const std::vector<EpochRecord>& history,
             bool validated);
  void diverge(std::size_t m, int epoch, double loss);
  void halve(int epoch, const EpochRecord& record, bool validated);

  const TrainConfig& config_;
  const bool sparse_;
  spdlog::logger& log_;
  std::vector<ModelState> states_;
  std::vector<ModelOutcome> outcomes_;
  std::vector<std::size_t> active_;    // the models the current epoch trains
  ModelRefs active_params_;            // their parameters, in the same order
  std::vector<std::size_t> measured_;  // the models whose previous epoch's weights it measures
  ModelRefs measured_params_;
};

}  // namespace linlearn
