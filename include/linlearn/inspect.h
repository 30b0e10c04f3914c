#pragma once
// `linlearn inspect`: a summary of data files and their first records, as JSON lines.
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace linlearn {

struct InspectOptions {
  std::vector<std::string> inputs;  // files, directories, globs or - (stdin)
  std::size_t head = 5;             // records printed after the summary
  std::string content_type;         // empty: detected per file
  int threads = 1;                  // for parsing text inputs
};

// Writes one JSON line with the summary: {"files":[{"path","format","records","bytes"}...], "format",
// "records", "feature_dim", "sparse", "nonzeros", "label_range", "label_histogram"} (the histogram
// maps label -> count, null beyond 20 distinct labels), then one line per record of the first
// `head`: {"record":i,"file":F,"byte_offset":B,"label":y,"features":[...]} where sparse records have
// "features":{"keys":[0-based columns],"values":[...]}. Byte offsets are the RecordIO frame of the
// record, or the start of its line in text files. Errors as read_channel's.
void inspect_data(const InspectOptions& options, std::ostream& out);

}  // namespace linlearn
