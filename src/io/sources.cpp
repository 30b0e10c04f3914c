// Where channel data comes from: expanding files, directories, globs and "-" into a file list,
// and reading a whole file (or stdin) into memory, gunzipping .gz on the way.
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

constexpr std::string_view kStdin = "-";
// zlib counts in 32-bit unsigned ints; hand it at most this much at a time.
constexpr std::size_t kZlibStep = std::size_t{1} << 30;

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// A directory is a set of shards: its regular files in name order, but for names starting with
// '.' or '_': hidden files and what Spark, Hadoop and S3 sync leave beside the shards (_SUCCESS,
// _committed_*, .part-00000.crc).
std::vector<std::string> directory_files(const std::string& dir, const ReadNote& note) {
  std::vector<std::string> files;
  std::vector<std::string> skipped;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    std::error_code type_error;
    if (name.empty() || !entry.is_regular_file(type_error)) continue;
    if (name.front() == '.' || name.front() == '_') {
      skipped.push_back(name);
      continue;
    }
    files.push_back(entry.path().string());
  }
  if (error) throw InputError(dir + ": cannot list directory: " + error.message());
  if (files.empty())
    throw InputError(dir +
                     ": no files match (the directory holds no regular files whose names do not start with "
                     "'.' or '_')");
  std::sort(files.begin(), files.end());
  std::sort(skipped.begin(), skipped.end());
  if (note && !skipped.empty()) {
    std::string names;
    for (const auto& name : skipped) names += (names.empty() ? "" : ", ") + name;
    note(dir + ": skipped " + names + " (names starting with '.' or '_' are not data)");
  }
  return files;
}

std::vector<std::string> glob_matches(const std::string& pattern) {
  glob_t found{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
  std::vector<std::string> matches;
  if (rc == 0) matches.assign(found.gl_pathv, found.gl_pathv + found.gl_pathc);
  ::globfree(&found);
  if (matches.empty()) throw InputError(pattern + ": no files match");
  // Byte order, not the locale's collation, so the shard order is the same everywhere.
  std::sort(matches.begin(), matches.end());
  return matches;
}

void add_path(const std::string& path, std::vector<std::string>& out, const ReadNote& note) {
  if (is_directory(path)) {
    const auto files = directory_files(path, note);
    out.insert(out.end(), files.begin(), files.end());
  } else {
    out.push_back(path);
  }
}

std::string describe_errno(const std::string& path, const char* doing) {
  return path + ": " + doing + ": " + std::strerror(errno);
}

// Reads everything from fd; `size_hint` (the file size when known) makes it one large read.
std::string read_all(int fd, std::size_t size_hint, const std::string& path) {
  std::string data(size_hint > 0 ? size_hint + 1 : std::size_t{1} << 20, '\0');
  std::size_t used = 0;
  while (true) {
    if (used == data.size()) data.resize(data.size() * 2);
    const ssize_t got = ::read(fd, data.data() + used, data.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw InputError(describe_errno(path, "cannot read"));
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  data.resize(used);
  return data;
}

std::string read_raw(const std::string& path) {
  if (path == kStdin) return read_all(STDIN_FILENO, 0, "<stdin>");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw InputError(path + ": no such file or directory");
    throw InputError(describe_errno(path, "cannot open"));
  }
  struct stat info {};
  const std::size_t size =
      ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) ? static_cast<std::size_t>(info.st_size) : 0;
  try {
    std::string data = read_all(fd, size, path);
    ::close(fd);
    return data;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

class Inflater {
 public:
  explicit Inflater(const std::string& path) : path_(path) {
    // 16 + MAX_WBITS: gzip framing only, as the .gz name promises.
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) throw InputError(path + ": cannot start zlib");
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Decompresses every gzip member of `in` (gzip -c a b > c makes several, one after another).
  std::string run(std::string_view in) {
    std::string out;
    out.reserve(expected_size(in));  // capacity only: a wrong guess costs address space, not time
    out.resize(std::min<std::size_t>(out.capacity(), 1 << 16));
    std::size_t produced = 0;
    std::size_t handed = 0;
    while (true) {
      if (stream_.avail_in == 0 && handed < in.size()) {
        const std::size_t step = std::min(in.size() - handed, kZlibStep);
        stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + handed));
        stream_.avail_in = static_cast<uInt>(step);
        handed += step;
      }
      if (produced == out.size()) out.resize(out.size() * 2);
      const uInt room = static_cast<uInt>(std::min(out.size() - produced, kZlibStep));
      stream_.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      stream_.avail_out = room;
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      produced += room - stream_.avail_out;
      const bool input_left = stream_.avail_in > 0 || handed < in.size();
      if (rc == Z_STREAM_END) {
        if (!input_left) break;
        inflateReset(&stream_);  // another member follows
      } else if (rc == Z_BUF_ERROR && !input_left) {
        throw InputError(path_ + ": truncated gzip data");
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        throw InputError(path_ + ": not valid gzip data (" + (stream_.msg ? stream_.msg : "zlib error") + ")");
      }
    }
    out.resize(produced);
    return out;
  }

 private:
  // The last member's trailer holds its size mod 2^32: a good guess for one-member files. Deflate
  // cannot expand more than about 1032:1, which bounds the guess when the trailer is garbage.
  static std::size_t expected_size(std::string_view in) {
    std::size_t guess = in.size() * 4;
    if (in.size() >= 18) {
      const auto* tail = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
      const std::size_t trailer = tail[0] | (tail[1] << 8) | (tail[2] << 16) | (std::size_t{tail[3]} << 24);
      if (trailer <= in.size() * 1032) guess = std::max(guess, trailer);
    }
    return guess;
  }

  std::string path_;
  z_stream stream_{};
};

bool looks_gzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;
}

}  // namespace

std::vector<std::string> expand_paths(const std::vector<std::string>& specs, const ReadNote& note) {
  std::vector<std::string> paths;
  for (const auto& spec : specs) {
    if (spec == kStdin) {
      paths.push_back(spec);
    } else if (exists(spec)) {
      add_path(spec, paths, note);
    } else if (spec.find_first_of("*?[") != std::string::npos) {
      for (const auto& match : glob_matches(spec)) add_path(match, paths, note);
    } else {
      throw InputError(spec + ": no such file or directory");
    }
  }
  return paths;
}

std::string read_file_bytes(const std::string& path) {
  std::string raw = read_raw(path);
  const std::string_view name = path;
  const bool gzipped = (name.size() > 3 && name.substr(name.size() - 3) == ".gz") ||
                       (path == kStdin && looks_gzipped(raw));  // a pipe has no name to tell
  if (!gzipped) return raw;
  return Inflater(path == kStdin ? "<stdin>" : path).run(raw);
}

}  // namespace linlearn
