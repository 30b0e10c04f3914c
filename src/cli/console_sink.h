#pragma once
// The terminal that `train` shares between log lines and the live progress line: every line is
// written whole on a row of its own, the progress line is erased before it and drawn again after,
// so a log line is never glued to (or overwritten by) the progress line.
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/details/null_mutex.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "cli/logging.h"

namespace linlearn {

class LiveTerminal {
 public:
  // `err` carries the log and, when `live`, the progress line; `out` the lines that are results
  // (#quality_metric lines in SageMaker's container mode).
  LiveTerminal(std::FILE* err, std::FILE* out, bool live);
  // Erases the progress line, so that whatever is written next (main's error line after an
  // interruption) starts on an empty row.
  ~LiveTerminal() { clear(); }
  LiveTerminal(const LiveTerminal&) = delete;
  LiveTerminal& operator=(const LiveTerminal&) = delete;

  bool live() const { return live_; }
  void write_err(std::string_view line);
  void write_out(std::string_view line);
  // Replaces the progress line; ignored unless live. It is cut to the terminal's width: a line that
  // wrapped could not be erased.
  void draw(const std::string& text);
  // Erases the progress line until the next draw.
  void clear();

 private:
  void write_line(std::FILE* stream, std::string_view line);
  void erase_locked();

  std::mutex mutex_;
  std::FILE* err_;
  std::FILE* out_;
  const bool live_;
  std::string progress_;  // the progress line to redraw after a log line; empty: none
  bool drawn_ = false;
};

class ConsoleSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  ConsoleSink(LiveTerminal& terminal, LogFormat format) : terminal_(terminal), format_(format) {}

  // One line at `level` whatever the logger's level lets through (the summary under --quiet).
  void write(spdlog::level::level_enum level, std::string_view text);
  LogFormat format() const { return format_; }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string line(spdlog::level::level_enum level, std::string_view text, spdlog::log_clock::time_point time,
                   std::size_t thread_id) const;

  LiveTerminal& terminal_;
  const LogFormat format_;
};

// The logger of `train`: every line through `sink`, at `level` (see parse_log_level).
std::shared_ptr<spdlog::logger> make_console_logger(std::shared_ptr<ConsoleSink> sink, spdlog::level::level_enum level);

}  // namespace linlearn
