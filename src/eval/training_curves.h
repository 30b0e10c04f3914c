#pragma once
// The report's training curves: one chart per per-epoch metric of metrics.json, every model's line
// with the selected one highlighted. Epochs are shown counted from 1.
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace linlearn::detail {

// An HTML <section> of charts (a note when there are no per-epoch records).
std::string render_training_curves(const nlohmann::json& metrics);

}  // namespace linlearn::detail
