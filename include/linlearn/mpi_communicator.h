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

// Holds MPI initialized for its lifetime (MPI_Init_thread .. MPI_Finalize). Only the thread that
// created it calls MPI; the worker threads never do.
class MpiSession {
 public:
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int rank_ = 0;
  int size_ = 1;
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
  long long max(long long value) override;
  std::string first_error(const std::string& local_error) override;

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace linlearn
