// Mapping a regular file for one pass, dropping its pages behind the reader.
#include "io/file_text.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

bool is_gzip_name(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

// The mapping of a non-empty regular file, or nullptr when it is something else or cannot be mapped.
void* map_regular_file(const std::string& path, std::size_t& size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw InputError(path + ": no such file or directory");
    throw InputError(path + ": cannot open: " + std::strerror(errno));
  }
  struct stat info {};
  void* mapping = nullptr;
  // Files that report no size (as under /proc) may still hold bytes: those are read, not mapped.
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    size = static_cast<std::size_t>(info.st_size);
    mapping = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      mapping = nullptr;
    } else {
      ::madvise(mapping, size, MADV_SEQUENTIAL);  // read ahead from disk when not cached
    }
  }
  ::close(fd);
  return mapping;
}

}  // namespace

FileText::FileText(const std::string& path) {
  std::size_t size = 0;
  if (path != "-" && !is_gzip_name(path)) mapping_ = map_regular_file(path, size);
  if (mapping_ != nullptr) {
    bytes_ = {static_cast<const char*>(mapping_), size};
  } else {
    owned_ = read_file_bytes(path);
    bytes_ = owned_;
  }
}

FileText::~FileText() {
  if (mapping_ != nullptr) ::munmap(mapping_, bytes_.size());
}

void FileText::release_before(std::size_t offset) {
  if (mapping_ == nullptr) return;
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t end = offset / page * page;
  if (end <= released_) return;
  // The pages stay in the page cache; only this process's resident set gives them up.
  ::madvise(static_cast<char*>(mapping_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

}  // namespace linlearn
