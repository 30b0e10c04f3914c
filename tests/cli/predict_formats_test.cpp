// `linlearn predict` with serve's request formats (--content-type) and every --accept: the same
// records in any format give the same bytes out.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/recordio.h"
#include "record.pb.h"
#include "serve/inference_test_data.h"

namespace linlearn::testing {
namespace {

class PredictFormats : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ =
        (std::filesystem::temp_directory_path() / ("linlearn-predict-formats-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(root_);
    for (const std::string& name : tiny_model_names()) models_.push_back(train_tiny_model(root_, name));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(root_); }

  static std::string predict(const std::string& model, const std::string& input, const std::string& options) {
    const CliResult r = run_linlearn("predict --model " + model + " --input " + input + " " + options, root_);
    EXPECT_EQ(r.exit_code, 0) << options << ": " << r.err;
    return r.out;
  }

  static inline std::string root_;
  static inline std::vector<TinyModel> models_;
};

// Every --accept is compared with serve's answers in tests/serve/server_test.cpp.
TEST_F(PredictFormats, EveryContentTypeGivesTheCsvAnswer) {
  TempDir dir;
  for (const TinyModel& model : models_) {
    const std::vector<RequestBody> bodies = request_bodies(read_feature_rows(model.data, 25));
    const std::string expected = predict(model.dir, dir.write(model.name + ".csv", bodies.front().body), "");
    ASSERT_FALSE(expected.empty());
    for (const RequestBody& request : bodies) {
      const std::string input = dir.write(model.name + "-" + request.name + request.extension, request.body);
      EXPECT_EQ(predict(model.dir, input, "--content-type '" + request.content_type + "'"), expected)
          << model.name << " " << request.name;
    }
  }
}

TEST_F(PredictFormats, RecordIOAnswersHoldOneScorePerClass) {
  TempDir dir;
  const TinyModel& multiclass = models_[1];
  const std::string input = dir.write("in.csv", csv_body(read_feature_rows(multiclass.data, 7)));
  const std::string out = predict(multiclass.dir, input, "--accept 'application/x-recordio-protobuf; charset=binary'");
  RecordIOFrameReader frames(out, "predictions");
  std::string_view payload;
  int records = 0;
  for (; frames.next(payload); ++records) {
    aialgs::data::Record record;
    ASSERT_TRUE(record.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
    EXPECT_EQ(record.label().at("score").float32_tensor().values_size(), 3);
    const float label = record.label().at("predicted_label").float32_tensor().values(0);
    EXPECT_TRUE(label == 0.0f || label == 1.0f || label == 2.0f) << label;
  }
  EXPECT_EQ(records, 7);
}

TEST_F(PredictFormats, BadTypesAreUsageErrorsAndBadJsonAnInputError) {
  TempDir dir;
  const std::string& model = models_[0].dir;
  const std::string input = dir.write("in.json", "{\"instances\": [{\"features\": [1, 2]}]}");
  CliResult r =
      run_linlearn("predict --model " + model + " --input " + input + " --content-type application/xml", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--content-type: 'application/xml' is not supported"), std::string::npos) << r.err;
  r = run_linlearn("predict --model " + model + " --input " + input + " --accept text/plain", dir.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--accept: 'text/plain' is not allowed"), std::string::npos) << r.err;
  r = run_linlearn("predict --model " + model + " --input " + input + " --content-type application/json", dir.path());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, input + ": instance 0: found 2 features, expected the model's feature_dim 12\n");
}

}  // namespace
}  // namespace linlearn::testing
