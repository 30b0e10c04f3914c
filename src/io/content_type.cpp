// Content types: the names SageMaker uses for them, and telling them apart from a file's first bytes.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "linlearn/errors.h"
#include "linlearn/inference.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

constexpr std::uint32_t kRecordIOMagic = 0xCED7230A;
// Enough lines to look past records with no features (a bare label) at the top of a LIBSVM file.
constexpr int kLinesToInspect = 64;
constexpr std::size_t kBytesToInspect = 64 * 1024;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

enum class LineVerdict { kUndecided, kLibsvm, kCsv };

// A LIBSVM line is whitespace-separated `label idx:val ...`; a lone label says nothing either way.
LineVerdict judge_line(std::string_view line) {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  if (line.find(',') != std::string_view::npos) return LineVerdict::kCsv;
  std::size_t tokens = 0;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && is_space(line[pos])) ++pos;
    if (pos == line.size()) break;
    const std::size_t end = std::min(line.size(), line.find_first_of(" \t\r", pos));
    const std::string_view token = line.substr(pos, end - pos);
    ++tokens;
    const bool pair = token.find(':') != std::string_view::npos;
    if (tokens == 1 && pair) return LineVerdict::kCsv;  // no label in front
    if (tokens > 1 && !pair) return LineVerdict::kCsv;
    pos = end;
  }
  return tokens > 1 ? LineVerdict::kLibsvm : LineVerdict::kUndecided;
}

// SageMaker's parameters: label_size (the label columns of CSV; one, as Linear Learner reads) and
// charset (the numbers are ASCII, so any ASCII-compatible one). Others are refused, not ignored:
// a header=present that was dropped would make the header a record.
void check_parameters(const std::string& name, const MediaType& media) {
  for (const auto& [key, value] : media.parameters) {
    std::string lower = value;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "label_size" && value == "1" && media.type == "text/csv") continue;
    if (key == "charset" && (lower == "utf-8" || lower == "utf8" || lower == "us-ascii")) continue;
    const std::string expected = key == "label_size" ? "label_size=1 (one label column, first; text/csv only)"
                                 : key == "charset"  ? "charset=utf-8 or us-ascii"
                                                     : "label_size=1 or charset=utf-8";
    throw UsageError(
        fmt::format("--content-type: '{}': parameter {}={} is not supported; expected {}", name, key, value, expected));
  }
}

}  // namespace

ContentType parse_content_type(const std::string& name) {
  if (name.empty() || name == "auto") return ContentType::kAuto;
  const std::optional<MediaType> media = parse_media_type(name);
  ContentType type = ContentType::kAuto;
  if (media && media->type == "text/csv") type = ContentType::kCsv;
  if (media && (media->type == "text/libsvm" || media->type == "text/x-libsvm")) type = ContentType::kLibsvm;
  if (media && media->type == "application/x-recordio-protobuf") type = ContentType::kRecordIO;
  if (type == ContentType::kAuto)
    throw UsageError("--content-type: '" + name +
                     "' is not supported; expected text/csv, text/libsvm or application/x-recordio-protobuf (with "
                     "SageMaker's parameters, as in text/csv;label_size=1)");
  check_parameters(name, *media);
  return type;
}

ContentType detect_content_type(std::string_view head) {
  if (head.size() >= 4) {
    const auto* b = reinterpret_cast<const unsigned char*>(head.data());
    const std::uint32_t word =
        std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8) | (std::uint32_t{b[2]} << 16) | (std::uint32_t{b[3]} << 24);
    if (word == kRecordIOMagic) return ContentType::kRecordIO;
  }
  head = head.substr(0, kBytesToInspect);
  if (head.substr(0, 3) == "\xEF\xBB\xBF") head.remove_prefix(3);
  int lines = 0;
  std::size_t pos = 0;
  while (pos < head.size() && lines < kLinesToInspect) {
    const std::size_t end = std::min(head.size(), head.find('\n', pos));
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 1;
    if (std::all_of(line.begin(), line.end(), is_space)) continue;
    ++lines;
    const LineVerdict verdict = judge_line(line);
    if (verdict == LineVerdict::kLibsvm) return ContentType::kLibsvm;
    if (verdict == LineVerdict::kCsv) return ContentType::kCsv;
  }
  return ContentType::kCsv;  // bare numbers, one per line, read the same either way
}

}  // namespace linlearn
