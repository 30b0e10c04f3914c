#pragma once
// SageMaker's learning-rate scheduler: a step decay of the learning rate by `factor` every `step`
// updates, floored at `minimum_lr`. A pure function of the update count, so a resumed run picks up
// the same rate without scheduler state in the checkpoint.
#include <cstdint>

namespace linlearn {

struct LrSchedule {
  bool enabled = false;     // use_lr_scheduler
  int step = 1;             // lr_scheduler_step: updates between two decays (>= 1)
  double factor = 1.0;      // lr_scheduler_factor: multiplier per decay, in (0, 1]
  double minimum_lr = 0.0;  // lr_scheduler_minimum_lr: the decay never goes below it
};

// base_lr * factor^floor(updates_done / step), but not below minimum_lr; a base_lr already below
// minimum_lr is returned unchanged (the floor never raises a rate). base_lr when not enabled.
// UsageError when enabled with step < 1.
double scheduled_learning_rate(double base_lr, const LrSchedule& schedule, std::int64_t updates_done);

}  // namespace linlearn
