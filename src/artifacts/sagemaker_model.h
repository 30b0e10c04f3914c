#pragma once
// SageMaker Linear Learner model artifacts (SPEC section 10): model.tar.gz, a gzip'd tar holding
// model_algo-1, a zip of manifest.json, additional-params.json, mx-mod-symbol.json (the MXNet graph
// data . fc0_weight + fc0_bias -> output op) and mx-mod-0000.params (MXNet NDArray list with
// arg:fc0_weight (feature_dim, K) and arg:fc0_bias (1, K)). SageMaker stores the weights in raw
// input units (normalization already folded in), as linlearn's model.pb does, so the conversion is
// exact both ways. Binary and regressor models match real artifacts; multiclass (fc0_weight
// (feature_dim, num_classes) and SoftmaxOutput) follows the same graph but no real multiclass
// artifact was available to check it against.
#include <string>
#include <string_view>

#include "linlearn/linear_model.h"

namespace linlearn {

// True when the file at `path` starts like a SageMaker model: gzip or tar (model.tar.gz) or zip
// (model_algo-1). Content decides, not the name.
bool is_sagemaker_model_file(const std::string& path);

// DIR/model.tar.gz or else DIR/model_algo-1; empty when the directory has neither.
std::string find_sagemaker_model(const std::string& directory);

// A model.tar.gz or model_algo-1 file. InputError naming the file (and the member) for anything
// that is not a well-formed Linear Learner model: hostile member names, oversized or truncated
// members, missing members, bad JSON, shapes that do not fit, unsupported array types.
LinearModel load_sagemaker_model(const std::string& path);

// The model in a model_algo-1's bytes; `place` starts error messages.
LinearModel parse_sagemaker_model_algo(std::string_view bytes, const std::string& place);

// model_algo-1's bytes for `model`. UsageError when SageMaker's graph cannot express the model's
// scores: a binary classifier whose loss is not logistic (SageMaker's LogisticRegressionOutput
// would turn its margins into probabilities). Regressors keep their loss_type under
// LinearRegressionOutput: all regression losses score x . w + b.
std::string sagemaker_model_algo_bytes(const LinearModel& model);

// The MXNet op SageMaker's graph ends in: LogisticRegressionOutput, SoftmaxOutput or
// LinearRegressionOutput.
const char* sagemaker_output_op(PredictorType type);

// model.tar.gz holding model_algo-1, written atomically to `path`.
void write_sagemaker_model_tar_gz(const std::string& path, const LinearModel& model);

}  // namespace linlearn
