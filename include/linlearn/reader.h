#pragma once
// Reading data channels: path expansion (files, directories, globs, "-" for stdin, .gz) and the
// per-format parsers that fill a Dataset. Every parse error is an InputError naming the place.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/dataset.h"

namespace linlearn {

enum class ContentType { kAuto, kCsv, kLibsvm, kRecordIO };

// "text/csv" | "text/libsvm" | "application/x-recordio-protobuf" | "" (auto), with SageMaker's
// parameters (text/csv;label_size=1, text/csv; charset=utf-8); UsageError otherwise.
ContentType parse_content_type(const std::string& name);

// Told what reading decided, for the log.
using ReadNote = std::function<void(const std::string&)>;

// Expands each spec: a regular file, a directory (its regular files sorted by name, but for those
// whose names start with '.' or '_', which `note` hears of), a glob pattern (matches sorted), or
// "-" (stdin). Throws InputError when nothing matches.
std::vector<std::string> expand_paths(const std::vector<std::string>& specs, const ReadNote& note = {});

// The whole content of a file ("-" = stdin), decompressing .gz. InputError on failure.
std::string read_file_bytes(const std::string& path);

// Guesses the format of a file from its first bytes: RecordIO magic, "label idx:val" lines, else CSV.
ContentType detect_content_type(std::string_view head);

// Where a piece of a file starts when a file is parsed piece by piece (read_channel_in_blocks), so
// that messages name the lines, records and byte offsets of the whole file.
struct FilePlace {
  std::size_t line = 1;    // text: the piece's first line (1-based)
  std::size_t record = 0;  // RecordIO: index of the piece's first record
  std::uint64_t byte = 0;  // RecordIO: offset of the piece's first byte
};

struct ReadOptions {
  ContentType content_type = ContentType::kAuto;
  std::size_t feature_dim = 0;  // 0: infer from the data
  // Whose feature_dim it is, for messages ("the training data's"); empty: the declared one.
  std::string feature_dim_owner;
  // Dense records must be exactly feature_dim wide rather than padded to it: every channel of a
  // job has the training data's width.
  bool exact_width = false;
  IndexBase libsvm_base = IndexBase::kAuto;
  // Binary classification: LIBSVM labels -1 are read as 0, so -1/+1 files train as 0/1 ones.
  bool minus_one_is_zero = false;
  // Told what reading decided (files skipped in a directory, 0-based indices, -1/+1 labels).
  ReadNote note;
  int threads = 1;
  // Set by the trainer so a bad label is reported with its place; empty: any finite label.
  std::function<bool(float)> label_ok;
  std::string label_expected;  // for messages, e.g. "a label 0 or 1": "found '2', expected a label 0 or 1"
  // CSV: false when rows hold features only (predict input without --has-label); labels become 0.
  // RecordIO: false lets records lack a label (read as 0).
  bool has_label = true;
  // Text only: where the text starts in its file (see FilePlace).
  FilePlace start;
  // CSV only, for a piece after the first of a channel: the feature count every row must have and
  // where it was learned ("as on line 3", "as in a.csv"); 0: learned from the text's first row.
  std::size_t row_width = 0;
  std::string row_width_source;

  // "feature_dim 8", or "the training data's feature_dim 8".
  std::string feature_dim_text() const {
    return (feature_dim_owner.empty() ? "" : feature_dim_owner + " ") + "feature_dim " + std::to_string(feature_dim);
  }
};

// Parsers append the records of one file to `out` and the file to out.files. `file` names the
// place in error messages. The text parsers run on opts.threads threads and check each line
// against opts.feature_dim and opts.label_ok; read_channel checks RecordIO records afterwards.
// They also take a file piece by piece (opts.start past line 1): a piece of the file listed last
// in out.files is not listed again. They return the newlines of `text`, to place the next piece.
std::size_t parse_csv(std::string_view text, const std::string& file, Dataset& out, const ReadOptions& opts);
std::size_t parse_libsvm(std::string_view text, const std::string& file, Dataset& out, const ReadOptions& opts);
// `start` places a piece of a file; `feature_dim`, when not 0, is the feature_dim every record must
// have (learned from the earlier pieces of the same file). Without `label_required`, a record with
// no label (records to score, as SageMaker's SDK writes them) reads as label 0.
void parse_recordio(std::string_view bytes, const std::string& file, Dataset& out, const FilePlace& start = {},
                    std::size_t feature_dim = 0, bool label_required = true);
// parse_recordio for a whole file, decoded on `threads` threads when its records are all dense and
// of one width (as SageMaker's SDK writes them); the same records, errors and messages either way.
void parse_recordio_file(std::string_view bytes, const std::string& file, Dataset& out, int threads,
                         bool label_required = true);

// Reads every file of a channel into one Dataset. Dense CSV rows must all have one width; when
// opts.feature_dim is set, wider records or sparse keys >= feature_dim are InputErrors.
Dataset read_channel(const std::vector<std::string>& specs, const ReadOptions& opts);

}  // namespace linlearn
