#include "cli/commands.h"

namespace linlearn {

std::string exit_codes_help() {
  return "Exit codes: 0 success, 1 internal error, 2 usage or configuration error, 3 input data error, 4 did not "
         "converge or a check failed, 5 cannot write an output, 130/143 interrupted by SIGINT/SIGTERM (checkpoint "
         "written).";
}

}  // namespace linlearn
