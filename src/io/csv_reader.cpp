// CSV (SPEC section 2): label first, then the features; dense numbers; no header; blank lines
// ignored. Parsed in line-aligned chunks on threads, each straight into its rows of the Dataset.
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstdint>
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
  std::size_t columns = 0;  // label (unless ReadOptions::has_label is false) + features
  std::size_t label_columns = 1;
  std::string reference;       // where that width comes from: "as on line 3", "as in a.csv"
  std::size_t first_line = 0;  // the file's first record (1-based), where a header would be
};

// Where one chunk writes its rows: room for `max_rows` (one per line it holds) from `first_row` on.
struct CsvChunk {
  std::size_t first_row = 0;
  std::size_t max_rows = 0;
  float* labels = nullptr;
  float* features = nullptr;
  std::size_t rows = 0;  // written
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

// Bit i tells whether block[i] is a ',' (in `commas`) or a '\n' (in `newlines`), for the up to 64
// bytes of [block, end). Scanning separators this way lets the cells of a row parse independently
// instead of each waiting for the previous one to find its end.
struct Separators {
  std::uint64_t commas = 0;
  std::uint64_t newlines = 0;
};

Separators find_separators(const char* block, const char* end) {
  Separators found;
#if defined(__SSE2__)
  if (end - block >= 64) {
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i newline = _mm_set1_epi8('\n');
    for (int part = 0; part < 4; ++part) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * part));
      const auto shift = static_cast<unsigned>(16 * part);
      found.commas |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma)))}
                      << shift;
      found.newlines |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, newline)))}
                        << shift;
    }
    return found;
  }
#endif
  const std::ptrdiff_t count = std::min<std::ptrdiff_t>(end - block, 64);
  for (std::ptrdiff_t i = 0; i < count; ++i) {
    found.commas |= std::uint64_t{block[i] == ','} << i;
    found.newlines |= std::uint64_t{block[i] == '\n'} << i;
  }
  return found;
}

// Rows a text can hold at most: one per line, the last one perhaps without a newline.
std::size_t count_lines(std::string_view text) {
  std::size_t lines = 0;
  const char* const end = text.data() + text.size();
  for (const char* block = text.data(); block < end; block += 64) {
    lines += static_cast<std::size_t>(std::popcount(find_separators(block, end).newlines));
  }
  return lines + (!text.empty() && text.back() != '\n');
}

// Parses the rows of one chunk; stops at its first error. `header_line` is the chunk-relative line
// of the file's first record (where a header row would sit), or max() when outside this chunk.
class ChunkParser {
 public:
  ChunkParser(const RowShape& shape, const ReadOptions& opts, std::size_t header_line, CsvChunk& out)
      : shape_(shape), opts_(opts), header_line_(header_line), out_(out) {}

  void parse(std::string_view chunk) {
    const char* const end = chunk.data() + chunk.size();
    chunk_begin_ = chunk.data();
    chunk_end_ = end;
    line_start_ = chunk.data();
    RowState state;
    // The hot loop keeps the state in locals, so that it stays in registers; take_cell gets a copy.
    const char* cell = chunk.data();
    std::size_t column = 0;
    float* row = nullptr;
    const std::size_t columns = shape_.columns;
    const std::size_t label_columns = shape_.label_columns;
    bool integers = true;  // see feature_value
    for (const char* block = chunk.data(); block < end; block += 64) {
      const Separators found = find_separators(block, end);
      for (std::uint64_t bits = found.commas | found.newlines; bits != 0; bits &= bits - 1) {
        const int at = std::countr_zero(bits);
        const char* stop = block + at;
        const bool ends_row = (found.newlines >> at) & 1;
        float value;
        // The hot path: a feature in the middle of a row that is a plain number.
        // column - 1 < columns - 1: neither the label nor a cell past the row's width.
        if (!ends_row && column - 1 < columns - 1 && feature_value(cell, stop, end, integers, value)) [[likely]] {
          row[column - label_columns] = value;
          ++column;
        } else {
          state = {cell, column, state.label, row};
          if (!take_cell(state, stop, ends_row)) return;
          column = state.column;
          row = state.row;
          integers = integers || ends_row;
        }
        cell = stop + 1;
      }
    }
    state = {cell, column, state.label, row};
    // A last line without a newline.
    if ((state.cell != end || state.column > 0) && !take_cell(state, end, true)) return;
    out_.progress.newlines = line_;
  }

 private:
  struct RowState {
    const char* cell = nullptr;  // start of the cell being read
    std::size_t column = 0;      // of `cell` in its row, 0 = the label
    float label = 0.0f;
    float* row = nullptr;  // where the current row's features go
  };

  // Any cell [state.cell, stop); `ends_row` when stop is a newline or the end of the chunk.
  bool take_cell(RowState& state, const char* stop, bool ends_row) {
    const char* cell = state.cell;
    float value;
    if (!integer_value(cell, stop, chunk_end_, value) && !plain_value(cell, stop, chunk_end_, value)) {
      if (state.column == 0 && ends_row && is_blank_line(cell, stop)) {
        next_line(stop);
        return true;
      }
      if (!careful_value(cell, stop, state.column, value)) return false;
    }
    if (state.column == 0) {
      // A row fills exactly this, or the chunk fails.
      state.row = out_.features + out_.rows * (shape_.columns - shape_.label_columns);
      state.label = 0.0f;  // rows without a label column (predict input)
    }
    if (state.column < shape_.label_columns) {
      if (opts_.label_ok && !opts_.label_ok(value)) return fail_label(cell, stop);
      state.label = value;
    } else {
      if (state.column >= shape_.columns) return fail_ragged(cell, stop);
      state.row[state.column - shape_.label_columns] = value;
    }
    ++state.column;
    if (ends_row) {
      if (state.column < shape_.columns) return fail_ragged(trim_cr(cell, stop), stop);
      out_.labels[out_.rows++] = state.label;
      state.column = 0;
      next_line(stop);
    }
    return true;
  }

  // Data is mostly integers or mostly decimals: integers, the faster path, are tried first until a
  // cell of the row is not one (`integers` turns false), then plain numbers until the next row.
  bool feature_value(const char* cell, const char* stop, const char* end, bool& integers, float& value) const {
    if (integers && integer_value(cell, stop, end, value)) return true;
    integers = false;
    return plain_value(cell, stop, end, value);
  }

  // The common cell: an integer of 1 to 7 digits, whose length the separators already tell, checked
  // and read as one 8-byte word.
  static bool integer_value(const char* cell, const char* stop, const char* end, float& value) {
    if (end - cell < 8) return false;
    std::uint64_t word;
    std::memcpy(&word, cell, sizeof word);
    const auto length = static_cast<std::size_t>(stop - cell);
    if (length - 1 >= 7) return false;
    // Shifting drops what follows the cell.
    const auto shift = static_cast<unsigned>(64 - 8 * length);
    if (text::non_digit_bits(word) << shift != 0) return false;
    value = static_cast<float>(text::aligned_digits_value(word << shift));
    return true;
  }

  // Any plain number: read as one vector (text::vector_plain_magnitude) where the instructions
  // allow, else 8 bytes at a time (text::scan_plain_magnitude).
  bool plain_value(const char* cell, const char* stop, const char* end, float& value) const {
    const bool negative = cell != stop && *cell == '-';
    float magnitude = 0.0f;
#if defined(__SSE4_1__)
    if (stop - chunk_begin_ >= 16) {
      if (!text::vector_plain_magnitude(stop, stop - cell - negative, magnitude)) return false;
      value = negative ? -magnitude : magnitude;
      return true;
    }
#endif
    if (text::scan_plain_magnitude(cell + negative, end, magnitude) != stop) return false;
    value = negative ? -magnitude : magnitude;
    return true;
  }

  // Every other cell: blanks around it, a '\r' before the newline, decimals, exponents, or an error.
  bool careful_value(const char* cell, const char* stop, std::size_t column, float& value) {
    const char* first = text::skip_blanks(cell, stop);
    const char* last = stop;
    while (last != first && (text::is_blank(last[-1]) || last[-1] == '\r')) --last;
    if (first == last) return fail(first, "found '', expected a number");
    text::NumberStatus status;
    const char* used = text::scan_float(first, last, value, status);
    if (status == text::NumberStatus::kOk && used == last) return true;
    // Quoted only here: this is the path of every decimal the quick one does not take.
    const std::string token = text::quote_token({first, static_cast<std::size_t>(last - first)});
    if (status == text::NumberStatus::kNotANumber || used != last) {
      const bool maybe_header = line_ == header_line_ && column == 0;
      return fail(first,
                  "found " + token + ", expected a number" + (maybe_header ? " (CSV input has no header row)" : ""));
    }
    return fail(first, "found " + token + ", expected a finite number");
  }

  static const char* trim_cr(const char* cell, const char* stop) {
    return stop != cell && stop[-1] == '\r' ? stop - 1 : stop;
  }

  void next_line(const char* newline) {
    ++line_;
    line_start_ = newline + 1;
  }

  bool fail_label(const char* cell, const char* stop) {
    const char* first = text::skip_blanks(cell, stop);
    const char* last = trim_cr(first, stop);
    while (last != first && text::is_blank(last[-1])) --last;
    return fail(first, "found " + text::quote_token({first, static_cast<std::size_t>(last - first)}) + ", " +
                           text::label_expectation(opts_.label_expected));
  }

  bool fail_ragged(const char* at, const char* stop) {
    const char* end_of_line = stop;
    while (end_of_line != chunk_end_ && *end_of_line != '\n') ++end_of_line;
    return fail(at, "found " + plural(count_columns(line_start_, end_of_line), "column") + ", expected " +
                        std::to_string(shape_.columns) + " (" + shape_.reference + ")");
  }

  bool fail(const char* at, std::string message) {
    text::fail(out_.progress.failure, line_, line_start_, at, std::move(message));
    return false;
  }

  const RowShape& shape_;
  const ReadOptions& opts_;
  std::size_t header_line_;
  CsvChunk& out_;
  std::size_t line_ = 0;  // chunk-relative
  const char* line_start_ = nullptr;
  const char* chunk_begin_ = nullptr;
  const char* chunk_end_ = nullptr;
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
      const std::size_t file_line = opts.start.line - 1 + line;
      const std::string place = file + ":" + std::to_string(file_line) + ":";
      RowShape shape;
      shape.first_line = line;
      shape.label_columns = opts.has_label ? 1 : 0;
      if (opts.row_width != 0) {
        // A later piece of the channel: rows must match the width learned from the first one.
        shape.columns = opts.row_width + shape.label_columns;
        shape.reference = opts.row_width_source;
        return shape;
      }
      if (!earlier.sparse && earlier.rows() > 0) {
        // Later files must match the width of the earlier ones; the chunks check every row.
        shape.columns = earlier.feature_dim + shape.label_columns;
        shape.reference = "as in " + (earlier.files.empty() ? std::string("the earlier files") : earlier.files.back());
        return shape;
      }
      if (opts.has_label && columns < 2) {
        throw InputError(place + std::to_string(text::character_column(p, content_end)) +
                         ": found 1 column, expected a label and at least one feature");
      }
      const std::size_t features = columns - shape.label_columns;
      if (opts.feature_dim != 0 && features > opts.feature_dim) {
        const char* extra = cell_start(p, content_end, opts.feature_dim + shape.label_columns + 1);
        throw InputError(place + std::to_string(text::character_column(p, extra)) + ": found " +
                         plural(features, "feature") + ", expected at most " + opts.feature_dim_text());
      }
      shape.columns = columns;
      shape.reference = "as on line " + std::to_string(file_line);
      return shape;
    }
    if (!newline) break;
    ++line;
    p = line_end + 1;
  }
  throw InputError(file + ": no records found, expected at least one CSV row");
}

// Makes room for `size` values, growing geometrically: reserve alone would grow by exactly what
// one piece of a file needs, copying the whole store for every piece.
template <class Store>
void grow_room(Store& values, std::size_t size) {
  if (size > values.capacity()) values.reserve(std::max(size, 2 * values.capacity()));
}

// Grows `into` by room for the chunks' rows and points each chunk at its part of it.
void make_room(Dataset& into, std::size_t width, std::vector<CsvChunk>& chunks) {
  const std::size_t rows = chunks.back().first_row + chunks.back().max_rows;
  grow_room(into.labels, rows);
  grow_room(into.dense, rows * width);
  // Each chunk's rows are faulted in on its thread: the resize would fault them in page by page on
  // this one, which is most of its time.
  text::run_on_threads(chunks.size(), [&](std::size_t i) {
    text::fault_in(into.dense.data() + chunks[i].first_row * width, chunks[i].max_rows * width * sizeof(float));
  });
  into.labels.resize(rows);
  into.dense.resize(rows * width);
  for (auto& chunk : chunks) {
    chunk.labels = into.labels.data() + chunk.first_row;
    chunk.features = into.dense.data() + chunk.first_row * width;
  }
}

// Parses the rows of `text` on threads straight onto the end of `into`, whose rows (if any) have
// the shape's width: each chunk gets room for one row per line, and the rows of chunks that held
// blank lines are moved up after. `into` is left as it was when the text has an error. Returns the
// newlines of `text`.
std::size_t parse_rows_into(std::string_view text, const RowShape& shape, const std::string& file,
                            const ReadOptions& opts, Dataset& into) {
  const std::size_t width = shape.columns - shape.label_columns;
  const std::size_t first_row = into.rows();
  const std::vector<std::string_view> pieces = text::split_at_lines(text, opts.threads, kMinChunkBytes);
  std::vector<CsvChunk> chunks(pieces.size());
  text::run_on_threads(pieces.size(), [&](std::size_t i) { chunks[i].max_rows = count_lines(pieces[i]); });
  std::size_t row = first_row;
  for (auto& chunk : chunks) {
    chunk.first_row = row;
    row += chunk.max_rows;
  }
  const std::size_t newlines = row - first_row - (!text.empty() && text.back() != '\n');
  make_room(into, width, chunks);
  text::run_on_threads(pieces.size(), [&](std::size_t i) {
    // Only the file's first piece can start with a header row.
    const std::size_t header_line =
        i == 0 && opts.start.line == 1 ? shape.first_line - 1 : std::numeric_limits<std::size_t>::max();
    ChunkParser(shape, opts, header_line, chunks[i]).parse(pieces[i]);
  });

  std::vector<text::ChunkProgress> progress;
  progress.reserve(chunks.size());
  for (const auto& chunk : chunks) progress.push_back(chunk.progress);
  try {
    text::throw_first_failure(progress, file, opts.start.line);
  } catch (...) {
    into.labels.resize(first_row);
    into.dense.resize(first_row * width);
    throw;
  }
  row = first_row;
  for (const auto& chunk : chunks) {
    if (row != chunk.first_row) {
      std::memmove(into.labels.data() + row, chunk.labels, chunk.rows * sizeof(float));
      std::memmove(into.dense.data() + row * width, chunk.features, chunk.rows * width * sizeof(float));
    }
    row += chunk.rows;
  }
  into.labels.resize(row);
  into.dense.resize(row * width);
  into.feature_dim = width;
  return newlines;
}

}  // namespace

std::size_t parse_csv(std::string_view input, const std::string& file, Dataset& out, const ReadOptions& opts) {
  // Only a file's first piece can start with a byte order mark.
  const std::string_view text = opts.start.line == 1 ? text::strip_bom(input) : input;
  const RowShape shape = find_row_shape(text, file, out, opts);
  const std::size_t width = shape.columns - shape.label_columns;
  const bool list_file = opts.start.line == 1 || out.files.empty() || out.files.back() != file;
  if (!out.sparse && (out.rows() == 0 || out.feature_dim == width)) {
    const std::size_t newlines = parse_rows_into(text, shape, file, opts, out);
    if (list_file) out.files.push_back(file);
    return newlines;
  }
  // Rows that `out` cannot take as they are: Dataset::append converts them or refuses them.
  Dataset part;
  const std::size_t newlines = parse_rows_into(text, shape, file, opts, part);
  if (list_file) part.files.push_back(file);
  out.append(std::move(part));
  return newlines;
}

}  // namespace linlearn
