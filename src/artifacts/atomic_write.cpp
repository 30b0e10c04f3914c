#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message_lite.h>

#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {

void ensure_directory(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec || !std::filesystem::is_directory(path))
    throw OutputError(
        fmt::format("{}: cannot create output directory: {}", path, ec ? ec.message() : "not a directory"));
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), temp_(path_ + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw OutputError(fmt::format("{}: cannot write: {}", path_, std::strerror(errno)));
}

AtomicFile::~AtomicFile() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(temp_.c_str());
}

void AtomicFile::fail(int error) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
  throw OutputError(fmt::format("{}: cannot write: {}", path_, std::strerror(error)));
}

void AtomicFile::write(std::string_view bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : ENOSPC);
    written += static_cast<std::size_t>(n);
  }
}

namespace {

// Protobuf's output buffer drains into the file; a failed write is kept and rethrown after
// serialization returns, rather than thrown through protobuf's frames.
class FileSink final : public google::protobuf::io::CopyingOutputStream {
 public:
  explicit FileSink(AtomicFile& file) : file_(file) {}
  bool Write(const void* buffer, int size) override {
    try {
      file_.write(std::string_view(static_cast<const char*>(buffer), static_cast<std::size_t>(size)));
      return true;
    } catch (...) {
      error_ = std::current_exception();
      return false;
    }
  }
  void rethrow_failure() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  AtomicFile& file_;
  std::exception_ptr error_;
};

}  // namespace

void AtomicFile::write(const google::protobuf::MessageLite& message) {
  FileSink sink(*this);
  bool written = false;
  {
    google::protobuf::io::CopyingOutputStreamAdaptor stream(&sink);
    written = message.SerializeToZeroCopyStream(&stream) && stream.Flush();
  }
  sink.rethrow_failure();
  if (!written) throw OutputError(fmt::format("{}: cannot serialize {}", path_, message.GetTypeName()));
}

void AtomicFile::commit() {
  // A rename without fsync could expose an empty file after a crash.
  if (::fsync(fd_) != 0) fail(errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 || ::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp_.c_str());
    throw OutputError(fmt::format("{}: cannot write: {}", path_, std::strerror(err)));
  }
}

void write_file_atomically(const std::string& path, std::string_view content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

}  // namespace linlearn
