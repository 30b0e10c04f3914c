#pragma once
// Reading metrics.json for the report: a value at a path of keys, and a scalar as readers expect it.
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/svg_chart.h"

namespace linlearn::detail {

// The value at a path of object keys, or nullptr when any step is missing.
inline const nlohmann::json* json_at(const nlohmann::json& root, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &root;
  for (const char* key : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

// A JSON value as readers expect it: strings bare, numbers compact, null as a dash, the rest as JSON.
inline std::string display_value(const nlohmann::json* value) {
  if (value == nullptr || value->is_null()) return "—";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number_integer()) return value->dump();
  if (value->is_number()) return format_number(value->get<double>(), 5);
  return value->dump();
}

// An epoch of metrics.json (counted from 0) as people read it, counted from 1; a dash when it is
// missing or negative (a model with no best epoch).
inline std::string display_epoch(const nlohmann::json* value) {
  if (value == nullptr || !value->is_number_integer() || value->get<long long>() < 0) return "—";
  return std::to_string(value->get<long long>() + 1);
}

// The model's index when it is one (>= 0), else -1.
inline int index_at(const nlohmann::json& root, std::initializer_list<const char*> path) {
  const nlohmann::json* index = json_at(root, path);
  return index != nullptr && index->is_number_integer() && index->get<int>() >= 0 ? index->get<int>() : -1;
}

}  // namespace linlearn::detail
