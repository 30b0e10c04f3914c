#pragma once
// A small builder for the declarations of the hyperparameter table, so that each reads as one
// statement: name, group, help, then type, range, default, when it applies, what `auto` is and
// where it goes.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "linlearn/hyperparameters.h"

namespace linlearn {

class Declare {
 public:
  Declare(std::string name, HelpGroup group, std::string help) {
    spec_.name = std::move(name);
    spec_.group = group;
    spec_.help = std::move(help);
  }

  Declare& integer(double min, double max) { return numeric(ValueKind::kInt, min, max); }
  Declare& real(double min, double max) { return numeric(ValueKind::kFloat, min, max); }
  Declare& unsigned_integer() {
    spec_.kind = ValueKind::kUnsigned;
    return *this;
  }
  Declare& boolean() {
    spec_.kind = ValueKind::kBool;
    return *this;
  }
  Declare& text() {
    spec_.kind = ValueKind::kText;
    return *this;
  }
  Declare& choice(std::vector<std::string> values) {
    spec_.kind = ValueKind::kChoice;
    spec_.choices = std::move(values);
    return *this;
  }
  Declare& min_exclusive() {
    spec_.min_exclusive = true;
    return *this;
  }
  Declare& max_exclusive() {
    spec_.max_exclusive = true;
    return *this;
  }
  // The default; `auto` (or any word) makes the option accept that word.
  Declare& def(std::string value) {
    if (spec_.kind != ValueKind::kChoice && spec_.kind != ValueKind::kText && !value.empty() && !is_number(value) &&
        value != "true" && value != "false")
      spec_.choices.push_back(value);
    spec_.default_value = std::move(value);
    return *this;
  }
  // Words a number also accepts besides the default's.
  Declare& words(std::initializer_list<const char*> extra) {
    for (const char* w : extra) spec_.choices.emplace_back(w);
    return *this;
  }
  Declare& applies_when(std::string key, std::vector<std::string> values) {
    spec_.applies.clauses.push_back({{std::move(key), std::move(values)}});
    return *this;
  }
  Declare& applies_when_any(std::vector<EffectCondition::Alternative> alternatives) {
    spec_.applies.clauses.push_back(std::move(alternatives));
    return *this;
  }
  Declare& own() {
    spec_.sagemaker = false;
    return *this;
  }
  Declare& internal() {
    spec_.internal = true;
    return *this;
  }
  Declare& resolve(WordResolver resolver) {
    spec_.resolve_word = std::move(resolver);
    return *this;
  }
  Declare& into(ValueSetter setter) {
    spec_.set = std::move(setter);
    return *this;
  }
  operator HyperparameterSpec() const { return spec_; }

 private:
  Declare& numeric(ValueKind kind, double min, double max) {
    spec_.kind = kind;
    spec_.min = min;
    spec_.max = max;
    spec_.has_range = true;
    return *this;
  }
  static bool is_number(const std::string& text) {
    return text.find_first_not_of("0123456789.-+eE") == std::string::npos;
  }

  HyperparameterSpec spec_;
};

// The declarations of several parts of the table, in order.
inline std::vector<HyperparameterSpec> joined(std::initializer_list<std::vector<HyperparameterSpec>> parts) {
  std::vector<HyperparameterSpec> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

}  // namespace linlearn
