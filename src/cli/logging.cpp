#include "cli/logging.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {

std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& level, bool quiet) {
  auto logger = std::make_shared<spdlog::logger>("linlearn", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw UsageError(
        fmt::format("--log-level: '{}' is not allowed; expected trace, debug, info, warn, error or off", level));
  logger->set_level(quiet ? std::max(parsed, spdlog::level::warn) : parsed);
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  return logger;
}

}  // namespace linlearn
