#pragma once
// How one mini-batch's gradient becomes the step's gradient: alone, the kernel's mean over the
// batch; under several ranks, every rank's sum added in rank order and divided by the records of
// all ranks, so every rank takes the same step.
//
// The ranks exchange one message per step (Communicator::gather_bytes) and each adds up the
// ranks' parts in rank order itself, so the bits do not depend on how the message travels. With
// dense data a message holds every model's whole gradient; with sparse data only the rows the
// rank's batch touched (rows of the FeatureIndex, in the kernel's order), which the ranks merge into
// the union of their touched rows, cut into the kernel's row ranges (the optimizer steps those rows
// only, as in one process; per-record optimizers take each row's sum as one entry). Bytes per step
// and rank, for M models of `o` outputs, t touched rows on the rank and R ranks:
//   sent:     8 (M + k + 6) + 4 t + 4 M o (t + 1)     (k: models measured this epoch, <= M)
//   received: the same from each of the R - 1 other ranks,
// against 4 M o (feature_dim + 1) per rank for the dense exchange.
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
  // The step's gradient from this process's; valid until the next call. `stop_signal` goes in as
  // this process's pending stop signal (0: none) and comes out as the job's, the largest of any
  // rank's, so that every rank stops after the same step.
  virtual const BatchGradient& reduce(const BatchGradient& local, std::size_t local_records, int& stop_signal) = 0;
  // Whether the step's gradient must also list its rows as entries (TouchedRows::entry_rows), for
  // optimizers that step per record.
  virtual void want_entries(bool entries) = 0;
  // Seconds spent in the ranks' exchange so far, waiting for the slowest rank included (0 alone).
  virtual double exchange_seconds() const = 0;
};

// One process (comm.size() == 1) or the ranks of `comm`; `feature_dim` (sparse: the parameter
// rows) and `outputs` give the shape of a model's weights, `sparse` whether gradients hold only
// the touched rows.
std::unique_ptr<GradientReducer> make_gradient_reducer(Communicator& comm, std::size_t feature_dim, int outputs,
                                                       bool sparse);

}  // namespace linlearn
