// libFuzzer target: parse_csv on arbitrary bytes. A linlearn::Error is the expected way to refuse
// input; any other exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "linlearn/dataset.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the options, so one corpus covers the paths of train, predict and evaluate.
  const std::uint8_t options = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  linlearn::ReadOptions opts;
  opts.has_label = (options & 1) == 0;
  opts.feature_dim = (options & 2) != 0 ? 3 : 0;
  if ((options & 4) != 0) {
    opts.label_ok = [](float y) { return y == 0.0f || y == 1.0f; };
    opts.label_expected = "0 or 1";
  }
  linlearn::Dataset out;
  try {
    linlearn::parse_csv(text, "fuzz.csv", out, opts);
    // A second file must agree with the first one's width, or be refused.
    if ((options & 8) != 0) linlearn::parse_csv(text, "again.csv", out, opts);
  } catch (const linlearn::Error&) {
  }
  return 0;
}
