#pragma once
// Typed errors carry the exit code of SPEC section 8; only main() turns them into exits.
#include <stdexcept>
#include <string>

namespace linlearn {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitInput = 3,
  kExitNotConverged = 4,
  kExitOutput = 5,
  kExitSigint = 130,
  kExitSigterm = 143,
};

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// A bad option, value or combination of options (exit 2).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, kExitUsage) {}
};

// Malformed or unreadable input data (exit 3).
// The message starts with the place: "FILE:LINE:COLUMN: ..." or "FILE: record N at byte B: ...".
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, kExitInput) {}
};

// An output that cannot be written: the output or checkpoint directory, a full disk (exit 5).
class OutputError : public Error {
 public:
  explicit OutputError(const std::string& message) : Error(message, kExitOutput) {}
};

// Training did not produce a usable model, or a `check` requirement failed (exit 4).
class ConvergenceError : public Error {
 public:
  explicit ConvergenceError(const std::string& message) : Error(message, kExitNotConverged) {}
};

// Training stopped by SIGINT (exit 130) or SIGTERM (exit 143) after writing a checkpoint.
class Interrupted : public Error {
 public:
  Interrupted(const std::string& message, int exit_code) : Error(message, exit_code) {}
};

}  // namespace linlearn
