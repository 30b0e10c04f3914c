#pragma once
// The checks read_channel makes on decoded RecordIO records that the decoder cannot make itself:
// a declared feature_dim and the labels the model accepts.
#include <string>
#include <string_view>

#include "linlearn/dataset.h"
#include "linlearn/reader.h"

namespace linlearn {

// Checks the records parsed from `bytes` (a piece of `file` placed by `start`) against
// opts.feature_dim and opts.label_ok; throws InputError "FILE: record N at byte B: ...".
void check_recordio_records(const Dataset& part, std::string_view bytes, const std::string& file,
                            const ReadOptions& opts, const FilePlace& start);

}  // namespace linlearn
