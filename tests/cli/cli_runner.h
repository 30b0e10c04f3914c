#pragma once
// Runs the real linlearn executable for end-to-end tests and captures its exit code and output.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

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

// `args` is appended to the executable's path as shell words; `scratch` holds the captured streams.
inline CliResult run_linlearn(const std::string& args, const std::string& scratch) {
  const std::string out = scratch + "/stdout.txt";
  const std::string err = scratch + "/stderr.txt";
  const std::string command = std::string(LINLEARN_EXE) + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(command.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline std::string data_path(const std::string& name) { return std::string(LINLEARN_DATA_DIR) + "/" + name; }

}  // namespace linlearn::testing
