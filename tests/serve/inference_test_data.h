#pragma once
// Records of the bundled data sets as inference request bodies in every format, and tiny models
// trained on them with the CLI, for the tests of `serve` and `predict`.
#include <charconv>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_runner.h"
#include "linlearn/inference.h"
#include "linlearn/recordio.h"
#include "record.pb.h"

namespace linlearn::testing {

using Rows = std::vector<std::vector<float>>;

// The features (label column dropped) of the first `limit` rows of a labelled CSV file.
inline Rows read_feature_rows(const std::string& path, std::size_t limit) {
  std::ifstream in(path);
  Rows rows;
  for (std::string line; rows.size() < limit && std::getline(in, line);) {
    std::vector<float> row;
    std::istringstream cells(line);
    bool label = true;
    for (std::string cell; std::getline(cells, cell, ',');) {
      float value = 0;
      std::from_chars(cell.data(), cell.data() + cell.size(), value);
      if (!label) row.push_back(value);
      label = false;
    }
    rows.push_back(row);
  }
  return rows;
}

inline std::string number(float v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// "[v0,v1,...]": the values of a row (only its non-zeros with `nonzeros`).
inline std::string json_values(const std::vector<float>& row, bool nonzeros) {
  std::string out = "[";
  for (const float v : row) {
    if (nonzeros && v == 0.0f) continue;
    if (out.size() > 1) out += ',';
    out += number(v);
  }
  return out + "]";
}

// "[j0,j1,...]": the columns of a row's non-zeros.
inline std::string json_keys(const std::vector<float>& row) {
  std::string out = "[";
  for (std::size_t j = 0; j < row.size(); ++j) {
    if (row[j] == 0.0f) continue;
    if (out.size() > 1) out += ',';
    out += std::to_string(j);
  }
  return out + "]";
}

// One instance: {"features": [...]} or the sparse {"data": {"features": {...}}}.
inline std::string json_instance(const std::vector<float>& row, bool sparse) {
  if (!sparse) return "{\"features\":" + json_values(row, false) + "}";
  return "{\"data\":{\"features\":{\"keys\":" + json_keys(row) + ",\"shape\":[" + std::to_string(row.size()) +
         "],\"values\":" + json_values(row, true) + "}}}";
}

inline std::string csv_body(const Rows& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j > 0) out += ',';
      out += number(row[j]);
    }
    out += '\n';
  }
  return out;
}

inline std::string json_body(const Rows& rows, bool sparse) {
  std::string out = "{\"instances\":[";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) out += ',';
    out += json_instance(rows[r], sparse);
  }
  return out + "]}";
}

inline std::string jsonlines_body(const Rows& rows, bool sparse) {
  std::string out;
  for (const auto& row : rows) out += json_instance(row, sparse) + "\n";
  return out;
}

// RecordIO records with features only, as SageMaker's SDK serializes records to score.
inline std::string recordio_body(const Rows& rows, bool sparse) {
  std::string out;
  for (const auto& row : rows) {
    aialgs::data::Record record;
    auto* tensor = (*record.mutable_features())["values"].mutable_float32_tensor();
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (sparse && row[j] == 0.0f) continue;
      tensor->add_values(row[j]);
      if (sparse) tensor->add_keys(j);
    }
    if (sparse) tensor->add_shape(row.size());
    append_recordio_record(out, record.SerializeAsString());
  }
  return out;
}

// A request body of every format, all holding the same records.
struct RequestBody {
  std::string name;          // for messages
  std::string content_type;  // as sent
  std::string extension;     // of a file holding it, for predict
  std::string body;
};

inline std::vector<RequestBody> request_bodies(const Rows& rows) {
  return {
      {"csv", "text/csv", ".csv", csv_body(rows)},
      {"json", "application/json", ".json", json_body(rows, false)},
      {"json-sparse", "application/json", ".json", json_body(rows, true)},
      {"jsonlines", "application/jsonlines", ".jsonl", jsonlines_body(rows, false)},
      {"jsonlines-sparse", "application/jsonlines; charset=utf-8", ".jsonl", jsonlines_body(rows, true)},
      {"recordio", "application/x-recordio-protobuf", ".rec", recordio_body(rows, false)},
      {"recordio-sparse", "application/x-recordio-protobuf", ".rec", recordio_body(rows, true)},
  };
}

inline const std::vector<std::string>& accept_types() {
  static const std::vector<std::string> types{"application/json", "application/jsonlines", "text/csv",
                                              "application/x-recordio-protobuf"};
  return types;
}

// A tiny model of each predictor type, trained with the CLI on the bundled data.
struct TinyModel {
  std::string name;
  std::string dir;   // the model directory
  std::string data;  // labelled CSV of its records to score
};

inline const std::vector<std::string>& tiny_model_names() {
  static const std::vector<std::string> names{"binary", "multiclass", "regressor"};
  return names;
}

// Trains the tiny model `name` (one of tiny_model_names()) into ROOT/NAME.
inline TinyModel train_tiny_model(const std::string& root, const std::string& name) {
  const std::map<std::string, std::pair<std::string, std::string>> runs{
      {"binary", {"churn/test.csv", "--predictor_type binary_classifier --train " + data_path("churn/validation.csv")}},
      {"multiclass",
       {"iris/test.csv",
        "--predictor_type multiclass_classifier --num_classes 3 --train " + data_path("iris/train.csv")}},
      {"regressor", {"diabetes/test.csv", "--predictor_type regressor --train " + data_path("diabetes/train.csv")}},
  };
  const auto& [data, options] = runs.at(name);
  const TinyModel model{name, root + "/" + name, data_path(data)};
  const CliResult r =
      run_linlearn("train " + options + " --epochs 2 --num_models 2 --quiet --output-dir " + model.dir, root);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return model;
}

}  // namespace linlearn::testing
