// model.pb and model.json written straight to their files: the same model back from model.pb, and
// the same numbers in model.json.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

LinearModel softmax_model() {
  LinearModel m;
  m.predictor_type = PredictorType::kMulticlass;
  m.loss = LossKind::kSoftmax;
  m.num_classes = 3;
  m.outputs = 3;
  m.feature_dim = 4;
  m.weights = {1.0F, -2.5F, 0.1F, 3e-7F, 0.0F, 7.0F, -0.3F, 1e20F, 2.0F, -1.0F, 0.5F, 0.25F};
  m.bias = {0.5F, -0.5F, 1.0F};
  m.normalization.mean = {0.0, 1.5, -2.0, 1e-9};
  m.normalization.scale = {1.0, 0.1, 3.0, 1e6};
  m.normalization.sample_size = 10;
  m.hyperparameters = {{"num_models", 8}, {"note", "a \"quoted\" value"}};
  return m;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(ModelFiles, ModelPbRoundTrips) {
  testing::TempDir dir;
  const LinearModel m = softmax_model();
  write_model_pb(dir.path("model.pb"), m);
  std::ifstream in(dir.path("model.pb"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, serialize_model_pb(m));
  const LinearModel back = load_model(dir.path());
  EXPECT_EQ(back.weights, m.weights);
  EXPECT_EQ(back.bias, m.bias);
  EXPECT_EQ(back.normalization.mean, m.normalization.mean);
  EXPECT_EQ(back.normalization.scale, m.normalization.scale);
  EXPECT_EQ(back.hyperparameters, m.hyperparameters);
  EXPECT_EQ(back.num_classes, 3);
}

// Found by the model fuzzer: a loss parameter out of its range is a corrupt file, not a crash.
TEST(ModelFiles, ModelPbWithALossParameterOutOfRangeIsAnInputError) {
  LinearModel m;
  m.predictor_type = PredictorType::kRegressor;
  m.loss = LossKind::kHuber;
  m.loss_params.huber_delta = 0.0;
  m.outputs = 1;
  m.feature_dim = 2;
  m.weights = {1.0F, 2.0F};
  m.bias = {0.0F};
  m.normalization.mean = {0.0, 0.0};
  m.normalization.scale = {1.0, 1.0};
  const std::string bytes = serialize_model_pb(m);
  try {
    parse_model_pb(bytes, "hostile/model.pb");
    FAIL() << "a huber_delta of 0 was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("hostile/model.pb: corrupt model: huber_delta"), std::string::npos)
        << e.what();
  }
}

TEST(ModelFiles, ModelJsonHoldsEveryNumberOfEveryArray) {
  testing::TempDir dir;
  const LinearModel m = softmax_model();
  write_model_json(dir.path("model.json"), m);
  const nlohmann::json j = read_json(dir.path("model.json"));
  ASSERT_EQ(j["weights"].size(), 3U);
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_EQ(j["weights"][k].size(), 4U);
    for (std::size_t f = 0; f < 4; ++f) {
      EXPECT_TRUE(j["weights"][k][f].is_number_float()) << k << " " << f;
      EXPECT_EQ(j["weights"][k][f].get<double>(), static_cast<double>(m.weights[k * 4 + f])) << k << " " << f;
    }
  }
  EXPECT_EQ(j["normalization"]["feature_mean"].get<std::vector<double>>(), m.normalization.mean);
  EXPECT_EQ(j["normalization"]["feature_scale"].get<std::vector<double>>(), m.normalization.scale);
  EXPECT_EQ(j["bias"].get<std::vector<float>>(), m.bias);
  EXPECT_EQ(j["hyperparameters"], m.hyperparameters);
  EXPECT_EQ(j["feature_dim"], 4);
  EXPECT_EQ(j["format_version"], kModelFormatVersion);
  EXPECT_EQ(j["normalization"]["sample_size"], 10);
  // Laid out as nlohmann's dump(2) of the same content.
  std::ifstream in(dir.path("model.json"));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(nlohmann::json::parse(text).dump(2) + "\n", text);
}

TEST(ModelFiles, ModelJsonOfABinaryModelHasOneWeightList) {
  testing::TempDir dir;
  LinearModel m;
  m.feature_dim = 2;
  m.weights = {0.75F, -1.0F};
  m.bias = {0.125F};
  m.threshold = 0.4;
  m.normalization.mean = {0.0, 0.0};
  m.normalization.scale = {1.0, 2.0};
  m.hyperparameters = nlohmann::json::object();
  write_model_json(dir.path("model.json"), m);
  const nlohmann::json j = read_json(dir.path("model.json"));
  EXPECT_EQ(j["weights"].get<std::vector<float>>(), m.weights);
  EXPECT_EQ(j["bias"].get<double>(), 0.125);
  EXPECT_EQ(j["threshold"].get<double>(), 0.4);
  EXPECT_EQ(j["normalization"]["feature_scale"].get<std::vector<double>>(), m.normalization.scale);
}

}  // namespace
}  // namespace linlearn
