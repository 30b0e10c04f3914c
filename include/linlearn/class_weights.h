#pragma once
// Per-record weights that express the user's costs (positive_example_weight_mult,
// balance_multiclass_weights). Computed once from the training labels; the same per-class weights
// apply to every channel, so loss, calibration and selection all see the weighted records.
#include <string>
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

// What the data-dependent `auto`s of `config` resolve from, for training data held in one process.
DataFacts describe_training_data(const Dataset& train, const TrainConfig& config);

// Training labels a classifier cannot learn from: a binary set with one class only is refused
// (InputError naming `source`, the missing class and the counts); the classes of a multiclass set
// that never occur are returned as warnings.
std::vector<std::string> check_class_counts(const std::vector<double>& class_counts, const TrainConfig& config,
                                            const std::string& source);

}  // namespace linlearn
