// `linlearn inspect`: parses each file on its own (so records keep their file and byte offset) and
// prints a summary and the first records as JSON lines.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "io/libsvm_conventions.h"
#include "linlearn/inspect.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {
namespace {

// Keys stay in the order written: "record" first reads better than alphabetical.
using Json = nlohmann::ordered_json;

constexpr std::size_t kMaxHistogramLabels = 20;

const char* content_type_name(ContentType type) {
  switch (type) {
    case ContentType::kCsv:
      return "text/csv";
    case ContentType::kLibsvm:
      return "text/libsvm";
    default:
      return "application/x-recordio-protobuf";
  }
}

std::string shortest_text(float value) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

// The double whose JSON text is the float's shortest text (0.1f prints as 0.1, not 0.100000001).
double json_number(float value) {
  return std::strtod(shortest_text(value).c_str(), nullptr);
}

// Byte offsets of the first `count` records of a text file: the starts of its lines that hold a
// record (not blank; for LIBSVM not only a comment).
std::vector<std::size_t> text_record_offsets(std::string_view text, bool libsvm, std::size_t count) {
  std::vector<std::size_t> offsets;
  std::size_t line_start = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  while (line_start < text.size() && offsets.size() < count) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::size_t first = text.find_first_not_of(" \t\r", line_start);
    if (first < line_end && !(libsvm && text[first] == '#')) offsets.push_back(line_start);
    line_start = line_end + 1;
  }
  return offsets;
}

std::vector<std::size_t> recordio_offsets(std::string_view bytes, const std::string& file, std::size_t count) {
  std::vector<std::size_t> offsets;
  RecordIOFrameReader frames(bytes, file);
  std::string_view payload;
  while (offsets.size() < count && frames.next(payload)) offsets.push_back(frames.record_offset());
  return offsets;
}

Json features_json(const Dataset& data, std::size_t r) {
  Json features;
  if (data.sparse) {
    Json keys = Json::array();
    Json values = Json::array();
    for (std::uint64_t k = data.row_ptr[r]; k < data.row_ptr[r + 1]; ++k) {
      keys.push_back(data.col_idx[k]);
      values.push_back(json_number(data.values[k]));
    }
    features = {{"keys", std::move(keys)}, {"values", std::move(values)}};
  } else {
    features = Json::array();
    for (std::size_t j = 0; j < data.feature_dim; ++j)
      features.push_back(json_number(data.dense[r * data.feature_dim + j]));
  }
  return features;
}

// What the summary adds up over the files.
struct Totals {
  std::size_t records = 0;
  std::size_t feature_dim = 0;
  bool sparse = false;
  std::size_t nonzeros = 0;
  std::map<float, std::size_t> label_counts;
  bool too_many_labels = false;
  float label_min = 0, label_max = 0;

  void add(const Dataset& data) {
    const FloatStore& stored = data.sparse ? data.values : data.dense;
    nonzeros +=
        static_cast<std::size_t>(std::count_if(stored.begin(), stored.end(), [](float v) { return v != 0.0f; }));
    feature_dim = std::max(feature_dim, data.feature_dim);
    sparse = sparse || data.sparse;
    for (const float label : data.labels) {
      label_min = records == 0 ? label : std::min(label_min, label);
      label_max = records == 0 ? label : std::max(label_max, label);
      ++records;
      if (too_many_labels) continue;
      ++label_counts[label];
      too_many_labels = label_counts.size() > kMaxHistogramLabels;
    }
  }
};

// One file's records, in the format given or detected.
Dataset parse_file(const std::string& bytes, const std::string& path, ContentType type, int threads) {
  Dataset data;
  ReadOptions read;
  read.threads = threads;
  switch (type) {
    case ContentType::kCsv:
      parse_csv(bytes, path, data, read);
      break;
    case ContentType::kLibsvm:
      parse_libsvm(bytes, path, data, read);
      settle_libsvm_base(data, {LibsvmRows{0, data.rows(), path}}, read);
      break;
    default:
      parse_recordio(bytes, path, data);
      break;
  }
  return data;
}

Json summary_json(const Totals& totals, Json files, const std::vector<std::string>& formats) {
  Json histogram = nullptr;
  if (!totals.too_many_labels) {
    histogram = Json::object();
    for (const auto& [label, count] : totals.label_counts) histogram[shortest_text(label)] = count;
  }
  const bool one_format =
      std::all_of(formats.begin(), formats.end(), [&](const auto& f) { return f == formats.front(); });
  return {{"files", std::move(files)},
          {"format", formats.empty() || !one_format ? "mixed" : formats.front()},
          {"records", totals.records},
          {"feature_dim", totals.feature_dim},
          {"sparse", totals.sparse},
          {"nonzeros", totals.nonzeros},
          {"label_range", totals.records == 0
                              ? Json(nullptr)
                              : Json::array({json_number(totals.label_min), json_number(totals.label_max)})},
          {"label_histogram", std::move(histogram)}};
}

}  // namespace

void inspect_data(const InspectOptions& options, std::ostream& out) {
  const ContentType forced = parse_content_type(options.content_type);
  Totals totals;
  Json files = Json::array();
  std::vector<std::string> formats;
  std::vector<Json> head;
  for (const std::string& path : expand_paths(options.inputs)) {
    const std::string bytes = read_file_bytes(path);
    const ContentType type =
        forced != ContentType::kAuto ? forced : detect_content_type(std::string_view(bytes).substr(0, 4096));
    const Dataset data = parse_file(bytes, path, type, options.threads);
    const std::size_t wanted = std::min(options.head - head.size(), data.rows());
    const std::vector<std::size_t> offsets = type == ContentType::kRecordIO
                                                 ? recordio_offsets(bytes, path, wanted)
                                                 : text_record_offsets(bytes, type == ContentType::kLibsvm, wanted);
    for (std::size_t r = 0; r < wanted && r < offsets.size(); ++r) {
      head.push_back({{"record", totals.records + r},
                      {"file", path},
                      {"byte_offset", offsets[r]},
                      {"label", json_number(data.labels[r])},
                      {"features", features_json(data, r)}});
    }
    Json file = {
        {"path", path}, {"format", content_type_name(type)}, {"records", data.rows()}, {"bytes", bytes.size()}};
    if (type == ContentType::kLibsvm)
      file["libsvm_indices"] = data.libsvm_base == IndexBase::kZeroBased ? "0-based" : "1-based";
    files.push_back(std::move(file));
    formats.emplace_back(content_type_name(type));
    totals.add(data);
  }
  const Json summary = summary_json(totals, std::move(files), formats);
  out << summary.dump() << '\n';
  for (const Json& record : head) out << record.dump() << '\n';
}

}  // namespace linlearn
