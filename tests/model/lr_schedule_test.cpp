#include "linlearn/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

LrSchedule decay_every(int step, double factor, double minimum_lr) {
  return {true, step, factor, minimum_lr};
}

TEST(LrScheduleTest, DisabledKeepsTheBaseRate) {
  const LrSchedule schedule{false, 10, 0.5, 0.01};
  EXPECT_EQ(scheduled_learning_rate(0.1, schedule, 0), 0.1);
  EXPECT_EQ(scheduled_learning_rate(0.1, schedule, 1000000), 0.1);
}

TEST(LrScheduleTest, DecaysByTheFactorEveryStepUpdates) {
  const LrSchedule schedule = decay_every(100, 0.5, 1e-6);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 0), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 99), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 100), 0.05);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 199), 0.05);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 250), 0.025);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, decay_every(1, 0.99, 0.0), 3), 0.1 * std::pow(0.99, 3));
}

TEST(LrScheduleTest, NeverDecaysBelowTheMinimum) {
  const LrSchedule schedule = decay_every(10, 0.1, 1e-3);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 10), 0.01);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 20), 1e-3);
  EXPECT_DOUBLE_EQ(scheduled_learning_rate(0.1, schedule, 1000000000000), 1e-3);
}

TEST(LrScheduleTest, NeverRaisesABaseRateBelowTheMinimum) {
  const LrSchedule schedule = decay_every(10, 0.5, 1e-3);
  EXPECT_EQ(scheduled_learning_rate(1e-4, schedule, 0), 1e-4);
  EXPECT_EQ(scheduled_learning_rate(1e-4, schedule, 500), 1e-4);
}

TEST(LrScheduleTest, NonPositiveStepIsRefused) {
  EXPECT_THROW(scheduled_learning_rate(0.1, decay_every(0, 0.5, 0.0), 5), std::invalid_argument);
  EXPECT_EQ(scheduled_learning_rate(0.1, LrSchedule{false, 0, 0.5, 0.0}, 5), 0.1);
}

}  // namespace
}  // namespace linlearn
