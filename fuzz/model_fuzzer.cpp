// libFuzzer target: the model.pb loader on arbitrary bytes. A linlearn::Error is the expected way
// to refuse input; any other exception, a crash or a sanitizer report is a finding. A model that
// loads must also survive a round trip through serialize_model_pb and model_to_json.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  linlearn::LinearModel model;
  try {
    model = linlearn::parse_model_pb(bytes, "model.pb");
  } catch (const linlearn::Error&) {
    return 0;
  }
  const linlearn::LinearModel again = linlearn::parse_model_pb(linlearn::serialize_model_pb(model), "again.pb");
  if (again.feature_dim != model.feature_dim || again.outputs != model.outputs) std::abort();
  (void)linlearn::model_to_json(model).dump();
  return 0;
}
