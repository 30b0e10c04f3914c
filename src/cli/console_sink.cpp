#include "console_sink.h"

#include <ctime>

#include <sys/ioctl.h>
#include <unistd.h>

#include <spdlog/details/os.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace linlearn {
namespace {

constexpr const char* kEraseLine = "\r\033[K";

// Columns of the terminal behind `stream`; 0 when it is not one.
std::size_t terminal_columns(std::FILE* stream) {
  winsize size{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) != 0) return 0;
  return size.ws_col;
}

// SageMaker's algorithms name their levels so: [06/14/2024 10:15:02 INFO 140142223755072] ...
const char* sagemaker_level(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::warn:
      return "WARNING";
    case spdlog::level::err:
    case spdlog::level::critical:
      return "ERROR";
    default:
      return "INFO";
  }
}

}  // namespace

LiveTerminal::LiveTerminal(std::FILE* err, std::FILE* out, bool live) : err_(err), out_(out), live_(live) {}

void LiveTerminal::erase_locked() {
  if (!drawn_) return;
  std::fputs(kEraseLine, err_);
  drawn_ = false;
}

void LiveTerminal::write_line(std::FILE* stream, std::string_view line) {
  const std::lock_guard lock(mutex_);
  erase_locked();
  std::fflush(err_);
  std::fwrite(line.data(), 1, line.size(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);
  if (progress_.empty()) return;
  std::fputs(progress_.c_str(), err_);
  std::fflush(err_);
  drawn_ = true;
}

void LiveTerminal::write_err(std::string_view line) {
  write_line(err_, line);
}

void LiveTerminal::write_out(std::string_view line) {
  write_line(out_, line);
}

void LiveTerminal::draw(const std::string& text) {
  if (!live_) return;
  const std::lock_guard lock(mutex_);
  const std::size_t columns = terminal_columns(err_);
  // The last column stays empty: writing into it makes some terminals wrap at once.
  progress_ = columns > 1 && text.size() >= columns ? text.substr(0, columns - 1) : text;
  std::fputs(kEraseLine, err_);
  std::fputs(progress_.c_str(), err_);
  std::fflush(err_);
  drawn_ = true;
}

void LiveTerminal::clear() {
  const std::lock_guard lock(mutex_);
  progress_.clear();
  erase_locked();
  std::fflush(err_);
}

std::string ConsoleSink::line(spdlog::level::level_enum level, std::string_view text,
                              spdlog::log_clock::time_point time, std::size_t thread_id) const {
  if (format_ == LogFormat::kSageMaker) {
    const std::time_t seconds = spdlog::log_clock::to_time_t(time);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    return fmt::format("[{:%m/%d/%Y %H:%M:%S} {} {}] {}", local, sagemaker_level(level), thread_id, text);
  }
  if (level == spdlog::level::warn) return fmt::format("warning: {}", text);
  if (level >= spdlog::level::err) return fmt::format("error: {}", text);
  return std::string(text);
}

void ConsoleSink::sink_it_(const spdlog::details::log_msg& msg) {
  const std::string_view text(msg.payload.data(), msg.payload.size());
  terminal_.write_err(line(msg.level, text, msg.time, msg.thread_id));
}

void ConsoleSink::write(spdlog::level::level_enum level, std::string_view text) {
  terminal_.write_err(line(level, text, spdlog::log_clock::now(), spdlog::details::os::thread_id()));
}

std::shared_ptr<spdlog::logger> make_console_logger(std::shared_ptr<ConsoleSink> sink,
                                                    spdlog::level::level_enum level) {
  auto logger = std::make_shared<spdlog::logger>("linlearn", std::move(sink));
  logger->set_level(level);
  return logger;
}

}  // namespace linlearn
