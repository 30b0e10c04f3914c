// A data channel: every file its specs name, each read, recognised and parsed, into one Dataset.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// Throws "FILE: record N at byte B: what", finding B by walking the frames up to record N.
[[noreturn]] void fail_record(std::string_view bytes, const std::string& file, std::size_t record,
                              const std::string& what) {
  RecordIOFrameReader frames(bytes, file);
  std::string_view payload;
  while (frames.next(payload)) {
    if (frames.record_index() == record) frames.fail(what);
  }
  throw InputError(file + ": record " + std::to_string(record) + ": " + what);
}

// The text parsers check feature_dim and labels line by line; RecordIO records are checked here.
void check_recordio_records(const Dataset& part, std::string_view bytes, const std::string& file,
                            const ReadOptions& opts) {
  const std::size_t limit = opts.feature_dim;
  if (limit != 0 && part.rows() > 0) {
    if (!part.sparse && part.feature_dim > limit) {
      fail_record(bytes, file, 0,
                  "found " + std::to_string(part.feature_dim) + " features, expected at most feature_dim " +
                      std::to_string(limit));
    }
    if (part.sparse) {
      for (std::size_t r = 0; r < part.rows(); ++r) {
        for (std::uint64_t k = part.row_ptr[r]; k < part.row_ptr[r + 1]; ++k) {
          if (part.col_idx[k] >= limit) {
            fail_record(bytes, file, r,
                        "found sparse key " + std::to_string(part.col_idx[k]) + ", expected a key below feature_dim " +
                            std::to_string(limit));
          }
        }
      }
    }
  }
  if (opts.label_ok) {
    for (std::size_t r = 0; r < part.rows(); ++r) {
      if (!opts.label_ok(part.labels[r])) {
        fail_record(bytes, file, r,
                    fmt::format("found label '{}', {}", part.labels[r], text::label_expectation(opts.label_expected)));
      }
    }
  }
}

void parse_file(const std::string& bytes, const std::string& file, const ReadOptions& opts, Dataset& out) {
  const ContentType type = opts.content_type == ContentType::kAuto ? detect_content_type(bytes) : opts.content_type;
  switch (type) {
    case ContentType::kLibsvm:
      parse_libsvm(bytes, file, out, opts);
      return;
    case ContentType::kRecordIO: {
      Dataset part;
      parse_recordio(bytes, file, part);
      check_recordio_records(part, bytes, file, opts);
      out.append(std::move(part));
      return;
    }
    case ContentType::kCsv:
    case ContentType::kAuto:
      parse_csv(bytes, file, out, opts);
      return;
  }
}

// A declared feature_dim wider than dense data pads it with zero features.
void widen_dense(Dataset& data, std::size_t feature_dim) {
  std::vector<float> wide(data.rows() * feature_dim, 0.0f);
  for (std::size_t r = 0; r < data.rows(); ++r) {
    std::copy_n(data.dense.begin() + static_cast<std::ptrdiff_t>(r * data.feature_dim), data.feature_dim,
                wide.begin() + static_cast<std::ptrdiff_t>(r * feature_dim));
  }
  data.dense = std::move(wide);
  data.feature_dim = feature_dim;
}

}  // namespace

Dataset read_channel(const std::vector<std::string>& specs, const ReadOptions& opts) {
  const std::vector<std::string> paths = expand_paths(specs);
  Dataset out;
  for (const auto& path : paths) {
    const std::string bytes = read_file_bytes(path);
    parse_file(bytes, display_name(path), opts, out);
  }
  if (out.rows() == 0) {
    std::string names;
    for (const auto& path : paths) names += (names.empty() ? "" : ", ") + display_name(path);
    throw InputError((names.empty() ? std::string("channel") : names) + ": no records found");
  }
  // Every record was checked against a declared feature_dim, so it can only widen the data.
  if (opts.feature_dim != 0) {
    if (out.sparse) {
      out.feature_dim = opts.feature_dim;
    } else if (out.feature_dim < opts.feature_dim) {
      widen_dense(out, opts.feature_dim);
    }
  }
  return out;
}

}  // namespace linlearn
