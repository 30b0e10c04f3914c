#pragma once
// A model in raw units re-expressed as trainer parameters in the normalized units of this run.
#include <cstddef>

#include "batch_gradient.h"
#include "linlearn/feature_index.h"
#include "linlearn/linear_model.h"
#include "linlearn/normalizer.h"

namespace linlearn {

// `rows` weight rows: every feature (`index` null; `rows` may exceed the model's feature_dim when
// sparse data grew wider: the new features start at 0), or for sparse data one per feature of
// `index`, whose slots `norm` is indexed by. A feature the model weighs but the index lacks (it
// never occurs in this run's data) is left out: an unseen feature scores nothing.
ModelParameters warm_parameters(const LinearModel& model, const Normalization& norm, std::size_t rows,
                                const FeatureIndex* index = nullptr);

}  // namespace linlearn
