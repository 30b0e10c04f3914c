#pragma once
// Reading and writing the artifacts of `train`: model.pb, model.json, metrics.json. Every file is
// written atomically (temporary file in the same directory, flushed, then renamed).
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "linlearn/linear_model.h"

namespace linlearn {

// Writes `content` to `path` via a temporary file and rename; InputError (exit 3) naming the path
// when the directory is not writable or the disk is full; nothing is left half-written.
void write_file_atomically(const std::string& path, std::string_view content);

// Creates the directory (and parents); InputError naming it when impossible.
void ensure_directory(const std::string& path);

std::string serialize_model_pb(const LinearModel& model);
nlohmann::json model_to_json(const LinearModel& model);

// Loads DIR/model.pb (or a model.pb / model.json file path). InputError naming the file when it is
// missing, truncated, not a linlearn model or of an unknown format version.
LinearModel load_model(const std::string& path);

}  // namespace linlearn
