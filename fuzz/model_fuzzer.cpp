// libFuzzer target: the model.pb loader on arbitrary bytes. A linlearn::Error is the expected way
// to refuse input; any other exception, a crash or a sanitizer report is a finding. A model that
// loads must also survive a round trip through serialize_model_pb, and write_model_json must give
// JSON that parses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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
  std::string json;
  linlearn::write_model_json(model, [&](std::string_view piece) { json += piece; });
  if (nlohmann::json::parse(json, nullptr, false).is_discarded()) std::abort();
  return 0;
}
