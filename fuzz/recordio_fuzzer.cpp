// libFuzzer target: parse_recordio on arbitrary bytes. A linlearn::Error is the expected way to
// refuse input; any other exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "linlearn/dataset.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  linlearn::Dataset out;
  try {
    linlearn::parse_recordio(bytes, "fuzz.recordio", out);
  } catch (const linlearn::Error&) {
  }
  return 0;
}
