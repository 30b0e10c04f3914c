#include "linlearn/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "linlearn/errors.h"

namespace linlearn {

double scheduled_learning_rate(double base_lr, const LrSchedule& schedule, std::int64_t updates_done) {
  if (!schedule.enabled) return base_lr;
  if (schedule.step < 1) {
    throw std::invalid_argument("lr_scheduler_step: " + std::to_string(schedule.step) +
                                " is out of range; expected an integer >= 1");
  }
  const std::int64_t decays = std::max<std::int64_t>(updates_done, 0) / schedule.step;
  const double decayed = base_lr * std::pow(schedule.factor, static_cast<double>(decays));
  return std::max(decayed, std::min(schedule.minimum_lr, base_lr));
}

}  // namespace linlearn
