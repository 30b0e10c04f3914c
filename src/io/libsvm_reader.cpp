// LIBSVM / svmlight text: `label idx:val idx:val ... # comment`, indices increasing along a line,
// `qid:` tokens ignored. Parsed in line-aligned chunks on threads into CSR. Indices are 1-based as
// LIBLINEAR writes them or 0-based as scikit-learn's dump_svmlight_file does (ReadOptions::libsvm_base);
// while the base is still to be decided (kAuto) the columns hold the indices as written.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/text_parsing.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

constexpr std::size_t kMinChunkBytes = 256 * 1024;
// Columns are stored in a uint32, as written while the base is undecided.
constexpr std::uint64_t kMaxIndex = std::numeric_limits<std::uint32_t>::max();

struct LibsvmChunk {
  std::vector<float> labels;
  std::vector<std::uint64_t> row_ptr{0};  // local offsets into cols/values
  std::vector<std::uint32_t> cols;
  FloatStore values;
  std::uint64_t max_index = 0;  // largest index as written
  bool any_index = false;
  text::ChunkProgress progress;
};

const char* token_end(const char* p, const char* end) {
  while (p != end && !text::is_blank(*p)) ++p;
  return p;
}

std::string_view span(const char* begin, const char* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

class ChunkParser {
 public:
  ChunkParser(const ReadOptions& opts, LibsvmChunk& out) : opts_(opts), out_(out) {}

  void parse(std::string_view chunk) {
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    std::size_t line = 0;
    while (p != end) {
      if (const char* next = fast_row(p, end); next != nullptr) {
        if (next[-1] == '\n') ++line;
        p = next;
        continue;
      }
      const void* newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
      const char* line_end = newline ? static_cast<const char*>(newline) : end;
      const void* hash = std::memchr(p, '#', static_cast<std::size_t>(line_end - p));
      const char* content_end = hash ? static_cast<const char*>(hash) : line_end;
      if (content_end != p && content_end[-1] == '\r') --content_end;
      if (!parse_row(p, content_end, line)) return;
      if (!newline) break;
      ++line;
      p = line_end + 1;
    }
    out_.progress.newlines = line;
  }

 private:
  // The common line in one pass: a label and increasing INDEX:VALUE pairs of plain numbers (see
  // text::scan_plain_magnitude), separated by blanks, that need no message. Returns where the next
  // line starts, or nullptr (having added nothing) for any other line, which parse_row then reads
  // (and reports) as before. The numbers end at the first byte that is no digit, so the chunk's
  // end bounds every read.
  const char* fast_row(const char* p, const char* end) {
    if constexpr (std::endian::native != std::endian::little) return nullptr;  // the digit words assume it
    float label = 0.0F;
    p = plain_number(p, end, label);
    if (p == nullptr || !text::is_blank(*p)) return nullptr;
    if (opts_.label_ok && !opts_.label_ok(label) && !(opts_.minus_one_is_zero && label == -1.0F)) return nullptr;
    const std::size_t first = out_.cols.size();
    const auto undo = [&]() -> const char* {
      out_.cols.resize(first);
      out_.values.resize(first);
      return nullptr;
    };
    std::uint64_t previous = 0;
    const std::uint64_t limit = index_limit();
    while (true) {
      p = text::skip_blanks(p, end);
      if (p == end || *p == '\n' || *p == '\r') break;
      std::uint64_t index = 0;
      float value = 0.0F;
      const char* colon = plain_index(p, end, index);
      const char* after = colon != nullptr ? plain_number(colon + 1, end, value) : nullptr;
      const bool first_pair = out_.cols.size() == first;
      if (after == nullptr || (!first_pair && index <= previous) || index > limit ||
          (index == 0 && opts_.libsvm_base == IndexBase::kOneBased))
        return undo();
      out_.cols.push_back(static_cast<std::uint32_t>(opts_.libsvm_base == IndexBase::kOneBased ? index - 1 : index));
      out_.values.push_back(value);
      previous = index;
      p = after;
    }
    if (p != end && *p == '\r') ++p;
    if (p != end && *p != '\n') return undo();
    if (out_.cols.size() != first) {
      out_.max_index = std::max(out_.max_index, previous);
      out_.any_index = true;
    }
    out_.labels.push_back(label);
    out_.row_ptr.push_back(out_.values.size());
    return p == end ? p : p + 1;
  }

  // The largest index the fast path takes: within a declared feature_dim (as beyond_feature_dim).
  std::uint64_t index_limit() const {
    if (opts_.feature_dim == 0) return kMaxIndex;
    return opts_.libsvm_base == IndexBase::kZeroBased ? opts_.feature_dim - 1 : opts_.feature_dim;
  }

  // 1 to 7 digits and a ':', read as one 8-byte word; nullptr for anything else.
  static const char* plain_index(const char* p, const char* end, std::uint64_t& index) {
    if (end - p < 8) return nullptr;
    std::uint64_t word;
    std::memcpy(&word, p, sizeof word);
    const int digits = text::leading_digit_count(word);
    if (digits == 0 || digits == 8 || p[digits] != ':') return nullptr;
    index = text::digits_value(word, digits);
    return p + digits;
  }

  // A plain number, perhaps negative, ending at a blank or the line's end; nullptr otherwise.
  static const char* plain_number(const char* p, const char* end, float& value) {
    const bool negative = p != end && *p == '-';
    float magnitude = 0.0F;
    const char* used = text::scan_plain_magnitude(p + negative, end, magnitude);
    if (used == nullptr || used == end || !(text::is_blank(*used) || *used == '\n' || *used == '\r')) return nullptr;
    value = negative ? -magnitude : magnitude;
    return used;
  }

  bool parse_row(const char* line_start, const char* line_end, std::size_t line) {
    const char* p = text::skip_blanks(line_start, line_end);
    if (p == line_end) return true;  // blank or comment-only line

    const char* label_end = token_end(p, line_end);
    float label = 0.0f;
    if (!parse_value(p, label_end, line_end, label, line, line_start)) return false;
    if (opts_.label_ok && !opts_.label_ok(label) && !(opts_.minus_one_is_zero && label == -1.0f)) {
      return fail(
          line, line_start, p,
          "found " + text::quote_token(span(p, label_end)) + ", " + text::label_expectation(opts_.label_expected));
    }

    std::optional<std::uint64_t> previous;
    for (p = text::skip_blanks(label_end, line_end); p != line_end; p = text::skip_blanks(p, line_end)) {
      const char* end = token_end(p, line_end);
      const char* colon = static_cast<const char*>(std::memchr(p, ':', static_cast<std::size_t>(end - p)));
      if (!colon) {
        return fail(line, line_start, p, "found " + text::quote_token(span(p, end)) + ", expected INDEX:VALUE");
      }
      if (span(p, colon) == "qid") {
        p = end;
        continue;
      }
      std::uint64_t index = 0;
      if (!parse_index(p, colon, index)) {
        return fail(line, line_start, p,
                    "found " + text::quote_token(span(p, colon)) + ", expected a feature index (an integer below " +
                        std::to_string(kMaxIndex + 1) + ")");
      }
      if (index == 0 && opts_.libsvm_base == IndexBase::kOneBased) {
        return fail(line, line_start, p,
                    "found '0', expected a feature index >= 1 (this job's LIBSVM indices are 1-based, as its "
                    "training data's)");
      }
      if (previous && index <= *previous) {
        return fail(line, line_start, p,
                    "found " + text::quote_token(span(p, colon)) + ", expected an index above " +
                        std::to_string(*previous) + " (indices must increase along a line)");
      }
      if (const std::string wrong = beyond_feature_dim(index); !wrong.empty())
        return fail(line, line_start, p, "found " + text::quote_token(span(p, colon)) + ", " + wrong);
      float value = 0.0f;
      if (!parse_value(colon + 1, end, line_end, value, line, line_start)) return false;
      out_.cols.push_back(static_cast<std::uint32_t>(opts_.libsvm_base == IndexBase::kOneBased ? index - 1 : index));
      out_.values.push_back(value);
      previous = index;
      p = end;
    }
    if (previous) {
      out_.max_index = std::max(out_.max_index, *previous);
      out_.any_index = true;
    }
    out_.labels.push_back(label);
    out_.row_ptr.push_back(out_.values.size());
    return true;
  }

  static bool parse_index(const char* p, const char* end, std::uint64_t& index) {
    if (p == end || end - p > 11) return false;  // 11 digits already exceed kMaxIndex
    for (; p != end; ++p) {
      if (static_cast<unsigned char>(*p - '0') >= 10) return false;
      index = index * 10 + static_cast<std::uint64_t>(*p - '0');
    }
    return index <= kMaxIndex;
  }

  // What is wrong with `index` against a declared feature_dim; empty when nothing. An undecided
  // base takes the wider 1-based bound, and the channel reader checks again once it is decided.
  std::string beyond_feature_dim(std::uint64_t index) const {
    const std::uint64_t dim = opts_.feature_dim;
    if (dim == 0) return {};
    if (opts_.libsvm_base == IndexBase::kZeroBased) {
      if (index < dim) return {};
      return "expected an index below " + opts_.feature_dim_text() + " (0-based indices)";
    }
    if (index <= dim) return {};
    return "expected an index at most " + opts_.feature_dim_text();
  }

  // A number filling exactly [p, end). Scanning up to the line's end, not the token's, lets short
  // tokens take scan_float's 8-byte path; the number must still stop where the token does.
  bool parse_value(const char* p, const char* end, const char* line_end, float& value, std::size_t line,
                   const char* line_start) {
    text::NumberStatus status = text::NumberStatus::kNotANumber;
    const char* used = p == end ? p : text::scan_float(p, line_end, value, status);
    if (status == text::NumberStatus::kNotANumber || used != end) {
      return fail(line, line_start, p, "found " + text::quote_token(span(p, end)) + ", expected a number");
    }
    if (status == text::NumberStatus::kNotFinite) {
      return fail(line, line_start, p, "found " + text::quote_token(span(p, end)) + ", expected a finite number");
    }
    return true;
  }

  bool fail(std::size_t line, const char* line_start, const char* at, std::string message) {
    text::fail(out_.progress.failure, line, line_start, at, std::move(message));
    return false;
  }

  const ReadOptions& opts_;
  LibsvmChunk& out_;
};

}  // namespace

std::size_t parse_libsvm(std::string_view input, const std::string& file, Dataset& out, const ReadOptions& opts) {
  // Only a file's first piece can start with a byte order mark.
  const std::vector<std::string_view> pieces =
      text::split_at_lines(opts.start.line == 1 ? text::strip_bom(input) : input, opts.threads, kMinChunkBytes);

  std::vector<LibsvmChunk> chunks(pieces.size());
  text::run_on_threads(pieces.size(), [&](std::size_t i) {
    // A modest guess (a short "i:v " takes about 8 bytes); the vectors grow past it when needed.
    chunks[i].cols.reserve(pieces[i].size() / 8);
    chunks[i].values.reserve(pieces[i].size() / 8);
    ChunkParser(opts, chunks[i]).parse(pieces[i]);
  });

  std::vector<text::ChunkProgress> progress;
  progress.reserve(chunks.size());
  std::size_t rows = 0;
  std::size_t nonzeros = 0;
  std::size_t newlines = 0;
  std::uint64_t max_index = 0;
  bool any_index = false;
  for (const auto& chunk : chunks) {
    progress.push_back(chunk.progress);
    newlines += chunk.progress.newlines;
    rows += chunk.labels.size();
    nonzeros += chunk.values.size();
    max_index = std::max(max_index, chunk.max_index);
    any_index = any_index || chunk.any_index;
  }
  text::throw_first_failure(progress, file, opts.start.line);
  if (rows == 0) throw InputError(file + ": no records found, expected at least one LIBSVM line");

  Dataset part;
  part.sparse = true;
  // 1-based and undecided: the largest index written is the width; 0-based: one more.
  part.feature_dim =
      static_cast<std::size_t>(max_index) + (any_index && opts.libsvm_base == IndexBase::kZeroBased ? 1 : 0);
  if (opts.start.line == 1 || out.files.empty() || out.files.back() != file) part.files.push_back(file);
  if (chunks.size() == 1) {
    part.labels = std::move(chunks[0].labels);
    part.row_ptr = std::move(chunks[0].row_ptr);
    part.col_idx = std::move(chunks[0].cols);
    part.values = std::move(chunks[0].values);
  } else {
    part.labels.reserve(rows);
    part.row_ptr.reserve(rows + 1);
    part.col_idx.reserve(nonzeros);
    part.values.reserve(nonzeros);
    for (auto& chunk : chunks) {
      const std::uint64_t base = part.values.size();
      for (std::size_t r = 1; r < chunk.row_ptr.size(); ++r) part.row_ptr.push_back(base + chunk.row_ptr[r]);
      part.labels.insert(part.labels.end(), chunk.labels.begin(), chunk.labels.end());
      part.col_idx.insert(part.col_idx.end(), chunk.cols.begin(), chunk.cols.end());
      part.values.insert(part.values.end(), chunk.values.begin(), chunk.values.end());
      chunk = LibsvmChunk{};
    }
  }
  out.append(std::move(part));
  return newlines;
}

}  // namespace linlearn
