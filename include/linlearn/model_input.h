#pragma once
// Reading records for an existing model (predict, evaluate): the data must fit its feature_dim.
#include <string>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/linear_model.h"

namespace linlearn {

// InputError when dense rows are not exactly feature_dim wide or sparse keys reach past it.
// With `check_labels`, labels must suit the model's loss (evaluate).
Dataset read_for_model(const LinearModel& model, const std::vector<std::string>& specs, const std::string& content_type,
                       bool has_label, int threads, bool check_labels = false);

}  // namespace linlearn
