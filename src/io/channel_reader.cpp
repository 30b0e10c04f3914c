// A data channel: every file its specs name, each read, recognised and parsed, into one Dataset.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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


void parse_file(const std::string& bytes, const std::string& file, const ReadOptions& opts, Dataset& out) {
  const ContentType type = opts.content_type == ContentType::kAuto ? detect_content_type(bytes) : opts.content_type;
  switch (type) {
    case ContentType::kLibsvm:
      parse_libsvm(bytes, file, out, opts);
      return;
    case ContentType::kRecordIO: {
      Dataset part;
      parse_recordio(bytes, file, part);
      check_recordio_records(part, bytes, file, opts, FilePlace{});
      out.append(std::move(part));
      return;
    }
    case ContentType::kCsv:
    case ContentType::kAuto:
      parse_csv(bytes, file, out, opts);
      return;
  }
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
      out.widen(opts.feature_dim);
    }
  }
  return out;
}

}  // namespace linlearn
