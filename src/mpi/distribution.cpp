// --distribution: which files each rank reads and which of their records it keeps.
#include "linlearn/distribution.h"

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

bool keeps(RecordSelection selection, std::size_t record, std::size_t records, std::size_t rank, std::size_t size) {
  switch (selection) {
    case RecordSelection::kAll:
      return true;
    case RecordSelection::kRange:
      return record >= rank * records / size && record < (rank + 1) * records / size;
    case RecordSelection::kEveryNth:
      return record % size == rank;
  }
  return true;
}

// The records i of `data` for which keep(i), in order, with data's shape and files.
template <class Keep>
Dataset copy_records(const Dataset& data, Keep&& keep) {
  Dataset out;
  out.feature_dim = data.feature_dim;
  out.sparse = data.sparse;
  out.files = data.files;
  out.libsvm_base = data.libsvm_base;
  for (std::size_t i = 0; i < data.rows(); ++i)
    if (keep(i)) out.append_record(data, i);
  return out;
}

}  // namespace

Distribution parse_distribution(const std::string& name) {
  if (name == "sharded") return Distribution::kSharded;
  if (name == "replicated") return Distribution::kReplicated;
  throw UsageError(fmt::format("--distribution: '{}' is not allowed; expected sharded or replicated", name));
}

RankShare share_for_rank(const std::vector<std::string>& files, Distribution distribution, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size)
    throw UsageError(fmt::format("rank {} of {} is not a valid place in a job", rank, size));
  RankShare share;
  if (size == 1) {
    share.files = files;
    return share;
  }
  const auto ranks = static_cast<std::size_t>(size);
  if (distribution == Distribution::kReplicated || files.size() < ranks) {
    share.files = files;
    share.records = distribution == Distribution::kReplicated ? RecordSelection::kEveryNth : RecordSelection::kRange;
    return share;
  }
  for (std::size_t i = static_cast<std::size_t>(rank); i < files.size(); i += ranks) share.files.push_back(files[i]);
  return share;
}

Dataset select_records(const Dataset& data, RecordSelection selection, int rank, int size) {
  const auto r = static_cast<std::size_t>(rank);
  const auto n = static_cast<std::size_t>(size);
  return copy_records(data, [&](std::size_t i) { return keeps(selection, i, data.rows(), r, n); });
}

Dataset every_nth_record(const Dataset& block, std::size_t first, int rank, int size) {
  const auto r = static_cast<std::size_t>(rank);
  const auto n = static_cast<std::size_t>(size);
  return copy_records(block, [&](std::size_t i) { return (first + i) % n == r; });
}

}  // namespace linlearn
