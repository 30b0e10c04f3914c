// Chunking, threading and error placing shared by the text readers.
#include "io/text_parsing.h"

#include <sys/mman.h>
#include <unistd.h>

#include <fast_float/fast_float.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>

#include "linlearn/errors.h"

namespace linlearn::text {

const char* scan_float_general(const char* p, const char* end, float& value, NumberStatus& status) {
  // fast_float follows from_chars and refuses a leading '+', which strtod and writers accept.
  const char* start = (p != end && *p == '+' && p + 1 != end && p[1] != '-' && p[1] != '+') ? p + 1 : p;
  const auto result = fast_float::from_chars(start, end, value);
  if (result.ptr == start || (result.ec != std::errc() && result.ec != std::errc::result_out_of_range)) {
    status = NumberStatus::kNotANumber;
    return p;
  }
  // Out of range leaves an overflow as infinity (not finite) and an underflow as zero (fine).
  status = std::isfinite(value) ? NumberStatus::kOk : NumberStatus::kNotFinite;
  return result.ptr;
}

std::string_view strip_bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  return text;
}

std::vector<std::string_view> split_at_lines(std::string_view text, int parts, std::size_t min_part_bytes) {
  const std::size_t wanted =
      std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(std::max(parts, 1)),
                                                     text.size() / std::max<std::size_t>(min_part_bytes, 1)));
  std::vector<std::string_view> pieces;
  pieces.reserve(wanted);
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= wanted && begin < text.size(); ++i) {
    std::size_t end = text.size();
    if (i < wanted) {
      const std::size_t target = std::max(begin, text.size() / wanted * i);
      const void* newline = std::memchr(text.data() + target, '\n', text.size() - target);
      end = newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - text.data()) + 1 : text.size();
    }
    pieces.push_back(text.substr(begin, end - begin));
    begin = end;
  }
  if (pieces.empty()) pieces.push_back(text);
  return pieces;
}

std::size_t whole_lines_prefix(std::string_view data, std::size_t limit) {
  const std::size_t before = data.substr(0, limit).rfind('\n');
  if (before != std::string_view::npos) return before + 1;
  const std::size_t after = data.find('\n', std::min(limit, data.size()));
  return after == std::string_view::npos ? 0 : after + 1;
}

std::optional<std::size_t> lines_before_first_record(std::string_view text, bool comments) {
  std::size_t lines = 0;
  for (std::size_t begin = 0; begin < text.size(); ++lines) {
    const std::size_t newline = text.find('\n', begin);
    const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
    for (std::size_t i = begin; i < end; ++i) {
      const char c = text[i];
      if (comments && c == '#') break;
      if (c != ' ' && c != '\t' && c != '\r') return lines;
    }
    begin = end + 1;
  }
  return std::nullopt;
}

void fault_in(void* data, std::size_t bytes) {
  static const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = start & ~(page - 1);
  if (bytes > 0) ::madvise(reinterpret_cast<void*>(begin), start + bytes - begin, MADV_POPULATE_WRITE);
}

void run_on_threads(std::size_t count, const std::function<void(std::size_t)>& task) {
  std::vector<std::exception_ptr> errors(count);
  auto guarded = [&](std::size_t i) {
    try {
      task(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> workers;
  workers.reserve(count > 0 ? count - 1 : 0);
  for (std::size_t i = 1; i < count; ++i) workers.emplace_back(guarded, i);
  if (count > 0) guarded(0);
  for (auto& worker : workers) worker.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

void throw_first_failure(const std::vector<ChunkProgress>& progress, const std::string& file, std::size_t first_line) {
  for (const auto& chunk : progress) {
    if (chunk.failure.failed) {
      throw InputError(file + ":" + std::to_string(first_line + chunk.failure.line_in_chunk) + ":" +
                       std::to_string(chunk.failure.column) + ": " + chunk.failure.message);
    }
    first_line += chunk.newlines;
  }
}

std::size_t character_column(const char* line_start, const char* at) {
  std::size_t column = 1;
  for (const char* p = line_start; p < at; ++p) {
    // UTF-8 continuation bytes (10xxxxxx) do not start a character.
    if ((static_cast<unsigned char>(*p) & 0xC0) != 0x80) ++column;
  }
  return column;
}

std::string quote_token(std::string_view token) {
  constexpr std::size_t kMaxShown = 40;
  std::size_t shown = token.size();
  if (shown > kMaxShown) {
    shown = kMaxShown;
    while (shown > 0 && (static_cast<unsigned char>(token[shown]) & 0xC0) == 0x80) --shown;  // whole characters
  }
  std::string quoted;
  quoted.reserve(shown + 5);
  quoted.push_back('\'');
  quoted.append(token.substr(0, shown));
  if (shown < token.size()) quoted.append("...");
  quoted.push_back('\'');
  return quoted;
}

std::string label_expectation(const std::string& label_expected) {
  return "expected " + (label_expected.empty() ? std::string("a label the model accepts") : label_expected);
}

}  // namespace linlearn::text
