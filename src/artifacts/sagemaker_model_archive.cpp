#include "artifacts/sagemaker_model_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <memory>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {
namespace {

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;
using WriteArchive = std::unique_ptr<archive, decltype(&archive_write_free)>;

constexpr const char* kModelAlgoName = "model_algo-1";
// Every member is stamped with one fixed time, so the same model gives the same bytes
// (2020-01-01T00:00:00Z; a zip's DOS time cannot go before 1980).
constexpr time_t kMemberTime = 1577836800;

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown libarchive error";
}

// The name without a leading "./"; InputError when it is absolute or has a ".." component.
std::string checked_member_name(const char* raw, const std::string& place) {
  std::string name = raw != nullptr ? raw : "";
  while (name.starts_with("./")) name.erase(0, 2);
  bool climbs = false;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t end = std::min(name.find_first_of("/\\", start), name.size());
    climbs = climbs || name.compare(start, end - start, "..") == 0;
    start = end + 1;
  }
  if (name.empty() || name.front() == '/' || name.front() == '\\' || climbs)
    throw InputError(fmt::format("{}: member name '{}' is empty, absolute or leaves the archive (\"..\")", place,
                                 raw != nullptr ? raw : ""));
  return name;
}

// Any member, read or skipped: skipping a gzip'd one costs as much as reading it.
void check_declared_size(archive_entry* entry, const std::string& place) {
  if (archive_entry_size_is_set(entry) != 0 &&
      static_cast<std::uint64_t>(archive_entry_size(entry)) > kMaxModelMemberBytes)
    throw InputError(fmt::format("{}: declares {} bytes, more than the {} a model member may have", place,
                                 archive_entry_size(entry), kMaxModelMemberBytes));
}

// The data of the current entry, reading at most kMaxModelMemberBytes whatever its header says.
std::string read_member_data(archive* a, const std::string& place) {
  std::string data;
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buffer.data(), buffer.size());
    if (n < 0) throw InputError(fmt::format("{}: truncated or corrupt: {}", place, archive_message(a)));
    if (n == 0) return data;
    if (data.size() + static_cast<std::size_t>(n) > kMaxModelMemberBytes)
      throw InputError(fmt::format("{}: more than the {} bytes a model member may have", place, kMaxModelMemberBytes));
    data.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

// Calls `visit(name, entry)` for each entry; InputError when the archive cannot be read.
template <class Visit>
void for_each_entry(archive* a, const std::string& place, Visit visit) {
  std::set<std::string> seen;
  for (;;) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(a, &entry);
    if (status == ARCHIVE_EOF) return;
    if (status < ARCHIVE_WARN) throw InputError(fmt::format("{}: truncated or corrupt: {}", place, archive_message(a)));
    const std::string name = checked_member_name(archive_entry_pathname(entry), place);
    if (archive_entry_filetype(entry) == AE_IFDIR) continue;
    if (!seen.insert(name).second) throw InputError(fmt::format("{}: member '{}' appears twice", place, name));
    check_declared_size(entry, place + ": " + name);
    visit(name, entry);
  }
}

}  // namespace

std::vector<ArchiveMember> read_zip_members(std::string_view bytes, const std::string& place) {
  const ReadArchive a(archive_read_new(), archive_read_free);
  if (!a) throw std::bad_alloc();
  // The seekable reader trusts the central directory, as Python's zipfile (SageMaker's writer) does.
  archive_read_support_format_zip_seekable(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw InputError(fmt::format("{}: not a zip archive: {}", place, archive_message(a.get())));
  std::vector<ArchiveMember> members;
  for_each_entry(a.get(), place, [&](const std::string& name, archive_entry* entry) {
    if (archive_entry_filetype(entry) != AE_IFREG)
      throw InputError(fmt::format("{}: member '{}' is not a regular file", place, name));
    members.push_back({name, read_member_data(a.get(), place + ": " + name)});
  });
  return members;
}

std::string read_model_algo_member(const std::string& path) {
  const ReadArchive a(archive_read_new(), archive_read_free);
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    throw InputError(fmt::format("{}: not a tar or tar.gz archive: {}", path, archive_message(a.get())));
  std::string model_algo;
  bool found = false;
  for_each_entry(a.get(), path, [&](const std::string& name, archive_entry* entry) {
    if (name != kModelAlgoName) return;  // SageMaker's tar has no other member; others are not ours to judge
    if (archive_entry_filetype(entry) != AE_IFREG)
      throw InputError(fmt::format("{}: member {} is not a regular file", path, kModelAlgoName));
    model_algo = read_member_data(a.get(), path + ": " + kModelAlgoName);
    found = true;
  });
  if (!found)
    throw InputError(
        fmt::format("{}: no member {} (a SageMaker Linear Learner model.tar.gz holds one)", path, kModelAlgoName));
  return model_algo;
}

namespace {

la_ssize_t append_to_string(archive*, void* client, const void* buffer, size_t length) {
  try {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
  } catch (const std::bad_alloc&) {
    return -1;  // libarchive is C: the failure goes back as its error, not as an exception through it
  }
}

void check(archive* a, int status, const char* what) {
  if (status < ARCHIVE_WARN) throw std::runtime_error(fmt::format("writing {}: {}", what, archive_message(a)));
}

void write_member(archive* a, const ArchiveMember& member, const char* what) {
  const std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(), archive_entry_free);
  if (!entry) throw std::bad_alloc();
  archive_entry_set_pathname(entry.get(), member.name.c_str());
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.bytes.size()));
  archive_entry_set_mtime(entry.get(), kMemberTime, 0);
  check(a, archive_write_header(a, entry.get()), what);
  if (archive_write_data(a, member.bytes.data(), member.bytes.size()) != static_cast<la_ssize_t>(member.bytes.size()))
    check(a, ARCHIVE_FATAL, what);
}

// Runs `configure` on a new writer, writes `members` into a string and returns it.
template <class Configure>
std::string write_archive(const std::vector<ArchiveMember>& members, const char* what, Configure configure) {
  const WriteArchive a(archive_write_new(), archive_write_free);
  if (!a) throw std::bad_alloc();
  configure(a.get());
  // No padding to 10 KiB blocks: the bytes end where the archive does.
  check(a.get(), archive_write_set_bytes_in_last_block(a.get(), 1), what);
  std::string out;
  check(a.get(), archive_write_open(a.get(), &out, nullptr, append_to_string, nullptr), what);
  for (const ArchiveMember& member : members) write_member(a.get(), member, what);
  check(a.get(), archive_write_close(a.get()), what);
  return out;
}

}  // namespace

std::string write_stored_zip(const std::vector<ArchiveMember>& members) {
  return write_archive(members, kModelAlgoName, [](archive* a) {
    check(a, archive_write_set_format_zip(a), kModelAlgoName);
    check(a, archive_write_zip_set_compression_store(a), kModelAlgoName);
  });
}

std::string write_tar_gz(const ArchiveMember& member) {
  return write_archive({member}, "model.tar.gz", [](archive* a) {
    check(a, archive_write_set_format_ustar(a), "model.tar.gz");
    check(a, archive_write_add_filter_gzip(a), "model.tar.gz");
    // No time in the gzip header either (same model, same bytes).
    check(a, archive_write_set_filter_option(a, "gzip", "timestamp", nullptr), "model.tar.gz");
  });
}

}  // namespace linlearn
