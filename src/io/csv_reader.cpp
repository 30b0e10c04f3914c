// CSV (SPEC section 2): label first, then the features; dense numbers; no header; blank lines
// ignored. Parsed in line-aligned chunks on threads, each straight into its own float vectors.
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/text_parsing.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

// Pieces smaller than this are parsed on fewer threads: a thread would cost more than it saves.
constexpr std::size_t kMinChunkBytes = 256 * 1024;

// What every row of the file must look like, known before the chunks are parsed.
struct RowShape {
  std::size_t columns = 0;        // label + features
  std::string reference;          // where that width comes from: "as on line 3", "as in a.csv"
  std::size_t first_line = 0;     // the file's first record (1-based), where a header would be
  std::size_t max_features = 0;   // 0: no limit
};

struct CsvChunk {
  std::vector<float> labels;
  std::vector<float> features;
  text::ChunkProgress progress;
};

std::string plural(std::size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

bool is_blank_line(const char* begin, const char* end) {
  for (const char* p = begin; p != end; ++p) {
    if (!text::is_blank(*p) && *p != '\r') return false;
  }
  return true;
}

std::string_view cell_text(const char* cell, const char* line_end) {
  const void* comma = std::memchr(cell, ',', static_cast<std::size_t>(line_end - cell));
  const char* cell_end = comma ? static_cast<const char*>(comma) : line_end;
  while (cell_end != cell && (text::is_blank(cell_end[-1]) || cell_end[-1] == '\r')) --cell_end;
  return {cell, static_cast<std::size_t>(cell_end - cell)};
}

std::size_t count_columns(const char* line_start, const char* line_end) {
  std::size_t columns = 1;
  for (const char* p = line_start; p != line_end; ++p) columns += (*p == ',');
  return columns;
}

// Start of the 1-based `column`th cell of the line.
const char* cell_start(const char* line_start, const char* line_end, std::size_t column) {
  const char* p = line_start;
  for (std::size_t seen = 1; seen < column && p != line_end; ++p) seen += (*p == ',');
  return p;
}

// Parses the rows of one chunk; stops at its first error. `header_line` is the chunk-relative line
// of the file's first record (where a header row would sit), or max() when outside this chunk.
class ChunkParser {
 public:
  ChunkParser(const RowShape& shape, const ReadOptions& opts, std::size_t header_line, CsvChunk& out)
      : shape_(shape), opts_(opts), header_line_(header_line), out_(out) {}

  void parse(std::string_view chunk) {
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    std::size_t line = 0;
    while (p != end) {
      const void* newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      const char* line_end = newline ? static_cast<const char*>(newline) : end;
      const char* content_end = (line_end != p && line_end[-1] == '\r') ? line_end - 1 : line_end;
      if (!parse_row(p, content_end, line)) return;
      if (!newline) break;
      ++line;
      p = line_end + 1;
    }
    out_.progress.newlines = line;
  }

 private:
  bool parse_row(const char* line_start, const char* line_end, std::size_t line) {
    const char* p = text::skip_blanks(line_start, line_end);
    if (p == line_end) return true;  // blank line
    Row row{line_start, line_end, line};
    float label = 0.0f;
    const char* after = nullptr;
    if (!parse_cell(row, p, 1, label, after)) return false;
    if (opts_.label_ok && !opts_.label_ok(label)) {
      return fail(line, line_start, p,
                  "found " + text::quote_token(cell_text(p, line_end)) + ", " +
                      text::label_expectation(opts_.label_expected));
    }
    std::size_t column = 1;
    while (after != line_end) {  // *after == ','
      const char* cell = after + 1;
      ++column;
      float value = 0.0f;
      if (!parse_cell(row, cell, column, value, after)) return false;
      if (column > shape_.columns) return fail_ragged(row, cell);
      out_.features.push_back(value);
    }
    if (column < shape_.columns) return fail_ragged(row, line_end);
    out_.labels.push_back(label);
    return true;
  }

  struct Row {
    const char* start;
    const char* end;
    std::size_t line;
  };

  // Parses the cell at `cell`; on success `after` is at the ',' that ends it or at the line's end.
  bool parse_cell(const Row& row, const char* cell, std::size_t column, float& value, const char*& after) {
    text::NumberStatus status;
    const char* used = text::scan_float(cell, row.end, value, status);
    if (status == text::NumberStatus::kOk && used != row.end && *used == ',') [[likely]] {
      after = used;
      return true;
    }
    return parse_unusual_cell(row, cell, column, value, after);
  }

  // A cell with blanks around it, the last of its line, or a bad one.
  bool parse_unusual_cell(const Row& row, const char* cell, std::size_t column, float& value, const char*& after) {
    cell = text::skip_blanks(cell, row.end);
    if (cell == row.end || *cell == ',') return fail(row.line, row.start, cell, "found '', expected a number");
    text::NumberStatus status;
    after = text::skip_blanks(text::scan_float(cell, row.end, value, status), row.end);
    if (status == text::NumberStatus::kNotANumber || (after != row.end && *after != ',')) {
      std::string message = "found " + text::quote_token(cell_text(cell, row.end)) + ", expected a number";
      if (row.line == header_line_ && column == 1) message += " (CSV input has no header row)";
      return fail(row.line, row.start, cell, std::move(message));
    }
    if (status == text::NumberStatus::kNotFinite) {
      return fail(row.line, row.start, cell,
                  "found " + text::quote_token(cell_text(cell, row.end)) + ", expected a finite number");
    }
    return true;
  }

  bool fail_ragged(const Row& row, const char* at) {
    return fail(row.line, row.start, at,
                "found " + plural(count_columns(row.start, row.end), "column") + ", expected " +
                    std::to_string(shape_.columns) + " (" + shape_.reference + ")");
  }

  bool fail(std::size_t line, const char* line_start, const char* at, std::string message) {
    text::fail(out_.progress.failure, line, line_start, at, std::move(message));
    return false;
  }

  const RowShape& shape_;
  const ReadOptions& opts_;
  std::size_t header_line_;
  CsvChunk& out_;
};

// Finds the first record to learn the row width (or checks it against the rows read before).
RowShape find_row_shape(std::string_view text, const std::string& file, const Dataset& earlier,
                        const ReadOptions& opts) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::size_t line = 1;
  while (p != end) {
    const void* newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
    const char* line_end = newline ? static_cast<const char*>(newline) : end;
    if (!is_blank_line(p, line_end)) {
      const char* content_end = (line_end != p && line_end[-1] == '\r') ? line_end - 1 : line_end;
      const std::size_t columns = count_columns(p, content_end);
      const std::string place = file + ":" + std::to_string(line) + ":";
      RowShape shape;
      shape.first_line = line;
      if (!earlier.sparse && earlier.rows() > 0) {
        // Later files must match the width of the earlier ones; the chunks check every row.
        shape.columns = earlier.feature_dim + 1;
        shape.reference = "as in " + (earlier.files.empty() ? std::string("the earlier files") : earlier.files.back());
        return shape;
      }
      if (columns < 2) {
        throw InputError(place + std::to_string(text::character_column(p, content_end)) +
                         ": found 1 column, expected a label and at least one feature");
      }
      if (opts.feature_dim != 0 && columns - 1 > opts.feature_dim) {
        const char* extra = cell_start(p, content_end, opts.feature_dim + 2);
        throw InputError(place + std::to_string(text::character_column(p, extra)) + ": found " +
                         plural(columns - 1, "feature") + ", expected at most feature_dim " +
                         std::to_string(opts.feature_dim));
      }
      shape.columns = columns;
      shape.reference = "as on line " + std::to_string(line);
      return shape;
    }
    if (!newline) break;
    ++line;
    p = line_end + 1;
  }
  throw InputError(file + ": no records found, expected at least one CSV row");
}

}  // namespace

void parse_csv(std::string_view input, const std::string& file, Dataset& out, const ReadOptions& opts) {
  const std::string_view text = text::strip_bom(input);
  const RowShape shape = find_row_shape(text, file, out, opts);
  const std::vector<std::string_view> pieces = text::split_at_lines(text, opts.threads, kMinChunkBytes);

  std::vector<CsvChunk> chunks(pieces.size());
  text::run_on_threads(pieces.size(), [&](std::size_t i) {
    // Every valid row spends at least one byte per cell and one per separator, which bounds the
    // rows of a piece; reserving that once keeps the hot loop free of reallocations. The first
    // piece reserves room for the whole file: the others are appended to it without a reallocation.
    const std::size_t bytes = i == 0 ? text.size() : pieces[i].size();
    const std::size_t max_rows = bytes / (2 * shape.columns - 1) + 1;
    chunks[i].labels.reserve(max_rows);
    chunks[i].features.reserve(max_rows * (shape.columns - 1));
    const std::size_t header_line = i == 0 ? shape.first_line - 1 : std::numeric_limits<std::size_t>::max();
    ChunkParser(shape, opts, header_line, chunks[i]).parse(pieces[i]);
  });

  std::vector<text::ChunkProgress> progress;
  progress.reserve(chunks.size());
  for (const auto& chunk : chunks) progress.push_back(chunk.progress);
  text::throw_first_failure(progress, file);

  Dataset part;
  part.feature_dim = shape.columns - 1;
  part.files.push_back(file);
  part.labels = std::move(chunks[0].labels);
  part.dense = std::move(chunks[0].features);
  for (std::size_t i = 1; i < chunks.size(); ++i) {
    part.labels.insert(part.labels.end(), chunks[i].labels.begin(), chunks[i].labels.end());
    part.dense.insert(part.dense.end(), chunks[i].features.begin(), chunks[i].features.end());
    chunks[i] = CsvChunk{};  // free each piece as soon as it is copied
  }
  out.append(std::move(part));
}

}  // namespace linlearn
