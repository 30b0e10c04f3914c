#pragma once
// How the records of a data channel are spread over the ranks of a multi-process job
// (--distribution). Pure functions of the file list and the Dataset, so every rank computes its
// share without talking to the others.
#include <string>
#include <vector>

#include "linlearn/dataset.h"

namespace linlearn {

enum class Distribution {
  kSharded,     // files go to ranks round-robin (SageMaker's ShardedByS3Key); too few files: record ranges
  kReplicated,  // every rank reads every file and keeps every size-th record, starting at its rank
};

// "sharded" | "replicated"; UsageError otherwise.
Distribution parse_distribution(const std::string& name);

// Which of the records a rank has read it keeps.
enum class RecordSelection {
  kAll,       // the rank read only its own files
  kRange,     // records [rank * N / size, (rank + 1) * N / size); of plain text files, the lines
              // that start in the rank's size-th of their bytes (read_channel_part) instead
  kEveryNth,  // records rank, rank + size, rank + 2 * size, ...
};

struct RankShare {
  std::vector<std::string> files;  // the files this rank reads, in channel order
  RecordSelection records = RecordSelection::kAll;
};

// The share of rank `rank` of `size` of a channel whose expanded files are `files`. Sharded with at
// least as many files as ranks: file i goes to rank i % size. Sharded with fewer files (a single
// file included): every rank reads all and keeps a contiguous range. Replicated: all, every N-th.
RankShare share_for_rank(const std::vector<std::string>& files, Distribution distribution, int rank, int size);

// The records of `data` that `selection` keeps for rank `rank` of `size`, in their order. The result
// keeps data's feature_dim, density and file list.
Dataset select_records(const Dataset& data, RecordSelection selection, int rank, int size);

// Streamed in blocks, a channel's record count is not known before its end, so a rank keeps every
// size-th record instead of a range: of `block`, whose first record is record `first` of the
// channel, those whose index is rank + k * size.
Dataset every_nth_record(const Dataset& block, std::size_t first, int rank, int size);

}  // namespace linlearn
