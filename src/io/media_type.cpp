// Media types of inference requests and responses: Content-Type values with parameters, and the
// negotiation of an Accept header.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "linlearn/inference.h"

namespace linlearn {
namespace {

constexpr std::string_view kSpaces = " \t";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kSpaces);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpaces) - first + 1);
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// RFC 9110 token characters.
bool is_token(std::string_view s) {
  constexpr std::string_view kSeparators = "()<>@,;:\\\"/[]?={} \t";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](unsigned char c) {
    return c > 32 && c < 127 && kSeparators.find(static_cast<char>(c)) == std::string_view::npos;
  });
}

// Splits at `separator` outside double quotes.
std::vector<std::string_view> split_unquoted(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && quoted) {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (s[i] == separator && !quoted) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

std::string unquote(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out.push_back(value[i]);
  }
  return out;
}

// The q of a media range: 1 when absent, -1 when not a number in [0, 1].
double quality(const MediaType& range) {
  const auto q = range.parameters.find("q");
  if (q == range.parameters.end()) return 1.0;
  double value = -1;
  const auto [end, error] = std::from_chars(q->second.data(), q->second.data() + q->second.size(), value);
  if (error != std::errc() || end != q->second.data() + q->second.size() || value < 0 || value > 1) return -1;
  return value;
}

std::optional<ResponseFormat> range_format(const MediaType& range) {
  if (range.type == "*/*" || range.type == "application/*") return ResponseFormat::kJson;
  if (range.type == "text/*") return ResponseFormat::kCsv;
  return response_format(range);
}

}  // namespace

std::optional<MediaType> parse_media_type(std::string_view text) {
  const std::vector<std::string_view> parts = split_unquoted(text, ';');
  const std::string_view type = trim(parts.front());
  const auto slash = type.find('/');
  if (slash == std::string_view::npos || !is_token(type.substr(0, slash)) || !is_token(type.substr(slash + 1)))
    return std::nullopt;
  MediaType media{lowercase(type), {}};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::string_view parameter = trim(parts[i]);
    const auto equals = parameter.find('=');
    // An empty parameter (a trailing ';') or a bare name says nothing: skipped.
    if (equals == std::string_view::npos) continue;
    const std::string_view name = trim(parameter.substr(0, equals));
    if (!is_token(name)) return std::nullopt;
    media.parameters[lowercase(name)] = unquote(trim(parameter.substr(equals + 1)));
  }
  return media;
}

std::optional<RequestFormat> request_format(const MediaType& type) {
  if (type.type == "text/csv") return RequestFormat::kCsv;
  if (type.type == "application/json") return RequestFormat::kJson;
  if (type.type == "application/jsonlines") return RequestFormat::kJsonLines;
  if (type.type == "application/x-recordio-protobuf") return RequestFormat::kRecordIO;
  return std::nullopt;
}

std::optional<ResponseFormat> response_format(const MediaType& type) {
  for (const ResponseFormat format :
       {ResponseFormat::kJson, ResponseFormat::kJsonLines, ResponseFormat::kCsv, ResponseFormat::kRecordIO}) {
    if (type.type == media_type_name(format)) return format;
  }
  return std::nullopt;
}

std::string request_types_text() {
  return "text/csv, application/json, application/jsonlines or application/x-recordio-protobuf";
}

std::string response_types_text() {
  return "application/json, application/jsonlines, text/csv or application/x-recordio-protobuf";
}

const char* media_type_name(ResponseFormat format) {
  switch (format) {
    case ResponseFormat::kJson:
      return "application/json";
    case ResponseFormat::kJsonLines:
      return "application/jsonlines";
    case ResponseFormat::kCsv:
      return "text/csv";
    case ResponseFormat::kRecordIO:
      return "application/x-recordio-protobuf";
  }
  return "application/json";
}

std::optional<ResponseFormat> negotiate_response_format(std::string_view accept) {
  if (trim(accept).empty()) return ResponseFormat::kJson;
  std::optional<ResponseFormat> best;
  double best_q = 0;
  for (const std::string_view range_text : split_unquoted(accept, ',')) {
    const auto range = parse_media_type(range_text);
    if (!range) continue;
    const double q = quality(*range);
    const auto format = range_format(*range);
    if (format && q > best_q) {
      best = format;
      best_q = q;
    }
  }
  return best;
}

}  // namespace linlearn
