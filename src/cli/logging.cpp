#include "cli/logging.h"

#include <algorithm>

#include <spdlog/sinks/stdout_sinks.h>

#include <fmt/format.h>

#include "linlearn/errors.h"

namespace linlearn {

spdlog::level::level_enum parse_log_level(const std::string& level, Verbosity verbosity) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw UsageError(
        fmt::format("--log-level: '{}' is not allowed; expected trace, debug, info, warn, error or off", level));
  if (verbosity == Verbosity::kQuiet) return std::max(parsed, spdlog::level::err);
  if (verbosity == Verbosity::kVerbose) return std::min(parsed, spdlog::level::debug);
  return parsed;
}

LogFormat parse_log_format(const std::string& name) {
  if (name == "text") return LogFormat::kText;
  if (name == "sagemaker") return LogFormat::kSageMaker;
  throw UsageError(fmt::format("--log-format: '{}' is not allowed; expected text or sagemaker", name));
}

std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("linlearn", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(parse_log_level(level, Verbosity::kNormal));
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  return logger;
}

}  // namespace linlearn
