#pragma once
// Feature and label statistics from a uniform random sample of the training records (SPEC section 4).
// They are never applied to the data in place: the trainer folds them into its arithmetic and the
// saved model folds them into raw-unit weights.
#include <cstdint>
#include <vector>

#include "linlearn/communicator.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/feature_index.h"

namespace linlearn {

struct Normalization {
  std::vector<double> mean;   // subtracted from each feature (0 when not centring)
  std::vector<double> scale;  // each feature is divided by it (1 when not scaling or constant)
  double label_mean = 0.0;
  double label_scale = 1.0;
  std::size_t sample_size = 0;
};

// With several ranks, each samples its share of num_point_for_scaler from its own shard and the
// sums are combined, so every rank gets the same statistics. Sparse data is not centred and has one
// scale for every feature (see normalizer.cpp); with `features`, mean and scale are indexed by the
// index's slots, so their cost follows the features that occur.
Normalization compute_normalization(const Dataset& train, const NormalizationConfig& config, std::uint64_t seed,
                                    Communicator* communicator = nullptr, const FeatureIndex* features = nullptr);

}  // namespace linlearn
