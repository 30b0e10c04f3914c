#pragma once
// Convergence diagnostics (metrics.json `convergence.diagnostics`): what went wrong in a run, the
// numbers behind it and what to change. Each has a stable code that scripts may match on.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/trainer.h"

namespace linlearn {

enum class Severity { kInfo, kWarning, kError };

struct Diagnostic {
  std::string code;
  Severity severity = Severity::kInfo;
  std::string message;
  std::string suggestion;
};

// Cheap statistics of the training data, taken before training.
struct DataProfile {
  std::size_t records = 0;
  std::size_t label_runs = 0;        // runs of equal labels in file order (classifiers)
  double expected_label_runs = 0;    // the same under a random order
  double label_autocorrelation = 0;  // lag-1, in file order (regression)
  std::vector<double> class_counts;  // classifiers
  double min_feature_std = 0;        // over non-constant features of a sample
  double max_feature_std = 0;
  std::size_t constant_features = 0;
  std::size_t outlier_features = 0;  // features with a value more than kOutlierSigmas from the mean
  double worst_feature_sigmas = 0;
  std::size_t worst_feature = 0;
  double worst_label_sigmas = 0;  // regression
};

inline constexpr double kOutlierSigmas = 50.0;

DataProfile profile_data(const Dataset& train, PredictorType type, int num_classes, std::uint64_t seed);

std::vector<Diagnostic> diagnose(const TrainConfig& config, const DataProfile& profile, const TrainOutcome& outcome);

nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diagnostics);
std::string severity_name(Severity s);

}  // namespace linlearn
