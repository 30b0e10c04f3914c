#pragma once
// Everything the trainer keeps per model: parameters, the best epoch's parameters, optimizer state,
// early stopping, and the running loss of the epoch in progress.
#include <memory>

#include "batch_gradient.h"
#include "checkpoint.h"
#include "early_stopping.h"
#include "linlearn/optimizer.h"
#include "linlearn/trainer.h"

namespace linlearn {

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

  ModelCheckpointState snapshot(const ModelOutcome& outcome) const {
    return {params,   best,    optimizer->save_state(), stopping.state(), outcome.status, outcome.stopped_at_epoch,
            loss_sum, pending, pending_epoch,           measured_sum};
  }
  void restore(const ModelCheckpointState& s, ModelOutcome& outcome) {
    params = s.params;
    best = s.best;
    pending = s.pending;
    pending_epoch = s.pending_epoch;
    measured_sum = s.measured_sum;
    optimizer->load_state(s.optimizer_state);
    stopping.restore(s.stopping);
    outcome.status = s.status;
    outcome.stopped_at_epoch = s.stopped_at_epoch;
    outcome.best_epoch = stopping.best_epoch();
    outcome.best_criterion = stopping.best();
    loss_sum = s.loss_sum;
  }
};

}  // namespace linlearn
