#pragma once
// Runs the real linlearn executable for end-to-end tests and captures its exit code and output.
#include <sys/wait.h>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace linlearn::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a shell command line (no redirections of its own) and captures its exit code and streams;
// `scratch` holds the captured files.
inline CliResult run_command(const std::string& command_line, const std::string& scratch) {
  const std::string out = scratch + "/stdout.txt";
  const std::string err = scratch + "/stderr.txt";
  const std::string command = command_line + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// `args` is appended to the executable's path as shell words.
inline CliResult run_linlearn(const std::string& args, const std::string& scratch) {
  return run_command(std::string(LINLEARN_EXE) + " " + args, scratch);
}

// The lines of `text`, each without its '\n'; an unterminated last line is left out.
inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

inline std::string data_path(const std::string& name) {
  return std::string(LINLEARN_DATA_DIR) + "/" + name;
}

}  // namespace linlearn::testing
