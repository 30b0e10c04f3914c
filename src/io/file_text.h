#pragma once
// A file's bytes for a reader that goes through them front to back in bounded memory: a regular
// file is mapped, not copied, and the pages the reader has passed are dropped from memory, so the
// text of a large file never sits in memory whole next to the records parsed from it (as with any
// mapping, a file truncated while it is read ends the process with SIGBUS). Standard input, .gz
// files and other streams are read whole, as read_file_bytes does.
#include <cstddef>
#include <string>
#include <string_view>

namespace linlearn {

class FileText {
 public:
  // InputError when the file cannot be opened or read.
  explicit FileText(const std::string& path);
  ~FileText();
  FileText(const FileText&) = delete;
  FileText& operator=(const FileText&) = delete;

  std::string_view bytes() const { return bytes_; }
  // The reader is done with bytes()[0, offset) and will not look at it again.
  void release_before(std::size_t offset);

 private:
  std::string owned_;  // what was read whole
  void* mapping_ = nullptr;
  std::size_t released_ = 0;
  std::string_view bytes_;
};

}  // namespace linlearn
