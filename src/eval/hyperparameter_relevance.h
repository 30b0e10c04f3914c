#pragma once
// Which resolved hyperparameters have an effect on a run, for the report: a regressor has no
// selection criteria for binary models, a logistic loss no quantile, adam no momentum.
#include <nlohmann/json_fwd.hpp>
#include <string_view>

namespace linlearn::detail {

// `resolved` is the object of resolved hyperparameters (metrics.json's "hyperparameters" or a
// model's), which says the predictor type, loss, optimizer, init method and so on. Names not known
// here apply: a new hyperparameter is shown until this says otherwise.
bool hyperparameter_applies(std::string_view name, const nlohmann::json& resolved);

}  // namespace linlearn::detail
