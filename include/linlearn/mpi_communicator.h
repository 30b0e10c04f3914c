#pragma once
// Training as one rank of an MPI job (built with LINLEARN_WITH_MPI only). The header names no MPI
// type, so code that includes it does not depend on <mpi.h>.
#include <span>
#include <string>
#include <vector>

#include "linlearn/communicator.h"

namespace linlearn {

// True when an MPI launcher (mpirun/mpiexec, Slurm's srun, the MPI Operator's launcher) started this
// process. A plain `linlearn train` then never initializes MPI, so it behaves as in a build without it.
bool started_by_mpi_launcher();

// Holds MPI initialized for its lifetime (MPI_Init_thread .. MPI_Finalize). The thread that created
// it runs the collectives; the worker threads never call MPI; the peer watchdog's thread sends and
// receives heartbeats, which MPI_THREAD_MULTIPLE allows. A session that ends while an exception is
// in flight does not finalize: this rank failed on its own, and MPI_Finalize would wait for ranks
// still blocked in a collective with it; the process exits with its error and the launcher ends
// the others.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Whether a second thread may call MPI (the library provides MPI_THREAD_MULTIPLE).
  bool threads_may_call() const { return threads_may_call_; }

 private:
  int rank_ = 0;
  int size_ = 1;
  bool threads_may_call_ = false;
};

// Communicator over MPI_COMM_WORLD. Sums gather every rank's values and add them up locally in rank
// order, so every rank gets the same bits whatever reduction tree the MPI library would choose.
// Requires a live MpiSession.
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator();

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<double> values) override;
  void sum(std::span<float> values) override;
  std::vector<float> gather(std::span<const float> local) override;
  std::vector<std::uint8_t> gather_bytes(std::span<const std::uint8_t> local,
                                         std::vector<std::size_t>& counts) override;
  long long max(long long value) override;
  std::string first_error(const std::string& local_error) override;

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace linlearn
