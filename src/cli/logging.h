#pragma once
// Logs go to stderr through one logger that main-level code creates and passes down; results go to
// files or stdout.
#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace linlearn {

// level: trace|debug|info|warn|error|off; quiet lowers it to warnings. UsageError on a bad level.
std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& level, bool quiet);

}  // namespace linlearn
