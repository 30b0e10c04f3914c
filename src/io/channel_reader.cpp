// A data channel: every file its specs name, each read, recognised and parsed, into one Dataset.
// Text is parsed a window of whole lines at a time, straight into the channel's store, and each
// window's pages are dropped before the next (FileText): the text of a file never sits in memory
// whole next to its records.
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "io/channel_reader.h"
#include "io/file_text.h"
#include "io/libsvm_conventions.h"
#include "io/recordio_checks.h"
#include "io/text_parsing.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

// How a file is named in messages and in Dataset::files.
std::string display_name(const std::string& path) {
  return path == "-" ? "<stdin>" : path;
}

// The size of a plain regular file; 0 for what cannot be known before reading (stdin, .gz, pipes).
std::size_t plain_file_bytes(const std::string& path) {
  struct stat info {};
  const bool gzip = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (path == "-" || gzip || ::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return 0;
  return static_cast<std::size_t>(info.st_size);
}

// Makes room in `data` for the dense rows still to come, estimated from the bytes per row so far,
// so that the store grows once rather than by doubling: a doubling holds the old and the new
// copy at once. Room that is never filled is address space only, so the estimate is generous,
// but never above what `bytes_left` can hold (every cell and separator takes a byte).
void reserve_rows(Dataset& data, std::size_t rows_read, std::size_t bytes_read, std::size_t bytes_left) {
  if (rows_read == 0 || bytes_read == 0 || data.feature_dim == 0) return;
  const double bytes_per_row = static_cast<double>(bytes_read) / static_cast<double>(rows_read);
  const auto estimate = static_cast<std::size_t>(1.25 * static_cast<double>(bytes_left) / bytes_per_row) + 16;
  const std::size_t most = bytes_left / (2 * data.feature_dim) + 1;
  const std::size_t rows = data.rows() + std::min(estimate, most);
  // Several files each underestimated must still grow the store geometrically.
  if (rows > data.labels.capacity()) data.labels.reserve(std::max(rows, data.labels.capacity() * 3 / 2));
  if (rows * data.feature_dim > data.dense.capacity()) {
    data.dense.reserve(std::max(rows * data.feature_dim, data.dense.capacity() * 3 / 2));
  }
}

// The same for sparse rows (LIBSVM): room for the rows and non-zeros `bytes_left` would hold at the
// rates of the text read so far, so that a large store is never copied to grow.
void reserve_nonzeros(Dataset& data, std::size_t rows_read, std::size_t nonzeros_read, std::size_t bytes_read,
                      std::size_t bytes_left) {
  if (rows_read == 0 || bytes_read == 0) return;
  const double scale = 1.25 * static_cast<double>(bytes_left) / static_cast<double>(bytes_read);
  const std::size_t rows = data.rows() + static_cast<std::size_t>(scale * static_cast<double>(rows_read)) + 16;
  const std::size_t nonzeros =
      data.col_idx.size() + static_cast<std::size_t>(scale * static_cast<double>(nonzeros_read)) + 16;
  if (rows > data.labels.capacity()) {
    data.labels.reserve(std::max(rows, data.labels.capacity() * 3 / 2));
    data.row_ptr.reserve(std::max(rows + 1, data.row_ptr.capacity() * 3 / 2));
  }
  if (nonzeros > data.col_idx.capacity()) {
    data.col_idx.reserve(std::max(nonzeros, data.col_idx.capacity() * 3 / 2));
    data.values.reserve(std::max(nonzeros, data.values.capacity() * 3 / 2));
  }
}

// Bytes [begin, end) of a file: its lines that start there.
struct ByteRange {
  std::size_t begin = 0;
  std::size_t end = std::string_view::npos;
};

// The first line start at or after `at` (the end of `bytes` when no line starts there).
std::size_t line_start_from(std::string_view bytes, std::size_t at) {
  if (at == 0 || at >= bytes.size()) return std::min(at, bytes.size());
  const std::size_t newline = bytes.find('\n', at - 1);
  return newline == std::string_view::npos ? bytes.size() : newline + 1;
}

class ChannelReader {
 public:
  ChannelReader(const ReadOptions& opts, const std::vector<std::string>& paths, std::size_t window_bytes)
      : opts_(opts), window_bytes_(std::max<std::size_t>(window_bytes, 1)) {
    for (const auto& path : paths) later_bytes_ += plain_file_bytes(path);
  }

  // The records of the file, or (text only) those of its lines that start in `range`.
  void read_file(const std::string& path, ByteRange range = {}) {
    later_bytes_ -= std::min(later_bytes_, plain_file_bytes(path));
    const std::string file = display_name(path);
    FileText source(path);
    const std::string_view bytes = source.bytes();
    const ContentType type = opts_.content_type == ContentType::kAuto ? detect_content_type(bytes) : opts_.content_type;
    range = {line_start_from(bytes, range.begin), line_start_from(bytes, range.end)};
    if (type == ContentType::kRecordIO) {
      Dataset part;
      parse_recordio_file(bytes, file, part, opts_.threads, opts_.has_label);
      check_recordio_records(part, bytes, file, opts_, FilePlace{});
      out_.append(std::move(part));
    } else if (type == ContentType::kLibsvm) {
      const LibsvmRows rows{out_.rows(), 0, file};
      read_text(source, file, true, out_, range);
      libsvm_rows_.push_back({rows.first, out_.rows(), file});
      if (opts_.minus_one_is_zero && zero_minus_one_labels(out_, libsvm_rows_.back()) && opts_.note)
        opts_.note(minus_one_labels_note(file));
    } else if (out_.sparse) {
      // Dense rows after sparse ones: the file's rows are gathered first, then converted by append.
      Dataset part;
      read_text(source, file, false, part, range);
      out_.append(std::move(part));
    } else {
      read_text(source, file, false, out_, range);
    }
  }

  Dataset take() {
    if (opts_.libsvm_base == IndexBase::kAuto) {
      settle_libsvm_base(out_, libsvm_rows_, opts_);
    } else if (!libsvm_rows_.empty()) {
      out_.libsvm_base = opts_.libsvm_base;
    }
    return std::move(out_);
  }

 private:
  // Parses the lines of one file in `range` window by window, with the lines and row width of the
  // whole file.
  void read_text(FileText& source, const std::string& file, bool libsvm, Dataset& into, ByteRange range) {
    const std::string_view bytes = source.bytes().substr(0, range.end);
    const std::size_t rows_before = into.rows();
    ReadOptions piece_opts = opts_;
    piece_opts.start.line += static_cast<std::size_t>(std::count(bytes.begin(), bytes.begin() + range.begin, '\n'));
    for (std::size_t offset = range.begin; offset < bytes.size();) {
      const std::string_view rest = bytes.substr(offset);
      std::size_t cut = rest.size() <= window_bytes_ ? rest.size() : text::whole_lines_prefix(rest, window_bytes_);
      if (cut == 0) cut = rest.size();
      const std::string_view piece = rest.substr(0, cut);
      const std::optional<std::size_t> skipped =
          text::lines_before_first_record(offset == 0 ? text::strip_bom(piece) : piece, libsvm);
      std::size_t newlines = 0;
      if (!skipped) {
        newlines = static_cast<std::size_t>(std::count(piece.begin(), piece.end(), '\n'));
      } else if (libsvm) {
        const std::size_t rows = into.rows();
        const std::size_t nonzeros = into.col_idx.size();
        newlines = parse_libsvm(piece, file, into, piece_opts);
        reserve_nonzeros(into, into.rows() - rows, into.col_idx.size() - nonzeros, cut,
                         bytes.size() - offset - cut + later_bytes_);
      } else if (piece_opts.row_width != 0) {
        newlines = parse_csv(piece, file, into, piece_opts);
      } else {
        // The file's first rows: the later windows hold rows to the width they set, named as
        // parse_csv names it (the earlier files of the channel, or this file's first record).
        const bool earlier_rows = into.rows() > 0;
        std::string width_source =
            earlier_rows ? "as in " + (into.files.empty() ? std::string("the earlier files") : into.files.back())
                         : "as on line " + std::to_string(piece_opts.start.line + *skipped);
        newlines = parse_csv(piece, file, into, piece_opts);
        piece_opts.row_width = into.feature_dim;
        piece_opts.row_width_source = std::move(width_source);
        reserve_rows(into, into.rows() - rows_before, cut, bytes.size() - offset - cut + later_bytes_);
      }
      piece_opts.start.line += newlines;
      offset += cut;
      source.release_before(offset);
    }
    // A range after the file's first line may hold no records; the one with the first line tells
    // whether the file holds any.
    const bool file_has_records =
        into.rows() > rows_before ||
        (range.begin > 0 || text::lines_before_first_record(source.bytes().substr(range.end), libsvm).has_value());
    if (!file_has_records) {
      // A file without records: the parser says so in its format's words.
      Dataset empty;
      if (libsvm) {
        parse_libsvm("", file, empty, opts_);
      } else {
        parse_csv("", file, empty, opts_);
      }
    }
  }

  const ReadOptions& opts_;
  std::size_t window_bytes_;
  std::size_t later_bytes_ = 0;  // of the plain files not read yet
  Dataset out_;
  std::vector<LibsvmRows> libsvm_rows_;
};

}  // namespace

Dataset read_channel(const std::vector<std::string>& specs, const ReadOptions& opts) {
  return read_channel_in_windows(specs, opts, kWindowBytes);
}

namespace {

// A channel's records checked against a declared feature_dim and brought to it.
Dataset fit_to_declared_width(Dataset out, const std::vector<std::string>& specs, const ReadOptions& opts,
                              std::size_t window_bytes) {
  if (opts.feature_dim == 0 || out.rows() == 0) return out;
  if (out.feature_dim > opts.feature_dim) {
    // Only indices that turned out 0-based reach past a declared feature_dim: read again with the
    // base known, so that the parser names the index.
    ReadOptions zero_based = opts;
    zero_based.libsvm_base = IndexBase::kZeroBased;
    zero_based.note = {};
    read_channel_in_windows(specs, zero_based, window_bytes);
  }
  if (!out.sparse && opts.exact_width && out.feature_dim != opts.feature_dim) {
    const std::string place =
        out.files.empty() ? std::string("input:") : first_record_place(out.files.front(), opts.content_type);
    throw InputError(fmt::format("{} found {} feature{}, expected {}", place, out.feature_dim,
                                 out.feature_dim == 1 ? "" : "s", opts.feature_dim_text()));
  }
  // Every record was checked against the declared feature_dim, so it can only widen the data.
  if (out.sparse) {
    out.feature_dim = opts.feature_dim;
  } else if (out.feature_dim < opts.feature_dim) {
    out.widen(opts.feature_dim);
  }
  return out;
}

}  // namespace

Dataset read_channel_in_windows(const std::vector<std::string>& specs, const ReadOptions& opts,
                                std::size_t window_bytes) {
  const std::vector<std::string> paths = expand_paths(specs, opts.note);
  ChannelReader reader(opts, paths, window_bytes);
  for (const auto& path : paths) reader.read_file(path);
  Dataset out = reader.take();
  if (out.rows() == 0) {
    std::string names;
    for (const auto& path : paths) names += (names.empty() ? "" : ", ") + display_name(path);
    throw InputError((names.empty() ? std::string("channel") : names) + ": no records found");
  }
  return fit_to_declared_width(std::move(out), specs, opts, window_bytes);
}

std::optional<Dataset> read_channel_part(const std::vector<std::string>& paths, const ReadOptions& opts,
                                         std::size_t part, std::size_t parts) {
  std::vector<std::size_t> sizes;
  std::size_t total = 0;
  bool libsvm = false;
  for (const std::string& path : paths) {
    sizes.push_back(plain_file_bytes(path));
    if (sizes.back() == 0) return std::nullopt;
    const FileText head(path);
    const ContentType type =
        opts.content_type == ContentType::kAuto ? detect_content_type(head.bytes()) : opts.content_type;
    if (type == ContentType::kRecordIO) return std::nullopt;
    libsvm = libsvm || type == ContentType::kLibsvm;
    total += sizes.back();
  }
  const std::size_t first = part * total / parts;
  const std::size_t last = (part + 1) * total / parts;
  ChannelReader reader(opts, {}, kWindowBytes);
  for (std::size_t i = 0, at = 0; i < paths.size(); at += sizes[i++])
    if (first < at + sizes[i] && last > at)
      reader.read_file(paths[i], {std::max(first, at) - at, std::min(last, at + sizes[i]) - at});
  Dataset out = reader.take();
  if (out.rows() == 0 && libsvm) out.to_sparse();  // the layout of the other parts
  return fit_to_declared_width(std::move(out), paths, opts, kWindowBytes);
}

std::string first_record_place(const std::string& file, ContentType forced) {
  std::string bytes;
  try {
    bytes = read_file_bytes(file);
  } catch (const InputError&) {
    return file + ":";  // stdin, or a file gone since: the name is all there is
  }
  const ContentType type = forced == ContentType::kAuto ? detect_content_type(bytes) : forced;
  if (type == ContentType::kRecordIO) return file + ": record 0 at byte 0:";
  const std::string_view text = text::strip_bom(bytes);
  std::size_t line = 1;
  for (std::size_t pos = 0; pos < text.size(); ++line) {
    const std::size_t end = std::min(text.size(), text.find('\n', pos));
    for (std::size_t i = pos; i < end; ++i) {
      if (!text::is_blank(text[i]) && text[i] != '\r') return fmt::format("{}:{}:1:", file, line);
    }
    pos = end + 1;
  }
  return file + ":";
}

}  // namespace linlearn
