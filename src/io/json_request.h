#pragma once
// SageMaker's JSON inference requests (SPEC section 2): application/json
// `{"instances": [INSTANCE, ...]}` and application/jsonlines, one INSTANCE a line, where an
// INSTANCE is `{"features": [...]}`, `{"data": {"features": [...]}}` or
// `{"data": {"features": {"keys": [...], "shape": [d], "values": [...]}}}` (no keys: dense values).
#include <cstddef>
#include <string>
#include <string_view>

#include "linlearn/dataset.h"

namespace linlearn {

// Append the instances of a body to `out` (labels 0), which starts empty with out.feature_dim set
// to the model's: dense instances must have exactly that many features, sparse keys must be below
// it. Numbers read exactly as the CSV reader reads them. InputError "SOURCE: instance N: ..." or
// "SOURCE:LINE:COLUMN: ..." (malformed JSON), and "SOURCE:LINE:1: ..." for JSON Lines.
void parse_json_instances(std::string_view body, const std::string& source, Dataset& out);
void parse_json_lines(std::string_view body, const std::string& source, Dataset& out);

}  // namespace linlearn
