#pragma once
// Paths of the real SageMaker artifacts in tests/data/sagemaker and the members of a real
// model_algo-1, for tests that build variants of it.
#include <map>
#include <string>

#include "artifacts/sagemaker_model_archive.h"
#include "cli/cli_runner.h"

namespace linlearn::testing {

inline std::string sagemaker_path(const std::string& name) {
  return std::string(LINLEARN_TEST_DATA_DIR) + "/sagemaker/" + name;
}

inline std::map<std::string, std::string> real_model_algo_members(const std::string& name) {
  std::map<std::string, std::string> members;
  for (ArchiveMember& m : read_zip_members(slurp(sagemaker_path(name)), name)) members[m.name] = std::move(m.bytes);
  return members;
}

}  // namespace linlearn::testing
