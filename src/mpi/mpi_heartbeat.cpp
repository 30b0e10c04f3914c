// Heartbeats between the ranks of an MPI job: one int to the next rank per interval on a duplicate
// of MPI_COMM_WORLD, with one receive from the previous rank always posted.
#include "mpi/mpi_heartbeat.h"

#include <mpi.h>

#include <cmath>
#include <cstdio>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

constexpr int kBeatTag = 1;

}  // namespace

struct MpiPeerWatch::Link final : HeartbeatLink {
  Link() {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    next = (rank + 1) % size;
    previous = (rank + size - 1) % size;
  }

  ~Link() override {
    if (receive != MPI_REQUEST_NULL) {
      MPI_Cancel(&receive);
      MPI_Wait(&receive, MPI_STATUS_IGNORE);
    }
    // A send to a rank that is gone may never complete; MPI lets it go.
    if (sending != MPI_REQUEST_NULL) MPI_Request_free(&sending);
  }

  void send() override {
    if (sending != MPI_REQUEST_NULL) {
      int done = 0;
      MPI_Test(&sending, &done, MPI_STATUS_IGNORE);
      if (done == 0) return;  // the last beat is still on its way
    }
    MPI_Isend(&out, 1, MPI_INT, next, kBeatTag, comm, &sending);
  }

  bool poll() override {
    bool heard = false;
    for (;;) {
      if (receive == MPI_REQUEST_NULL) MPI_Irecv(&in, 1, MPI_INT, previous, kBeatTag, comm, &receive);
      int done = 0;
      MPI_Test(&receive, &done, MPI_STATUS_IGNORE);
      if (done == 0) return heard;
      heard = true;
    }
  }

  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0;
  int size = 1;
  int next = 0;
  int previous = 0;
  int out = 0;
  int in = 0;
  MPI_Request sending = MPI_REQUEST_NULL;
  MPI_Request receive = MPI_REQUEST_NULL;
};

MpiPeerWatch::MpiPeerWatch(double timeout_seconds) : link_(std::make_unique<Link>()) {
  WatchdogSettings settings;
  settings.timeout = std::chrono::milliseconds(static_cast<long long>(std::ceil(timeout_seconds * 1000)));
  settings.interval = std::min(settings.interval, settings.timeout / 4);
  settings.watched_rank = link_->previous;
  const int rank = link_->rank;
  const int size = link_->size;
  watchdog_ = std::make_unique<PeerWatchdog>(*link_, settings, [rank, size](int lost, double seconds) {
    // The main thread may be blocked in a collective that will never complete: only ending the
    // process (and, through the launcher, the job) unblocks the ranks.
    std::fprintf(stderr,
                 "linlearn: lost rank %d of %d: no heartbeat for %.1f s (its process was killed or hung, or its "
                 "host is down or cut off); rank %d ends the job\n",
                 lost, size, seconds, rank);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, kExitInternal);
  });
}

void MpiPeerWatch::every_rank_done() {
  MPI_Barrier(MPI_COMM_WORLD);
  watchdog_->stop();
  done_ = true;
}

MpiPeerWatch::~MpiPeerWatch() {
  watchdog_.reset();
  const MPI_Comm comm = link_->comm;
  link_.reset();
  if (done_) {
    MPI_Comm copy = comm;
    MPI_Comm_free(&copy);
  }
}

}  // namespace linlearn
