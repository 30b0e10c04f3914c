#pragma once
// Every hyperparameter of `train`, declared once (src/config/hyperparameter_table.cpp): its name,
// default, allowed values, help group and text, when it has an effect, what `auto` resolves to and
// where the value goes in the TrainConfig. The declarations drive the command-line options,
// hyperparameters.json, validation, "has no effect" warnings, the resolved JSON of the artifacts
// and which hyperparameters the report shows. Values arrive as strings, as in SageMaker's
// hyperparameters.json.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace linlearn {

struct TrainConfig;

// kText: any text (a metric name of the user's choosing, as SageMaker's tuning objective).
enum class ValueKind { kInt, kUnsigned, kFloat, kBool, kChoice, kText };

// Where an option is listed in `train --help`.
enum class HelpGroup { kModel, kOptimizer, kRegularization, kStoppingAndSelection, kNormalization, kRunControl };
std::string help_group_title(HelpGroup group);

// When a hyperparameter has an effect, read off the resolved values of others: every clause holds;
// a clause holds when one of its alternatives does; an alternative when the resolved value of
// `key` (a string, or a boolean as true/false) is one of `values`. No clauses: always.
struct EffectCondition {
  struct Alternative {
    std::string key;
    std::vector<std::string> values;
  };
  std::vector<std::vector<Alternative>> clauses;

  bool holds(const nlohmann::json& resolved) const;
  // "optimizer=adam", "predictor_type=binary_classifier and use_bias=true", "a or b".
  std::string describe() const;
};

// What the training data says, for the `auto`s that depend on it (over all ranks under MPI).
struct DataFacts {
  std::size_t records = 0;
  std::size_t feature_dim = 0;
  bool sparse = false;
  std::vector<double> class_counts;  // classifiers: records per class
  bool warm_start = false;           // the run starts from an initial model (--initial-model)
  bool validation = false;           // a validation channel selects the model
};

// Resolves a word (`auto`, `balanced`, or an empty default) from the values resolved before it in
// the table, and the data when it has been read (nullptr before: a provisional value).
using WordResolver = std::function<nlohmann::json(const TrainConfig& so_far, const DataFacts* data)>;
// Puts a resolved value into the config; returns the value as it takes effect (what the artifacts record).
using ValueSetter = std::function<nlohmann::json(TrainConfig& config, const nlohmann::json& value)>;

struct HyperparameterSpec {
  std::string name;           // SageMaker's snake_case name; --name and --kebab-name on the command line
  std::string default_value;  // "" when required or derived (resolve_word says which)
  ValueKind kind = ValueKind::kFloat;
  std::vector<std::string> choices;  // kChoice: the values; others: the words also accepted ("auto")
  double min = 0;                    // numeric range, inclusive unless *_exclusive
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;
  bool has_range = false;
  HelpGroup group = HelpGroup::kModel;
  std::string help;
  EffectCondition applies;
  bool sagemaker = true;  // false: one of linlearn's own (seed, shuffle, prune_models)
  // One of the keys SageMaker itself puts in hyperparameters.json (_tuning_objective_metric,
  // _kvstore, ...): accepted and checked, hidden from --help, and kept out of the resolved values
  // (so out of model.pb); `help` says what it does here, and the job logs it when given.
  bool internal = false;
  WordResolver resolve_word;
  ValueSetter set;

  // "an integer in [1, 1000000000] or auto", as usage errors and --help say it.
  std::string allowed() const;
};

// In declaration order, which is the order values are resolved in.
const std::vector<HyperparameterSpec>& hyperparameter_specs();
const HyperparameterSpec* find_hyperparameter(const std::string& name);

// The raw string values given by the user (hyperparameters.json first, command line on top).
using HyperparameterValues = std::map<std::string, std::string>;

// Reads SageMaker's hyperparameters.json (an object whose values are strings; numbers and booleans are
// accepted too). UsageError names the file and the bad entry.
HyperparameterValues read_hyperparameters_json(const std::string& path);

// Checks one value against its spec (type, range, choice); UsageError
// "--NAME: 'VALUE' is not allowed; expected ..." otherwise.
void validate_hyperparameter(const HyperparameterSpec& spec, const std::string& value);

// Whether `name` has an effect under the `resolved` values (metrics.json's "hyperparameters" or a
// model's). Names not in the table apply.
bool hyperparameter_applies(const std::string& name, const nlohmann::json& resolved);

}  // namespace linlearn
