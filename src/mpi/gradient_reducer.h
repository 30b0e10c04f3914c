#pragma once
// How one mini-batch's gradient becomes the step's gradient: alone, the kernel's mean over the
// batch; under several ranks, every rank's sum added in rank order and divided by the records of
// all ranks, so every rank takes the same step.
#include <cstddef>
#include <memory>

#include "linlearn/communicator.h"
#include "train/batch_gradient.h"

namespace linlearn {

class GradientReducer {
 public:
  virtual ~GradientReducer() = default;
  // What the kernel divides this process's sums by.
  virtual double divisor(std::size_t local_records) const = 0;
  // The step's gradient from this process's; valid until the next call.
  virtual const BatchGradient& reduce(const BatchGradient& local, std::size_t local_records) = 0;
};

// One process (comm.size() == 1) or the ranks of `comm`; `feature_dim` (sparse: the parameter
// rows) and `outputs` give the shape of a model's weights, `sparse` whether gradients hold only
// the touched rows.
std::unique_ptr<GradientReducer> make_gradient_reducer(Communicator& comm, std::size_t feature_dim, int outputs,
                                                       bool sparse);

}  // namespace linlearn
