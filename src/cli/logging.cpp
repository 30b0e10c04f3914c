#include "cli/logging.h"

#include <algorithm>

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

}  // namespace linlearn
