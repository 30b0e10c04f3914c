// Reading a channel block by block: a byte stream per file (plain, gzip or stdin), cut at line or
// record boundaries, each piece parsed with the whole-file parsers told where it starts.
#include "linlearn/chunked_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "io/libsvm_conventions.h"
#include "io/recordio_checks.h"
#include "io/text_parsing.h"
#include "linlearn/errors.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

// detect_content_type looks at up to this much of a file's head; the first read covers it.
constexpr std::size_t kDetectBytes = 64 * 1024;
// gzread counts in int.
constexpr std::size_t kGzipStep = std::size_t{1} << 30;

std::string display_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

bool has_gz_suffix(const std::string& path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

[[noreturn]] void throw_open_error(const std::string& path) {
  if (errno == ENOENT) throw InputError(path + ": no such file or directory");
  throw InputError(path + ": cannot open: " + std::strerror(errno));
}

// The bytes of one file in order: plain files through std::fread; .gz files and stdin through
// zlib's gzread, which passes plain (not gzipped) stdin through unchanged, as read_file_bytes does.
class ByteStream {
 public:
  explicit ByteStream(const std::string& path) : name_(display_name(path)), must_be_gzip_(has_gz_suffix(path)) {
    if (path == "-" || must_be_gzip_) {
      const int fd = path == "-" ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw_open_error(name_);
      gz_ = ::gzdopen(fd, "rb");
      if (gz_ == nullptr) {
        ::close(fd);
        throw InputError(name_ + ": cannot start zlib");
      }
    } else {
      file_ = std::fopen(path.c_str(), "rb");
      if (file_ == nullptr) throw_open_error(name_);
    }
  }
  ~ByteStream() {
    if (file_ != nullptr) std::fclose(file_);
    if (gz_ != nullptr) ::gzclose(gz_);
  }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to `size` bytes into `into`; fewer only at the end of the input.
  std::size_t read(char* into, std::size_t size) {
    if (file_ != nullptr) {
      const std::size_t got = std::fread(into, 1, size, file_);
      if (got < size && std::ferror(file_)) throw InputError(name_ + ": cannot read: " + std::strerror(errno));
      return got;
    }
    std::size_t total = 0;
    while (total < size) {
      const auto step = static_cast<unsigned>(std::min(size - total, kGzipStep));
      const int got = ::gzread(gz_, into + total, step);
      check_gzip();
      if (got <= 0) break;
      total += static_cast<std::size_t>(got);
    }
    return total;
  }

 private:
  void check_gzip() {
    int error = Z_OK;
    const char* message = ::gzerror(gz_, &error);
    if (error == Z_BUF_ERROR) throw InputError(name_ + ": truncated gzip data");
    if (error == Z_ERRNO) throw InputError(name_ + ": cannot read: " + std::strerror(errno));
    if (error != Z_OK) throw InputError(name_ + ": not valid gzip data (" + message + ")");
    // gzread reads a file without a gzip header as it is; a .gz name promises gzip.
    if (must_be_gzip_ && ::gzdirect(gz_) == 1) throw InputError(name_ + ": not valid gzip data (no gzip header)");
  }

  std::string name_;
  bool must_be_gzip_;
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
};

// Length of the prefix of `data` holding whole RecordIO records, walking frames that start before
// `limit` (the first record is taken whole however long). 0: no record is complete yet. A frame
// header that is not valid ends the prefix at the end of `data`, so that the parser reports it.
std::size_t whole_records_prefix(std::string_view data, std::size_t limit) {
  std::size_t position = 0;
  std::size_t records_end = 0;
  while (data.size() - position >= kRecordIOHeaderBytes && (position < limit || records_end == 0)) {
    const std::uint32_t word = load_recordio_u32(data.data() + position + 4);
    const std::uint32_t flag = word >> 29;
    if (load_recordio_u32(data.data() + position) != kRecordIOMagic || flag > 3) return data.size();
    const std::size_t frame = recordio_frame_bytes(data.data() + position);
    if (frame > data.size() - position) break;
    position += frame;
    if (flag == 0 || flag == 3) records_end = position;  // a whole record or the last part of one
  }
  return records_end;
}

// Whether the file is LIBSVM text holding an index 0, read through once in blocks.
bool libsvm_file_holds_index_zero(const std::string& path, ContentType forced, std::size_t block_bytes) {
  ByteStream in(path);
  std::string buffer;
  std::size_t held = 0;
  std::optional<ContentType> type;
  for (bool at_end = false; !at_end;) {
    const std::size_t wanted = held + std::max(block_bytes, kDetectBytes);
    buffer.resize(wanted);
    const std::size_t got = in.read(buffer.data() + held, wanted - held);
    at_end = held + got < wanted;
    held += got;
    const std::string_view data(buffer.data(), held);
    if (!type) type = forced == ContentType::kAuto ? detect_content_type(data) : forced;
    if (*type != ContentType::kLibsvm) return false;
    const std::size_t cut = at_end ? held : text::whole_lines_prefix(data, held);
    if (lines_hold_index_zero(data.substr(0, cut))) return true;
    buffer.erase(0, cut);
    held -= cut;
  }
  return false;
}

class BlockReader {
 public:
  BlockReader(const ReadOptions& opts, std::size_t block_bytes, const std::function<void(Dataset&&)>& sink)
      : opts_(opts), block_bytes_(std::max<std::size_t>(block_bytes, 1)), sink_(sink) {}

  void read_file(const std::string& path) {
    const std::string name = display_name(path);
    ByteStream in(path);
    // What read_channel compares a file's dense rows with: the rows of the files before it.
    width_source_ = dense_width_ != 0 ? "as in " + previous_file_ : std::string();
    file_ = FileState{};
    std::string buffer;
    std::size_t held = 0;
    std::size_t wanted = std::max(block_bytes_, opts_.content_type == ContentType::kAuto ? kDetectBytes : 0);
    bool at_end = false;
    std::optional<ContentType> type;
    while (true) {
      if (!at_end && held < wanted) {
        buffer.resize(wanted);
        const std::size_t got = in.read(buffer.data() + held, wanted - held);
        at_end = held + got < wanted;
        held += got;
      }
      const std::string_view data(buffer.data(), held);
      if (!type) type = opts_.content_type == ContentType::kAuto ? detect_content_type(data) : opts_.content_type;
      if (held == 0) break;
      std::size_t cut = at_end && held <= block_bytes_    ? held
                        : *type == ContentType::kRecordIO ? whole_records_prefix(data, block_bytes_)
                                                          : text::whole_lines_prefix(data, block_bytes_);
      if (cut == 0 && !at_end) {
        wanted = held + block_bytes_;  // a line or record longer than a block: read on
        continue;
      }
      if (cut == 0) cut = held;
      parse_piece(data.substr(0, cut), name, *type);
      buffer.erase(0, cut);
      held -= cut;
      wanted = block_bytes_;
    }
    if (file_.rows == 0 && type != ContentType::kRecordIO) {
      // The parser reports a text file without records as read_channel would.
      Dataset empty;
      parse_text("", name, *type, empty);
    }
    previous_file_ = name;
  }

  std::size_t rows() const { return rows_; }

 private:
  struct FileState {
    FilePlace place;
    std::size_t rows = 0;
    std::size_t recordio_dim = 0;  // every record of a RecordIO file has one feature_dim
    std::size_t csv_width = 0;     // and every row of a CSV file one width, learned on this line:
    std::string csv_width_source;
    bool minus_one_noted = false;
  };

  void parse_piece(std::string_view piece, const std::string& name, ContentType type) {
    Dataset block;
    if (type == ContentType::kRecordIO) {
      parse_recordio(piece, name, block, file_.place, file_.recordio_dim);
      check_recordio_records(block, piece, name, opts_, file_.place);
      file_.place.record += block.rows();
      if (block.rows() > 0) file_.recordio_dim = block.feature_dim;
    } else {
      // A byte order mark is no record; the parsers drop it from a file's first piece.
      const std::string_view content = file_.place.line == 1 ? text::strip_bom(piece) : piece;
      const std::optional<std::size_t> skipped = text::lines_before_first_record(content, type == ContentType::kLibsvm);
      std::size_t newlines = 0;
      if (skipped) {
        newlines = parse_text(piece, name, type, block);
        if (type == ContentType::kCsv && file_.csv_width == 0) {
          file_.csv_width = block.feature_dim;
          // read_channel refers later files to the earlier ones, and a file's rows to its first.
          file_.csv_width_source =
              dense_width_known() ? width_source_ : "as on line " + std::to_string(file_.place.line + *skipped);
        }
      } else {
        newlines = static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
      }
      file_.place.line += newlines;
    }
    file_.place.byte += piece.size();
    if (block.rows() == 0) return;
    if (type == ContentType::kLibsvm && opts_.minus_one_is_zero &&
        zero_minus_one_labels(block, {0, block.rows(), name}) && !file_.minus_one_noted && opts_.note) {
      opts_.note(minus_one_labels_note(name));
      file_.minus_one_noted = true;
    }
    check_dense_width(block, name);
    if (opts_.feature_dim != 0) {
      if (block.sparse) {
        block.feature_dim = opts_.feature_dim;
      } else if (block.feature_dim < opts_.feature_dim) {
        block.widen(opts_.feature_dim);
      }
    }
    if (type == ContentType::kLibsvm) block.libsvm_base = opts_.libsvm_base;
    file_.rows += block.rows();
    rows_ += block.rows();
    sink_(std::move(block));
  }

  // Returns the newlines of `text`.
  std::size_t parse_text(std::string_view text, const std::string& name, ContentType type, Dataset& block) {
    ReadOptions piece_opts = opts_;
    piece_opts.start = file_.place;
    if (type == ContentType::kLibsvm) return parse_libsvm(text, name, block, piece_opts);
    if (file_.csv_width != 0) {
      piece_opts.row_width = file_.csv_width;
      piece_opts.row_width_source = file_.csv_width_source;
    } else if (dense_width_known()) {
      piece_opts.row_width = dense_width_;
      piece_opts.row_width_source = width_source_;
    }
    return parse_csv(text, name, block, piece_opts);
  }

  // Dense rows of a channel have one width while it holds no sparse records (Dataset::append's rule).
  bool dense_width_known() const { return dense_width_ != 0 && !sparse_seen_; }

  void check_dense_width(const Dataset& block, const std::string& name) {
    if (block.sparse) {
      sparse_seen_ = true;
      return;
    }
    if (!dense_width_known()) {
      if (!sparse_seen_) dense_width_ = block.feature_dim;
      return;
    }
    if (block.feature_dim != dense_width_) {
      throw InputError(name + ": records have " + std::to_string(block.feature_dim) + " features, expected " +
                       std::to_string(dense_width_) + " (" + width_source_ + ")");
    }
  }

  const ReadOptions& opts_;
  std::size_t block_bytes_;
  const std::function<void(Dataset&&)>& sink_;
  FileState file_;
  std::size_t rows_ = 0;
  std::size_t dense_width_ = 0;
  bool sparse_seen_ = false;
  std::string width_source_;
  std::string previous_file_;
};

}  // namespace

IndexBase scan_libsvm_base(const std::vector<std::string>& paths, const ReadOptions& opts, std::size_t block_bytes) {
  for (const std::string& path : paths) {
    if (path == "-" || !libsvm_file_holds_index_zero(path, opts.content_type, block_bytes)) continue;
    if (opts.note) opts.note(zero_based_note(path));
    return IndexBase::kZeroBased;
  }
  return IndexBase::kOneBased;
}

void read_channel_in_blocks(const std::vector<std::string>& specs, const ReadOptions& opts, std::size_t block_bytes,
                            const std::function<void(Dataset&& block)>& sink) {
  const std::vector<std::string> paths = expand_paths(specs, opts.note);
  ReadOptions settled = opts;
  if (settled.libsvm_base == IndexBase::kAuto) settled.libsvm_base = scan_libsvm_base(paths, opts, block_bytes);
  BlockReader reader(settled, block_bytes, sink);
  for (const auto& path : paths) reader.read_file(path);
  if (reader.rows() == 0) {
    std::string names;
    for (const auto& path : paths) names += (names.empty() ? "" : ", ") + display_name(path);
    throw InputError((names.empty() ? std::string("channel") : names) + ": no records found");
  }
}

}  // namespace linlearn
