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
//
// Sparse steps on own rows: when no row's step depends on penalties caught up later (no wd or l1),
// rank r of R steps only the rows of its range [r D / R, (r + 1) D / R) of the D parameter rows,
// which the optimizer would step the same way on any rank, and then sends the new weights of the
// rows it stepped to every rank, in a second message per step:
//   sent:     8 + 4 u + 4 M o u     (u: the union's rows in the rank's range, about t R' / R with
//                                    R' ranks touching a row)
// so that the ranks share the optimizer's work instead of each repeating it over the whole union.
// The optimizer state of a rank's range is then current on that rank only: share_own_ranges brings
// it to every rank before a checkpoint.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

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

  // Sparse data under several ranks: whether reduce() returns the rows of this rank's range only,
  // for the optimizer to step those alone (see the header). Alone, or dense: no effect.
  virtual void step_own_rows(bool own) = 0;
  virtual bool steps_own_rows() const = 0;
  // After the optimizer stepped the rows reduce() returned: the new weights of every rank's stepped
  // rows, of the models `params` (those the step trained, in reduce()'s order), on every rank.
  virtual void share_stepped(std::span<ModelParameters* const> params) = 0;
  // `values` holds a per-row state of the parameter rows (values.size() / feature_dim values per
  // row): every rank's range of it from that rank, so that every rank holds the state of all rows.
  virtual void share_own_ranges(std::span<float> values) = 0;
};

// One process (comm.size() == 1) or the ranks of `comm`; `feature_dim` (sparse: the parameter
// rows) and `outputs` give the shape of a model's weights, `sparse` whether gradients hold only
// the touched rows.
std::unique_ptr<GradientReducer> make_gradient_reducer(Communicator& comm, std::size_t feature_dim, int outputs,
                                                       bool sparse);

}  // namespace linlearn
