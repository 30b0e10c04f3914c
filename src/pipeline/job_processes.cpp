#include <optional>

#include "linlearn/train_job.h"
#ifdef LINLEARN_WITH_MPI
#include "linlearn/mpi_communicator.h"
#endif

namespace linlearn {

#ifdef LINLEARN_WITH_MPI
struct JobProcesses::Mpi {
  MpiSession session;
  std::optional<MpiCommunicator> comm;
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

JobProcesses::~JobProcesses() = default;

}  // namespace linlearn
