#pragma once
// Logs go to stderr through one logger that main-level code creates and passes down; results go to
// files or stdout. `train` builds its logger on a console sink (src/cli/console_sink.h) that keeps
// log lines off the live progress line.
#include <memory>
#include <string>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace linlearn {

// --quiet: errors and the final summary; --verbose: also the details (file skips, reader notes,
// pruning), which are logged at debug level.
enum class Verbosity { kQuiet, kNormal, kVerbose };

// text: lines for people; sagemaker: every line stamped as SageMaker's algorithms stamp theirs, and
// each epoch's #quality_metric lines.
enum class LogFormat { kText, kSageMaker };

// level: trace|debug|info|warn|error|off, raised to error by kQuiet and lowered to debug by
// kVerbose. UsageError on a bad level.
spdlog::level::level_enum parse_log_level(const std::string& level, Verbosity verbosity);

// text | sagemaker; UsageError else.
LogFormat parse_log_format(const std::string& name);

// A plain logger on stderr at `level` (as parse_log_level reads it), for commands with no console.
std::shared_ptr<spdlog::logger> make_stderr_logger(const std::string& level);

}  // namespace linlearn
