#pragma once
// The two archive layers of a SageMaker model, through libarchive: model.tar.gz (a gzip'd tar
// holding model_algo-1) and model_algo-1 itself (a zip of STORED members). Members are read into
// memory with their size capped, and their names are checked, though nothing is ever extracted.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linlearn {

// No member of a Linear Learner model comes near this; a larger one is refused, not read.
inline constexpr std::uint64_t kMaxModelMemberBytes = std::uint64_t{1} << 30;

struct ArchiveMember {
  std::string name;
  std::string bytes;
};

// The regular-file members of the zip `bytes` (directories are skipped). InputError starting with
// `place` when it is not a readable zip, a name is absolute or climbs out with "..", a name repeats,
// a member is not a regular file, or a member is larger than kMaxModelMemberBytes.
std::vector<ArchiveMember> read_zip_members(std::string_view bytes, const std::string& place);

// The bytes of the one `model_algo-1` member of the tar (gzip'd or plain) at `path`, PAX headers
// included; the same name checks, plus InputError when model_algo-1 is missing or repeated.
std::string read_model_algo_member(const std::string& path);

// A zip of STORED members in the given order, as SageMaker's model_algo-1 is laid out.
std::string write_stored_zip(const std::vector<ArchiveMember>& members);

// A gzip'd ustar tar holding `member` (mode 0644, owner root), as SageMaker's model.tar.gz.
std::string write_tar_gz(const ArchiveMember& member);

}  // namespace linlearn
