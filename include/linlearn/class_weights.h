#pragma once
// Per-record weights that express the user's costs (positive_example_weight_mult,
// balance_multiclass_weights). Computed once from the training labels; the same per-class weights
// apply to every channel, so loss, calibration and selection all see the weighted records.
#include <vector>

#include "linlearn/config.h"
#include "linlearn/dataset.h"

namespace linlearn {

struct ClassWeights {
  std::vector<double> per_class;  // empty: every record weighs 1
  std::vector<float> for_records(const Dataset& data) const;
};

// Records per class (empty for a regressor).
std::vector<double> count_classes(const std::vector<float>& labels, const TrainConfig& config);

// From the training set's class counts (summed over ranks under MPI).
ClassWeights compute_class_weights(const std::vector<double>& class_counts, const TrainConfig& config);

}  // namespace linlearn
