#pragma once
// A model in raw units re-expressed as trainer parameters in the normalized units of this run.
#include <cstddef>

#include "batch_gradient.h"
#include "linlearn/linear_model.h"
#include "linlearn/normalizer.h"

namespace linlearn {

// `feature_dim` may exceed the model's (sparse data grown wider): the new features start at 0.
ModelParameters warm_parameters(const LinearModel& model, const Normalization& norm, std::size_t feature_dim);

}  // namespace linlearn
