#include "model_set.h"

#include <algorithm>

#include <fmt/format.h>

#include "linlearn/lr_schedule.h"

namespace linlearn {

std::vector<std::size_t> models_to_halve(int epoch, std::vector<std::pair<double, std::size_t>> training) {
  const int done = epoch + 1;
  if (done < 2 || (done & (done - 1)) != 0 || training.size() < 2) return {};
  std::stable_sort(training.begin(), training.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::size_t keep = (training.size() + 1) / 2;
  std::vector<std::size_t> stop;
  for (std::size_t i = keep; i < training.size(); ++i) stop.push_back(training[i].second);
  return stop;
}

ModelSet::ModelSet(const TrainConfig& config, const std::vector<ModelParameters>& initial, bool sparse,
                   spdlog::logger& log)
    : config_(config), sparse_(sparse), log_(log), outcomes_(config.models.size()) {
  for (std::size_t m = 0; m < config.models.size(); ++m)
    states_.emplace_back(initial[m], make_optimizer(config.models[m].optimizer), config.early_stopping);
}

bool ModelSet::any_training() const {
  return std::any_of(outcomes_.begin(), outcomes_.end(),
                     [](const ModelOutcome& o) { return o.status == ModelStatus::kTraining; });
}

void ModelSet::start_epoch(int epoch, bool from_start) {
  active_.clear();
  active_params_.clear();
  measured_.clear();
  measured_params_.clear();
  for (std::size_t m = 0; m < states_.size(); ++m) {
    if (outcomes_[m].status != ModelStatus::kTraining) continue;
    ModelState& ms = states_[m];
    active_.push_back(m);
    active_params_.push_back(&ms.params);
    if (epoch == 0) continue;
    if (from_start) {
      ms.pending = ms.params;
      ms.pending_epoch = epoch - 1;
      ms.measured_sum = 0;
    }
    measured_.push_back(m);
    measured_params_.push_back(&ms.pending);
  }
}

void ModelSet::reset_epoch_losses() {
  for (auto& m : states_) m.loss_sum = 0;
}

namespace {

// FTRL's rates decay per coordinate already: it keeps its learning rate (alpha) fixed.
double step_learning_rate(const ModelSettings& s, std::int64_t updates) {
  return s.optimizer.kind == OptimizerKind::kFtrl ? s.learning_rate
                                                  : scheduled_learning_rate(s.learning_rate, s.schedule, updates);
}

}  // namespace

void ModelSet::step(const BatchGradient& g, std::int64_t updates, ThreadPool& pool) {
  if (updates == 0 && g.weight_sum > 0)
    for (std::size_t i = 0; i < active_.size(); ++i)
      states_[active_[i]].stopping.set_initial_loss(g.loss_sum[i] / g.weight_sum);
  for (std::size_t i = 0; i < measured_.size(); ++i) states_[measured_[i]].measured_sum += g.measured_loss_sum[i];
  const auto settings = [&](std::size_t m) {
    const ModelSettings& s = config_.models[m];
    return StepSettings{step_learning_rate(s, updates), s.wd, s.l1, g.records};
  };
  // Each model has its own parameters and optimizer state, so models step in parallel.
  pool.run(active_.size(), [&](std::size_t i, int) {
    const std::size_t m = active_[i];
    ModelState& ms = states_[m];
    ms.loss_sum += g.loss_sum[i];
    const ModelSettings& s = config_.models[m];
    const StepSettings weight_step = settings(m);
    if (sparse_) {
      ms.optimizer->begin_rows(0, ms.params.weights.size(), ms.params.bias.size(), weight_step);
    } else {
      ms.optimizer->step(0, ms.params.weights.data(), g.grads[i].weights.data(), ms.params.weights.size(), weight_step);
    }
    if (config_.use_bias)
      ms.optimizer->step(
          1, ms.params.bias.data(), g.grads[i].bias.data(), ms.params.bias.size(),
          StepSettings{weight_step.learning_rate * s.bias_lr_mult, s.wd * s.bias_wd_mult, 0.0, g.records});
  });
  if (!sparse_) return;
  // A sparse step: every part of the touched rows of every model, each on its own.
  const std::size_t parts = g.parts.size();
  pool.run(active_.size() * parts, [&](std::size_t task, int) {
    const std::size_t i = task / parts;
    const TouchedRows& part = g.parts[task % parts];
    ModelState& ms = states_[active_[i]];
    const bool per_record = steps_per_record(config_.models[active_[i]].optimizer.kind);
    ms.optimizer->update_rows(0, ms.params.weights.data(), (per_record ? part.entry_grads : part.grads)[i].data(),
                              per_record ? part.entry_rows : part.rows, ms.params.bias.size(), settings(active_[i]));
  });
}

std::pair<bool, bool> ModelSet::sparse_gradients() const {
  bool row_sums = false;
  bool entries = false;
  for (std::size_t m : active_) {
    const bool per_record = steps_per_record(config_.models[m].optimizer.kind);
    entries = entries || per_record;
    row_sums = row_sums || !per_record;
  }
  return {row_sums, entries};
}

void ModelSet::catch_up(std::span<const std::uint32_t> rows, ThreadPool& pool) {
  const auto lagging = [&](std::size_t i) { return states_[active_[i]].optimizer->lags(0); };
  bool any = false;
  for (std::size_t i = 0; i < active_.size(); ++i) any = any || lagging(i);
  if (!any) return;
  // Per part of the rows, as the sparse step splits them: no two tasks write the same row.
  const auto parts = static_cast<std::size_t>(pool.size());
  pool.run(active_.size() * parts, [&](std::size_t task, int) {
    const std::size_t i = task / parts;
    if (!lagging(i)) return;
    ModelState& ms = states_[active_[i]];
    const std::size_t width = ms.params.bias.size();
    const std::size_t count = ms.params.weights.size() / width;
    const std::uint32_t lo = part_begin(task % parts, parts, count);
    const std::uint32_t hi = part_begin(task % parts + 1, parts, count);
    std::vector<std::uint32_t> mine;
    for (std::uint32_t row : rows)
      if (row >= lo && row < hi) mine.push_back(row);
    ms.optimizer->catch_up_rows(0, ms.params.weights.data(), mine, width);
  });
}

bool ModelSet::rows_step_independently() const {
  return std::all_of(config_.models.begin(), config_.models.end(),
                     [](const ModelSettings& s) { return s.wd == 0.0 && s.l1 == 0.0; });
}

void ModelSet::catch_up_all(ThreadPool& pool) {
  pool.run(active_.size(), [&](std::size_t i, int) {
    ModelState& ms = states_[active_[i]];
    ms.optimizer->catch_up_all(0, ms.params.weights.data(), ms.params.weights.size(), ms.params.bias.size());
  });
}

double ModelSet::running_loss(double weight_sum) const {
  return weight_sum > 0 && !active_.empty() ? states_[active_.front()].loss_sum / weight_sum : 0.0;
}

void ModelSet::record_losses(EpochRecord& record, double weight_sum, std::vector<EpochRecord>& history) const {
  for (std::size_t m : active_)
    record.models[m].progressive_loss = weight_sum > 0 ? states_[m].loss_sum / weight_sum : 0.0;
  for (std::size_t m : measured_) {
    const ModelState& ms = states_[m];
    history[static_cast<std::size_t>(ms.pending_epoch)].models[m].train_loss =
        weight_sum > 0 ? ms.measured_sum / weight_sum : 0.0;
  }
}

void ModelSet::judge_epoch(int epoch, const EpochRecord& record, const std::vector<EpochRecord>& history,
                           bool validated) {
  for (std::size_t m : active_) judge(m, epoch, record, history, validated);
  if (config_.prune_models) halve(epoch, record, validated);
}

// Early stopping for one model after `epoch`: on the validation loss of the weights it ends the
// epoch with or, without a validation channel, on the exact training loss of the weights it ended
// the epoch before with (measured during this one). A loss that turns NaN or explodes during the
// epoch is divergence at once.
void ModelSet::judge(std::size_t m, int epoch, const EpochRecord& record, const std::vector<EpochRecord>& history,
                     bool validated) {
  ModelOutcome& mo = outcomes_[m];
  ModelState& ms = states_[m];
  const ModelEpoch& me = record.models[m];
  if (ms.stopping.diverges(me.progressive_loss)) return diverge(m, epoch, me.progressive_loss);
  if (!validated && ms.pending_epoch < 0) return;
  const int judged = validated ? epoch : ms.pending_epoch;
  const double criterion =
      validated ? me.validation.at("objective_loss") : history[static_cast<std::size_t>(judged)].models[m].train_loss;
  switch (ms.stopping.update(judged, criterion)) {
    case EarlyStopping::Verdict::kImproved:
      ms.best = validated ? ms.params : std::move(ms.pending);
      break;
    case EarlyStopping::Verdict::kNoImprovement:
      break;
    case EarlyStopping::Verdict::kStop:
      mo.status = ModelStatus::kEarlyStopped;
      mo.stopped_at_epoch = epoch;
      break;
    case EarlyStopping::Verdict::kDiverged:
      return diverge(m, epoch, criterion);
  }
  ms.release_pending();
  mo.best_epoch = ms.stopping.best_epoch();
  mo.best_criterion = ms.stopping.best();
}

void ModelSet::diverge(std::size_t m, int epoch, double loss) {
  ModelOutcome& mo = outcomes_[m];
  mo.status = ModelStatus::kDiverged;
  mo.stopped_at_epoch = epoch;
  states_[m].release_pending();
  // Models 1.. of the grid try bolder settings on purpose; only the given settings diverging is a warning.
  log_.log(m == 0 ? spdlog::level::warn : spdlog::level::debug,
           "model {} diverged at epoch {} (loss {}); learning_rate={} optimizer={}", m, epoch + 1, loss,
           config_.models[m].learning_rate, optimizer_kind_name(config_.models[m].optimizer.kind));
}

// Ranked by this epoch's validation loss, or without one by its progressive training loss (the
// exact one is measured only during the next epoch). Every rank sees the same criteria.
void ModelSet::halve(int epoch, const EpochRecord& record, bool validated) {
  std::vector<std::pair<double, std::size_t>> training;
  for (std::size_t m = 0; m < states_.size(); ++m) {
    if (outcomes_[m].status != ModelStatus::kTraining) continue;
    const ModelEpoch& me = record.models[m];
    training.emplace_back(validated ? me.validation.at("objective_loss") : me.progressive_loss, m);
  }
  const std::vector<std::size_t> stop = models_to_halve(epoch, std::move(training));
  if (stop.empty()) return;
  std::string pruned;
  for (std::size_t m : stop) {
    outcomes_[m].status = ModelStatus::kPruned;
    outcomes_[m].stopped_at_epoch = epoch;
    states_[m].release_pending();
    pruned += fmt::format("{}{}", pruned.empty() ? "" : ", ", m);
  }
  log_.debug("after epoch {}: models {} pruned (successive halving; --prune-models false keeps every model)", epoch + 1,
             pruned);
}

void ModelSet::judge_final(int last_epoch, const std::vector<std::size_t>& measured, const std::vector<double>& losses,
                           bool validated) {
  if (validated) return;
  for (std::size_t i = 0; i < measured.size(); ++i) {
    const std::size_t m = measured[i];
    ModelState& ms = states_[m];
    if (ms.stopping.update(last_epoch, losses[i]) == EarlyStopping::Verdict::kImproved) ms.best = ms.params;
    outcomes_[m].best_epoch = ms.stopping.best_epoch();
    outcomes_[m].best_criterion = ms.stopping.best();
  }
}

void ModelSet::finish(int last_epoch) {
  for (std::size_t m = 0; m < states_.size(); ++m) {
    ModelOutcome& mo = outcomes_[m];
    if (mo.status != ModelStatus::kTraining) continue;
    mo.stopped_at_epoch = last_epoch;
    mo.status = states_[m].stopping.still_improving() ? ModelStatus::kMaxEpochs : ModelStatus::kConverged;
    mo.last_improvement = states_[m].stopping.last_improvement();
  }
}

ModelCheckpointState ModelSet::snapshot(std::size_t m) const {
  const ModelState& s = states_[m];
  const ModelOutcome& o = outcomes_[m];
  return {s.params,   s.best,    s.optimizer->save_state(), s.stopping.state(), o.status, o.stopped_at_epoch,
          s.loss_sum, s.pending, s.pending_epoch,           s.measured_sum};
}

void ModelSet::restore(std::vector<ModelCheckpointState> saved) {
  for (std::size_t m = 0; m < states_.size(); ++m) {
    ModelCheckpointState& c = saved[m];
    ModelState& s = states_[m];
    ModelOutcome& o = outcomes_[m];
    s.params = std::move(c.params);
    s.best = std::move(c.best);
    s.pending = std::move(c.pending);
    s.pending_epoch = c.pending_epoch;
    s.measured_sum = c.measured_sum;
    s.optimizer->load_state(c.optimizer_state);
    s.stopping.restore(c.stopping);
    s.loss_sum = c.loss_sum;
    o.status = c.status;
    o.stopped_at_epoch = c.stopped_at_epoch;
    o.best_epoch = s.stopping.best_epoch();
    o.best_criterion = s.stopping.best();
  }
}

}  // namespace linlearn
