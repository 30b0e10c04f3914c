#pragma once
// The report's view of the trained models (metrics.json's "models"): a one-line description of each
// for the hover titles of the training curves, and the table of every model's outcome, which is
// what a user reads to see which models diverged or were pruned and how they differed.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace linlearn::detail {

struct ModelInfo {
  std::string status;       // as in metrics.json: pruned, diverged, early_stopped, ...
  std::string description;  // "model 3: pruned after epoch 1; learning_rate 0.002, optimizer adam"
};

// Keyed by model index; empty when metrics.json lists no models.
std::map<int, ModelInfo> describe_models(const nlohmann::json& metrics);

// A coloured badge for a convergence status.
std::string status_badge(const std::string& status);

// An HTML <section> with one row per model; "" when there are no models.
std::string render_models_section(const nlohmann::json& metrics);

}  // namespace linlearn::detail
