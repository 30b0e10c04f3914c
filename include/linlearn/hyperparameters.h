#pragma once
// The table of SageMaker Linear Learner hyperparameters: the single source of names, defaults,
// allowed values and help text. Values arrive as strings (as in SageMaker's hyperparameters.json)
// and are resolved to a typed TrainConfig in config.h.
#include <map>
#include <string>
#include <vector>

namespace linlearn {

enum class ValueKind { kInt, kFloat, kBool, kChoice, kText };

struct HyperparameterSpec {
  std::string name;           // SageMaker's snake_case name
  std::string default_value;  // "" when required or unset
  ValueKind kind;
  std::vector<std::string> choices;  // kChoice, and the words a numeric option accepts ("auto", "balanced")
  double min = 0;                    // numeric range, inclusive unless *_exclusive
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;
  bool has_range = false;
  std::string help;
};

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

}  // namespace linlearn
