// Files written by the SageMaker Python SDK's serializers (write_numpy_to_dense_tensor,
// write_spmatrix_to_sparse_tensor) train to the same model as the same data in CSV. The files are
// written here as the SDK writes them (see scripts/sagemaker_sdk_records.py), by a protobuf wire
// writer of the test's own rather than linlearn's, from the bundled data sets.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/recordio_test_helpers.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::data_path;
using testing::len_field;
using testing::packed_varints;
using testing::run_linlearn;
using testing::slurp;
using testing::varint;

// A CSV data set as numpy would hold it: label first, every value as the text's double.
struct Table {
  std::vector<std::vector<std::string>> text;  // the fields of each row, label first
  std::vector<std::vector<double>> rows;
  std::vector<double> labels;
};

Table read_csv(const std::string& path) {
  Table t;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> fields;
    std::stringstream s(line);
    for (std::string field; std::getline(s, field, ',');) fields.push_back(field);
    t.labels.push_back(std::strtod(fields[0].c_str(), nullptr));
    t.rows.emplace_back();
    for (std::size_t i = 1; i < fields.size(); ++i) t.rows.back().push_back(std::strtod(fields[i].c_str(), nullptr));
    t.text.push_back(std::move(fields));
  }
  return t;
}

// The Value oneof field of each tensor type, as the SDK picks it from the numpy dtype.
enum class Tensor { kFloat32 = 2, kFloat64 = 3, kInt32 = 7 };

std::string packed_values(Tensor type, const std::vector<double>& values) {
  std::string out;
  for (const double v : values) {
    if (type == Tensor::kFloat32) {
      const auto f = static_cast<float>(v);
      out.append(reinterpret_cast<const char*>(&f), sizeof f);
    } else if (type == Tensor::kFloat64) {
      out.append(reinterpret_cast<const char*>(&v), sizeof v);
    } else {
      // int32 varints: negative values sign-extended to 64 bits, as protobuf writes them.
      out += varint(static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v))));
    }
  }
  return out;
}

// A Float32Tensor/Float64Tensor/Int32Tensor: packed values, keys, shape; empty fields left out.
std::string tensor(Tensor type, const std::vector<double>& values, const std::vector<std::uint64_t>& keys = {},
                   const std::vector<std::uint64_t>& shape = {}) {
  std::string body;
  if (!values.empty()) body += len_field(1, packed_values(type, values));
  if (!keys.empty()) body += len_field(2, packed_varints(keys));
  if (!shape.empty()) body += len_field(3, packed_varints(shape));
  return body;
}

// features (1) or label (2) map entry "values" -> Value holding the tensor.
std::string values_entry(int record_field, Tensor type, const std::string& tensor_body) {
  return len_field(record_field, len_field(1, "values") + len_field(2, len_field(static_cast<int>(type), tensor_body)));
}

// _write_recordio: magic, length, payload, zero padding to 4 bytes; the SDK never splits records.
void append_frame(std::string& out, const std::string& payload) {
  const std::uint32_t header[2] = {0xCED7230AU, static_cast<std::uint32_t>(payload.size())};
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  out += payload;
  out.append((4 - payload.size() % 4) % 4, '\0');
}

// write_numpy_to_dense_tensor(file, features.astype(dtype), labels.astype(label dtype)).
std::string sdk_dense(const Table& t, Tensor features, Tensor label) {
  std::string out;
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    append_frame(out, values_entry(1, features, tensor(features, t.rows[r])) +
                          values_entry(2, label, tensor(label, {t.labels[r]})));
  return out;
}

// write_spmatrix_to_sparse_tensor(file, scipy.sparse.csr_matrix(features), labels): per row the
// non-zero values, their column indices as keys and shape [feature_dim].
std::string sdk_sparse(const Table& t, Tensor features, Tensor label) {
  std::string out;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<double> values;
    std::vector<std::uint64_t> keys;
    for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
      if (t.rows[r][c] == 0) continue;
      values.push_back(t.rows[r][c]);
      keys.push_back(c);
    }
    append_frame(out, values_entry(1, features, tensor(features, values, keys, {t.rows[r].size()})) +
                          values_entry(2, label, tensor(label, {t.labels[r]})));
  }
  return out;
}

// The same records as LIBSVM text (1-based indices), written from the CSV's own text.
std::string libsvm(const Table& t) {
  std::string out;
  for (std::size_t r = 0; r < t.text.size(); ++r) {
    out += t.text[r][0];
    for (std::size_t c = 0; c < t.rows[r].size(); ++c) {
      if (t.rows[r][c] == 0) continue;
      out += ' ';
      out += std::to_string(c + 1);
      out += ':';
      out += t.text[r][c + 1];
    }
    out += '\n';
  }
  return out;
}

struct TrainRun {
  std::string model;  // model.pb bytes
  nlohmann::json final_metrics;
};

TrainRun train(const testing::TempDir& dir, const std::string& name, const std::string& options,
               const std::string& train, const std::string& test) {
  const std::string out = dir.path(name);
  const auto r = run_linlearn(options + " --train " + train + " --test " + test + " --output-dir " + out +
                                  " --epochs 4 --num_models 2 --threads 2 --quiet",
                              dir.path());
  EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
  return {slurp(out + "/model.pb"), nlohmann::json::parse(slurp(out + "/metrics.json"))["final_metrics"]};
}

const std::string kDigits = "train --predictor_type multiclass_classifier --num_classes 10";
const std::string kChurn = "train --predictor_type binary_classifier";

// Digits: integer pixels 0..16 and labels 0..9, exact in every tensor type.
TEST(SageMakerSdkFiles, DenseTensorsOfEveryTypeTrainTheCsvModel) {
  testing::TempDir dir;
  const Table train_table = read_csv(data_path("digits/train.csv"));
  const Table test_table = read_csv(data_path("digits/test.csv"));
  const TrainRun csv = train(dir, "csv", kDigits, data_path("digits/train.csv"), data_path("digits/test.csv"));
  ASSERT_FALSE(csv.model.empty());
  ASSERT_GT(csv.final_metrics["test:multiclass_accuracy"].get<double>(), 0.7);
  // The SDK takes the label's tensor type from the labels' own dtype: int64 labels with float32
  // features are the common case.
  const struct {
    const char* name;
    Tensor features;
    Tensor label;
  } cases[] = {{"float32", Tensor::kFloat32, Tensor::kFloat32},
               {"float64", Tensor::kFloat64, Tensor::kFloat64},
               {"int32", Tensor::kInt32, Tensor::kInt32},
               {"float32_int_labels", Tensor::kFloat32, Tensor::kInt32}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string name = c.name;
    const TrainRun sdk =
        train(dir, name, kDigits, dir.write(name + "/train.recordio", sdk_dense(train_table, c.features, c.label)),
              dir.write(name + "/test.recordio", sdk_dense(test_table, c.features, c.label)));
    EXPECT_EQ(sdk.model, csv.model);
    EXPECT_EQ(sdk.final_metrics["test:multiclass_accuracy"], csv.final_metrics["test:multiclass_accuracy"]);
    EXPECT_EQ(sdk.final_metrics["test:objective_loss"], csv.final_metrics["test:objective_loss"]);
  }
}

// Sparse rows are trained as sparse data (scaled, not centred, so not as the dense CSV is): the
// same model as the same records in LIBSVM, the text format for sparse data.
TEST(SageMakerSdkFiles, SparseRowsTrainTheLibsvmModel) {
  testing::TempDir dir;
  const Table train_table = read_csv(data_path("digits/train.csv"));
  const Table test_table = read_csv(data_path("digits/test.csv"));
  const TrainRun text = train(dir, "libsvm", kDigits, dir.write("train.libsvm", libsvm(train_table)),
                              dir.write("test.libsvm", libsvm(test_table)));
  ASSERT_GT(text.final_metrics["test:multiclass_accuracy"].get<double>(), 0.5);
  for (const Tensor type : {Tensor::kFloat32, Tensor::kFloat64}) {
    const std::string name = type == Tensor::kFloat32 ? "float32" : "float64";
    SCOPED_TRACE(name);
    const TrainRun sdk =
        train(dir, name, kDigits, dir.write(name + "/train.recordio", sdk_sparse(train_table, type, type)),
              dir.write(name + "/test.recordio", sdk_sparse(test_table, type, type)));
    EXPECT_EQ(sdk.model, text.model);
    EXPECT_EQ(sdk.final_metrics["test:multiclass_accuracy"], text.final_metrics["test:multiclass_accuracy"]);
    EXPECT_EQ(sdk.final_metrics["test:objective_loss"], text.final_metrics["test:objective_loss"]);
  }
}

// Churn: decimals such as 18027.68. float32 tensors hold what the CSV parser makes of the text; a
// float64 tensor holds the double, which linlearn narrows to float32: the same value for every
// field of this data (checked), so the same model.
TEST(SageMakerSdkFiles, DecimalFeaturesInFloat32AndFloat64TrainTheCsvModel) {
  testing::TempDir dir;
  const Table train_table = read_csv(data_path("churn/train.csv"));
  const Table test_table = read_csv(data_path("churn/test.csv"));
  for (const Table* t : {&train_table, &test_table})
    for (const auto& fields : t->text)
      for (const auto& field : fields)
        ASSERT_EQ(static_cast<float>(std::strtod(field.c_str(), nullptr)), std::strtof(field.c_str(), nullptr))
            << field;
  const TrainRun csv = train(dir, "csv", kChurn, data_path("churn/train.csv"), data_path("churn/test.csv"));
  ASSERT_GT(csv.final_metrics["test:binary_classification_accuracy"].get<double>(), 0.7);
  for (const Tensor type : {Tensor::kFloat32, Tensor::kFloat64}) {
    const std::string name = type == Tensor::kFloat32 ? "float32" : "float64";
    SCOPED_TRACE(name);
    const TrainRun sdk =
        train(dir, name, kChurn, dir.write(name + "/train.recordio", sdk_dense(train_table, type, type)),
              dir.write(name + "/test.recordio", sdk_dense(test_table, type, type)));
    EXPECT_EQ(sdk.model, csv.model);
    EXPECT_EQ(sdk.final_metrics["test:binary_classification_accuracy"],
              csv.final_metrics["test:binary_classification_accuracy"]);
    EXPECT_EQ(sdk.final_metrics["test:objective_loss"], csv.final_metrics["test:objective_loss"]);
  }
}

}  // namespace
}  // namespace linlearn
