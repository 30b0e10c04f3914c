#pragma once
// `linlearn convert`: reads CSV, LIBSVM or RecordIO-protobuf channels and writes them as RecordIO,
// CSV or LIBSVM, optionally in shards. The text writers keep float32 values exact.
#include <cstddef>
#include <string>
#include <vector>

#include "linlearn/dataset.h"

namespace linlearn {

enum class OutputFormat { kRecordIO, kCsv, kLibsvm };

// "recordio" | "csv" | "libsvm"; UsageError otherwise.
OutputFormat parse_output_format(const std::string& name);

// From the extension of `path`: .recordio, .csv or .libsvm; UsageError otherwise.
OutputFormat output_format_for_path(const std::string& path);

// Records [begin, end) as CSV lines "label,x1,...,xd" (sparse data filled in with zeros). Numbers
// take the shortest text that reads back as the same float32, so CSV -> RecordIO -> CSV is exact.
std::string format_csv(const Dataset& data, std::size_t begin, std::size_t end);

// Records [begin, end) as LIBSVM lines "label idx:val ..." with 1-based indices, zeros left out.
std::string format_libsvm(const Dataset& data, std::size_t begin, std::size_t end);

// Output file names: {output} for one shard; otherwise the stem of `output` with
// "-IIIII-of-NNNNN" before the extension: out/train.recordio -> out/train-00000-of-00003.recordio ...
std::vector<std::string> shard_paths(const std::string& output, std::size_t shards);

struct ConvertOptions {
  std::vector<std::string> inputs;
  std::string output;
  std::string to;            // "recordio" | "csv" | "libsvm"; empty: from the output's extension
  bool sparse = false;       // RecordIO only: sparse tensors (always so for sparse input)
  std::size_t shards = 1;    // records are split in order, shard sizes differ by at most one
  std::string content_type;  // of the inputs; empty: detected per file
  std::size_t feature_dim = 0;
  int threads = 1;  // for parsing text inputs
};

struct ConvertResult {
  std::size_t records = 0;
  std::vector<std::string> files;
};

// Reads every input into one data set and writes it; each output file is written atomically.
// UsageError for bad options (checked before any input is read), InputError for bad data.
ConvertResult run_convert(const ConvertOptions& options);

}  // namespace linlearn
