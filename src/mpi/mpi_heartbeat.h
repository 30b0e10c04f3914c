#pragma once
// The watchdog of a rank of an MPI job (peer_watchdog.h) with its heartbeats over MPI (built with
// LINLEARN_WITH_MPI only). Names no MPI type.
#include <memory>

#include "mpi/peer_watchdog.h"

namespace linlearn {

class MpiPeerWatch {
 public:
  // Collective: every rank constructs one at the same point (it duplicates MPI_COMM_WORLD, so that
  // beats never meet the training's messages). Needs MPI_THREAD_MULTIPLE. When the previous rank
  // is silent for `timeout_seconds`, prints which rank was lost and aborts the job (MPI_Abort:
  // the launcher ends every rank, exit 1).
  explicit MpiPeerWatch(double timeout_seconds);
  // Stops the thread. Frees the duplicate communicator only when `every_rank_done` was called: the
  // ranks are then past a barrier together.
  ~MpiPeerWatch();
  MpiPeerWatch(const MpiPeerWatch&) = delete;
  MpiPeerWatch& operator=(const MpiPeerWatch&) = delete;

  // Stops watching after a barrier of all ranks (called on the main thread at the end of a job
  // that finished on every rank, so no rank takes another's stopped beats for a loss).
  void every_rank_done();

 private:
  struct Link;
  std::unique_ptr<Link> link_;
  std::unique_ptr<PeerWatchdog> watchdog_;
  bool done_ = false;
};

}  // namespace linlearn
