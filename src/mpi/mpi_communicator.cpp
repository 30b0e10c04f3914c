// Communicator over MPI_COMM_WORLD. Every combination is done in rank order on every rank, never by
// MPI's reduction operators (whose order depends on the library and the job's layout), so the same
// number of ranks gives the same bits on every run.
#include "linlearn/mpi_communicator.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <exception>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

// MPI counts are ints; a larger message would silently wrap.
int checked_count(std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX))
    throw Error(fmt::format("MPI message of {} elements exceeds the {} an MPI count can hold", count, INT_MAX),
                kExitInternal);
  return static_cast<int>(count);
}

// Every rank's `local` values concatenated in rank order; `counts` receives each rank's length.
template <class T>
std::vector<T> allgather_varying(std::span<const T> local, MPI_Datatype type, int size, std::vector<int>& counts) {
  int mine = checked_count(local.size());
  counts.assign(static_cast<std::size_t>(size), 0);
  MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::vector<int> displacements(static_cast<std::size_t>(size), 0);
  std::size_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    displacements[r] = checked_count(total);
    total += static_cast<std::size_t>(counts[r]);
  }
  checked_count(total);
  std::vector<T> all(total);
  MPI_Allgatherv(local.data(), mine, type, all.data(), counts.data(), displacements.data(), type, MPI_COMM_WORLD);
  return all;
}

// Gathers every rank's copy of `values` and replaces it with their sum, added in rank order in double.
template <class T>
void sum_in_rank_order(std::span<T> values, MPI_Datatype type, int size) {
  if (values.empty()) return;
  const int count = checked_count(values.size());
  std::vector<T> all(values.size() * static_cast<std::size_t>(size));
  MPI_Allgather(values.data(), count, type, all.data(), count, type, MPI_COMM_WORLD);
  for (std::size_t i = 0; i < values.size(); ++i) {
    double total = 0;
    for (std::size_t r = 0; r < static_cast<std::size_t>(size); ++r) total += all[r * values.size() + i];
    values[i] = static_cast<T>(total);
  }
}

}  // namespace

bool started_by_mpi_launcher() {
  // Open MPI's mpirun; PMI (MPICH/Intel MPI, Slurm's srun --mpi=pmi2); PMIx (Open MPI 5, srun --mpi=pmix).
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(variable) != nullptr) return true;
  return false;
}

MpiSession::MpiSession() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized != 0) throw Error("MPI is already initialized in this process", kExitInternal);
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
  threads_may_call_ = provided >= MPI_THREAD_MULTIPLE;
  rank_ = world_rank();
  size_ = world_size();
}

MpiSession::~MpiSession() {
  if (std::uncaught_exceptions() > 0 && size_ > 1) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized == 0) MPI_Finalize();
}

MpiCommunicator::MpiCommunicator() : rank_(world_rank()), size_(world_size()) {}

void MpiCommunicator::sum(std::span<double> values) {
  sum_in_rank_order(values, MPI_DOUBLE, size_);
}

void MpiCommunicator::sum(std::span<float> values) {
  sum_in_rank_order(values, MPI_FLOAT, size_);
}

std::vector<float> MpiCommunicator::gather(std::span<const float> local) {
  std::vector<int> counts;
  return allgather_varying(local, MPI_FLOAT, size_, counts);
}

std::vector<std::uint8_t> MpiCommunicator::gather_bytes(std::span<const std::uint8_t> local,
                                                        std::vector<std::size_t>& counts) {
  std::vector<int> lengths;
  std::vector<std::uint8_t> all = allgather_varying(local, MPI_BYTE, size_, lengths);
  counts.assign(lengths.begin(), lengths.end());
  return all;
}

long long MpiCommunicator::max(long long value) {
  long long result = value;
  MPI_Allreduce(&value, &result, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
  return result;
}

std::string MpiCommunicator::first_error(const std::string& local_error) {
  std::vector<int> lengths;
  const std::vector<char> all =
      allgather_varying(std::span<const char>(local_error.data(), local_error.size()), MPI_CHAR, size_, lengths);
  std::size_t offset = 0;
  for (const int length : lengths) {
    if (length > 0) return std::string(all.data() + offset, static_cast<std::size_t>(length));
    offset += static_cast<std::size_t>(length);
  }
  return {};
}

}  // namespace linlearn
