#pragma once
// Warm starts (--initial-model): a run's models start from a model trained before (yesterday's, or
// one trained in SageMaker) instead of random weights.
#include <cstddef>
#include <string>
#include <vector>

#include "linlearn/config.h"
#include "linlearn/linear_model.h"

namespace linlearn {

struct InitialModel {
  std::string path;
  LinearModel model;
  std::string hash;  // model_content_hash: what the new model records as its lineage
};

// A content hash of `model` (its model.pb bytes), the same for the model however it was stored.
std::string model_content_hash(const LinearModel& model);

// Loads the model at `path` (a model directory, model.pb or SageMaker artifact) and checks, before
// any data is read, that it can start a run of `config`: the same predictor_type, num_classes and
// loss family (probabilistic classifier, hinge classifier or regressor), and the same feature_dim
// when the run gives one. UsageError naming the model and the mismatch.
InitialModel load_initial_model(const std::string& path, const TrainConfig& config);

// Before the training data is read: when its first file is CSV (a plain file, not standard input
// or a pipe), the width of its first row against the model's (UsageError when they differ).
void check_initial_width_early(const InitialModel& initial, const std::vector<std::string>& train);

// Once the training data is read: dense data must have the model's width (UsageError); sparse
// data may be wider (the new features start at 0) and is widened to the model's when narrower.
void fit_initial_width(const InitialModel& initial, std::size_t& feature_dim, bool sparse);

}  // namespace linlearn
