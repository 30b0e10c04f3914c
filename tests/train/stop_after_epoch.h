#pragma once
// A training observer that raises the stop flag at the end of one epoch, as a signal handler would
// (a JobObserver, so that whole jobs can be stopped too).
#include <atomic>

#include "linlearn/train_job.h"

namespace linlearn::testing {

class StopAfterEpoch : public JobObserver {
 public:
  StopAfterEpoch(std::atomic<int>& flag, int epoch) : flag_(flag), epoch_(epoch) {}
  void on_epoch_end(const EpochRecord& r) override {
    if (r.epoch == epoch_) flag_.store(15);
  }

 private:
  std::atomic<int>& flag_;
  int epoch_;
};

}  // namespace linlearn::testing
