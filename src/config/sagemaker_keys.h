#pragma once
// The keys SageMaker itself puts in hyperparameters.json beside the algorithm's own
// (_tuning_objective_metric, _kvstore, _num_gpus, _num_kv_servers, _log_level, _enable_profiler,
// force_dense): their declarations (internal ones: hidden from --help, not in the resolved values)
// and what they do to a job.
#include <string>
#include <vector>

#include "linlearn/hyperparameters.h"

namespace linlearn {

// The declarations, joined into the table last (hyperparameter_table.cpp).
std::vector<HyperparameterSpec> sagemaker_internal_specs();

struct SageMakerKeys {
  HyperparameterValues values;     // the values given, with what the tuning objective implies
  std::vector<std::string> notes;  // one line per key given, for the log
};

// A tuning objective (automatic model tuning) trains one model, whatever num_models says, as
// SageMaker's Linear Learner does; a binary classifier with no
// binary_classifier_model_selection_criteria of its own calibrates its threshold for the objective
// (accuracy, f_beta, precision_at_target_recall for precision, recall_at_target_precision for
// recall, loss_function for objective_loss). The other keys change nothing; the notes say so.
SageMakerKeys apply_sagemaker_keys(const HyperparameterValues& given);

// _log_level as --log-level spells it (debug, info, warn, error); "" when it is not given.
// UsageError for a value _log_level does not take.
std::string sagemaker_log_level(const HyperparameterValues& given);

}  // namespace linlearn
