// Checks of decoded RecordIO records against a declared feature_dim and the accepted labels.
#include "io/recordio_checks.h"

#include <fmt/format.h>

#include "io/text_parsing.h"
#include "linlearn/errors.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

// Throws "FILE: record N at byte B: what" for the piece's record `record`, finding B by walking the
// frames up to it.
[[noreturn]] void fail_record(std::string_view bytes, const std::string& file, const FilePlace& start,
                              std::size_t record, const std::string& what) {
  RecordIOFrameReader frames(bytes, file, start.byte, start.record);
  std::string_view payload;
  while (frames.next(payload)) {
    if (frames.record_index() == start.record + record) frames.fail(what);
  }
  throw InputError(file + ": record " + std::to_string(start.record + record) + ": " + what);
}

}  // namespace

void check_recordio_records(const Dataset& part, std::string_view bytes, const std::string& file,
                            const ReadOptions& opts, const FilePlace& start) {
  const std::size_t limit = opts.feature_dim;
  if (limit != 0 && part.rows() > 0) {
    if (!part.sparse && part.feature_dim > limit) {
      fail_record(bytes, file, start, 0,
                  fmt::format("found {} features, expected at most {}", part.feature_dim, opts.feature_dim_text()));
    }
    if (part.sparse) {
      for (std::size_t r = 0; r < part.rows(); ++r) {
        for (std::uint64_t k = part.row_ptr[r]; k < part.row_ptr[r + 1]; ++k) {
          if (part.col_idx[k] >= limit) {
            fail_record(
                bytes, file, start, r,
                fmt::format("found sparse key {}, expected a key below {}", part.col_idx[k], opts.feature_dim_text()));
          }
        }
      }
    }
  }
  if (opts.label_ok) {
    for (std::size_t r = 0; r < part.rows(); ++r) {
      if (!opts.label_ok(part.labels[r])) {
        fail_record(bytes, file, start, r,
                    fmt::format("found label '{}', {}", part.labels[r], text::label_expectation(opts.label_expected)));
      }
    }
  }
}

}  // namespace linlearn
