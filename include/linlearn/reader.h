#pragma once
// Reading data channels: path expansion (files, directories, globs, "-" for stdin, .gz) and the
// per-format parsers that fill a Dataset. Every parse error is an InputError naming the place.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/dataset.h"

namespace linlearn {

enum class ContentType { kAuto, kCsv, kLibsvm, kRecordIO };

// "text/csv" | "text/libsvm" | "application/x-recordio-protobuf" | "" (auto); UsageError otherwise.
ContentType parse_content_type(const std::string& name);

// Expands each spec: a regular file, a directory (its regular non-hidden files sorted by name),
// a glob pattern (matches sorted), or "-" (stdin). Throws InputError when nothing matches.
std::vector<std::string> expand_paths(const std::vector<std::string>& specs);

// The whole content of a file ("-" = stdin), decompressing .gz. InputError on failure.
std::string read_file_bytes(const std::string& path);

// Guesses the format of a file from its first bytes: RecordIO magic, "label idx:val" lines, else CSV.
ContentType detect_content_type(std::string_view head);

struct ReadOptions {
  ContentType content_type = ContentType::kAuto;
  std::size_t feature_dim = 0;  // 0: infer from the data
  int threads = 1;
  // Set by the trainer so a bad label is reported with its place; empty: any finite label.
  std::function<bool(float)> label_ok;
  std::string label_expected;  // for messages, e.g. "0 or 1": "found '2', expected a label 0 or 1"
  // CSV only: false when rows hold features only (predict input without --has-label); labels become 0.
  bool has_label = true;
};

// Parsers append the records of one file to `out` and the file to out.files. `file` names the
// place in error messages. The text parsers run on opts.threads threads and check each line
// against opts.feature_dim and opts.label_ok; read_channel checks RecordIO records afterwards.
void parse_csv(std::string_view text, const std::string& file, Dataset& out, const ReadOptions& opts);
void parse_libsvm(std::string_view text, const std::string& file, Dataset& out, const ReadOptions& opts);
void parse_recordio(std::string_view bytes, const std::string& file, Dataset& out);

// Reads every file of a channel into one Dataset. Dense CSV rows must all have one width; when
// opts.feature_dim is set, wider records or sparse keys >= feature_dim are InputErrors.
Dataset read_channel(const std::vector<std::string>& specs, const ReadOptions& opts);

}  // namespace linlearn
