#include <exception>
#include <optional>

#include "linlearn/train_job.h"
#ifdef LINLEARN_WITH_MPI
#include "linlearn/mpi_communicator.h"
#include "mpi/mpi_heartbeat.h"
#endif

namespace linlearn {

#ifdef LINLEARN_WITH_MPI
struct JobProcesses::Mpi {
  MpiSession session;
  std::optional<MpiCommunicator> comm;
  std::unique_ptr<MpiPeerWatch> watch;  // destroyed first
};
#else
struct JobProcesses::Mpi {};
#endif

JobProcesses::JobProcesses() {
#ifdef LINLEARN_WITH_MPI
  if (!started_by_mpi_launcher()) return;
  mpi_ = std::make_unique<Mpi>();
  if (mpi_->session.size() > 1) comm_ = &mpi_->comm.emplace();
#endif
}

JobProcesses::~JobProcesses() {
#ifdef LINLEARN_WITH_MPI
  // A job that ended on every rank stops watching after a barrier; a rank that fails leaves at once.
  if (mpi_ && mpi_->watch && std::uncaught_exceptions() == 0) mpi_->watch->every_rank_done();
#endif
}

bool JobProcesses::watch_peers(double timeout_seconds) {
#ifdef LINLEARN_WITH_MPI
  if (comm_->size() == 1 || timeout_seconds <= 0) return true;
  if (!mpi_->session.threads_may_call()) return false;
  mpi_->watch = std::make_unique<MpiPeerWatch>(timeout_seconds);
#else
  (void)timeout_seconds;
#endif
  return true;
}

}  // namespace linlearn
