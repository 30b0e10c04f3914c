// SageMaker Linear Learner models read into linlearn (the real artifacts in tests/data/sagemaker)
// and written back in SageMaker's layout.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "artifacts/sagemaker_model.h"
#include "artifacts/sagemaker_model_ndarray.h"
#include "artifacts/sagemaker_test_helpers.h"
#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/metrics.h"

namespace linlearn {
namespace {

using testing::real_model_algo_members;
using testing::sagemaker_path;

struct RealArtifact {
  const char* path;
  PredictorType predictor_type;
  std::size_t feature_dim;
  double threshold;
  float bias;
  std::size_t weight_index;  // one weight the folder's README prints
  float weight;
};

// The numbers each folder's README records (from the artifact's own bytes).
const std::vector<RealArtifact> kRealArtifacts{
    {"teelenzi-attrition-binary/model_algo-1", PredictorType::kBinary, 20, 0.5315272808074951, -0.11495770514011383F, 1,
     0.4366046F},
    {"romeoorg-attrition-binary/model.tar.gz", PredictorType::kBinary, 20, 0.4867939054965973, 0.12381169199943542F, 6,
     1.048036F},
    {"romeoorg-attrition-binary/model_algo-1", PredictorType::kBinary, 20, 0.4867939054965973, 0.12381169199943542F, 0,
     0.005523601F},
    {"joseanpz-titanic-binary-tar/model.tar.gz", PredictorType::kBinary, 5, 0.4020986557006836, -0.4912434220314026F, 4,
     0.2917448F},
    {"joseanpz-titanic-binary-algo/model_algo-1", PredictorType::kBinary, 5, 0.3609479069709778, -0.7078992128372192F,
     0, -0.08609002F},
    {"nschmeller-covid-regressor/model.tar.gz", PredictorType::kRegressor, 513, 0.5, -1055.3748779296875F, 2,
     0.982528F},
};

TEST(SageMakerModel, LoadsEveryRealArtifact) {
  for (const RealArtifact& a : kRealArtifacts) {
    SCOPED_TRACE(a.path);
    const LinearModel m = load_model(sagemaker_path(a.path));
    EXPECT_EQ(m.predictor_type, a.predictor_type);
    EXPECT_EQ(m.loss, a.predictor_type == PredictorType::kBinary ? LossKind::kLogistic : LossKind::kSquared);
    EXPECT_EQ(m.feature_dim, a.feature_dim);
    EXPECT_EQ(m.outputs, 1);
    ASSERT_EQ(m.weights.size(), a.feature_dim);
    ASSERT_EQ(m.bias.size(), 1U);
    EXPECT_EQ(m.threshold, a.threshold);
    EXPECT_EQ(m.bias[0], a.bias);
    EXPECT_NEAR(m.weights[a.weight_index], a.weight, 1e-6 * std::abs(a.weight));
    // Already in raw units: identity statistics.
    EXPECT_EQ(m.normalization.mean, std::vector<double>(a.feature_dim, 0.0));
    EXPECT_EQ(m.normalization.scale, std::vector<double>(a.feature_dim, 1.0));
    EXPECT_EQ(m.hyperparameters.at("feature_dim"), a.feature_dim);
  }
}

TEST(SageMakerModel, PaxTarAndItsModelAlgoGiveTheSameModel) {
  const LinearModel from_tar = load_model(sagemaker_path("romeoorg-attrition-binary/model.tar.gz"));
  const LinearModel from_zip = load_model(sagemaker_path("romeoorg-attrition-binary/model_algo-1"));
  EXPECT_EQ(serialize_model_pb(from_tar), serialize_model_pb(from_zip));
}

TEST(SageMakerModel, DirectoryWithoutModelPbTakesItsSageMakerModel) {
  const LinearModel from_dir = load_model(sagemaker_path("nschmeller-covid-regressor"));
  EXPECT_EQ(from_dir.feature_dim, 513U);
  EXPECT_EQ(from_dir.predictor_type, PredictorType::kRegressor);
}

TEST(SageMakerModel, ContentDecidesNotTheName) {
  testing::TempDir dir;
  const std::string renamed =
      dir.write("model.pb", testing::slurp(sagemaker_path("romeoorg-attrition-binary/model.tar.gz")));
  EXPECT_EQ(load_model(renamed).feature_dim, 20U);
}

// Records of a CSV whose first column is the label.
std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::vector<std::vector<double>> rows;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::vector<double> row;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::stod(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

// The exact expected outputs of SageMaker's training log for this model and this CSV: the weights,
// bias and threshold read here score its records as SageMaker did (score = sigmoid(x . w + b) in
// double; predicted label = score > threshold), down to the confusion counts.
TEST(SageMakerModel, TeelenziModelReproducesSageMakersLoggedTrainMetrics) {
  const LinearModel m = load_model(sagemaker_path("teelenzi-attrition-binary/model_algo-1"));
  const auto rows = read_csv(sagemaker_path("teelenzi-attrition-binary/TrainData.csv"));
  ASSERT_EQ(rows.size(), 6548U);
  std::vector<float> scores, labels;
  double tp = 0, fp = 0, fn = 0, tn = 0, log_loss = 0;
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 21U);
    double margin = m.bias[0];
    for (std::size_t f = 0; f < 20; ++f) margin += row[f + 1] * m.weights[f];
    const double score = 1.0 / (1.0 + std::exp(-margin));
    const bool positive = row[0] == 1.0;
    const bool predicted = score > m.threshold;
    (predicted ? (positive ? tp : fp) : (positive ? fn : tn)) += 1;
    log_loss -= positive ? std::log(score) : std::log1p(-score);
    scores.push_back(static_cast<float>(score));
    labels.push_back(static_cast<float>(row[0]));
  }
  EXPECT_EQ(tp, 2451);
  EXPECT_EQ(fp, 902);
  EXPECT_EQ(fn, 989);
  EXPECT_EQ(tn, 2206);
  EXPECT_EQ((tp + tn) / 6548, 0.7112095296273672);
  EXPECT_EQ(tp / (tp + fp), 0.7309871756635848);
  EXPECT_EQ(tp / (tp + fn), 0.7125);
  EXPECT_NEAR(log_loss / 6548, 0.5551001572652641, 1e-8);
  const std::vector<float> weights(rows.size(), 1.0F);
  EXPECT_NEAR(binary_metrics(scores, labels, weights, m.threshold, 1.0).at("roc_auc_score"), 0.7852394233934931, 1e-12);
}

LinearModel small_model(PredictorType type, LossKind loss, int outputs) {
  LinearModel m;
  m.predictor_type = type;
  m.loss = loss;
  m.outputs = outputs;
  m.num_classes = type == PredictorType::kMulticlass ? outputs : type == PredictorType::kBinary ? 2 : 1;
  m.loss_params.num_classes = m.num_classes;
  m.loss_params.huber_delta = 2.75;
  m.feature_dim = 4;
  for (int i = 0; i < 4 * outputs; ++i) m.weights.push_back(std::ldexp(static_cast<float>(i % 5) - 1.3F, i - 7));
  m.weights[1] = 1e-42F;  // a subnormal survives too
  for (int c = 0; c < outputs; ++c) m.bias.push_back(0.1F * static_cast<float>(c) - 0.333F);
  m.threshold = type == PredictorType::kBinary ? 0.123456789012345678 : 0.5;
  m.normalization.mean.assign(4, 0.0);
  m.normalization.scale.assign(4, 1.0);
  m.hyperparameters = {{"accuracy_top_k", 2}, {"f_beta", 0.5}, {"positive_example_weight_mult", 1.0}};
  return m;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(SageMakerModel, ExportThenImportKeepsEveryBit) {
  const std::vector<LinearModel> models{small_model(PredictorType::kBinary, LossKind::kLogistic, 1),
                                        small_model(PredictorType::kRegressor, LossKind::kHuber, 1),
                                        small_model(PredictorType::kRegressor, LossKind::kSquared, 1),
                                        small_model(PredictorType::kMulticlass, LossKind::kSoftmax, 3)};
  for (const LinearModel& m : models) {
    SCOPED_TRACE(loss_kind_name(m.loss));
    testing::TempDir dir;
    write_sagemaker_model_tar_gz(dir.path("model.tar.gz"), m);
    const LinearModel back = load_model(dir.path("model.tar.gz"));
    EXPECT_EQ(back.predictor_type, m.predictor_type);
    EXPECT_EQ(back.loss, m.loss);
    EXPECT_EQ(back.feature_dim, m.feature_dim);
    EXPECT_EQ(back.outputs, m.outputs);
    EXPECT_EQ(back.num_classes, m.num_classes);
    EXPECT_TRUE(same_bits(back.weights, m.weights));
    EXPECT_TRUE(same_bits(back.bias, m.bias));
    EXPECT_EQ(std::memcmp(&back.threshold, &m.threshold, sizeof(double)), 0);
    EXPECT_EQ(back.hyperparameters.at("accuracy_top_k"), 2);
    if (m.predictor_type != PredictorType::kRegressor) {
      EXPECT_EQ(back.hyperparameters.at("f_beta"), 0.5);
    }
    if (m.loss == LossKind::kHuber) {
      EXPECT_EQ(back.loss_params.huber_delta, 2.75);
    }
    // The model read back writes the same model.pb after a second trip.
    write_sagemaker_model_tar_gz(dir.path("again.tar.gz"), back);
    EXPECT_EQ(serialize_model_pb(load_model(dir.path("again.tar.gz"))), serialize_model_pb(back));
  }
}

TEST(SageMakerModel, MulticlassWeightsAreFeatureMajorInTheParams) {
  const LinearModel m = small_model(PredictorType::kMulticlass, LossKind::kSoftmax, 3);
  const auto members = [&] {
    std::map<std::string, std::string> by_name;
    for (ArchiveMember& a : read_zip_members(sagemaker_model_algo_bytes(m), "export")) by_name[a.name] = a.bytes;
    return by_name;
  }();
  const auto arrays = parse_ndarray_list(members.at("mx-mod-0000.params"), "params");
  ASSERT_EQ(arrays[0].name, "arg:fc0_weight");
  EXPECT_EQ(arrays[0].shape, (std::vector<std::uint64_t>{4, 3}));
  EXPECT_EQ(arrays[0].values[1 * 3 + 2], m.weights[2 * 4 + 1]);  // feature 1, class 2
  EXPECT_EQ(arrays[1].shape, (std::vector<std::uint64_t>{1, 3}));
  const auto symbol = nlohmann::json::parse(members.at("mx-mod-symbol.json"));
  EXPECT_EQ(symbol["nodes"][6]["op"], "SoftmaxOutput");
  EXPECT_EQ(symbol["nodes"][1]["attrs"]["__shape__"], "(4, 3)");
}

TEST(SageMakerModel, ABinaryModelThatIsNotLogisticIsRefused) {
  const LinearModel m = small_model(PredictorType::kBinary, LossKind::kHinge, 1);
  EXPECT_THROW(sagemaker_model_algo_bytes(m), UsageError);
}

TEST(SageMakerModel, ExportIsDeterministic) {
  const LinearModel m = small_model(PredictorType::kBinary, LossKind::kLogistic, 1);
  testing::TempDir dir;
  write_sagemaker_model_tar_gz(dir.path("a.tar.gz"), m);
  write_sagemaker_model_tar_gz(dir.path("b.tar.gz"), m);
  EXPECT_EQ(testing::slurp(dir.path("a.tar.gz")), testing::slurp(dir.path("b.tar.gz")));
}

}  // namespace
}  // namespace linlearn
