// Media types, request decoding and response encoding shared by predict and serve.
#include "linlearn/inference.h"

#include <gtest/gtest.h>

#include <cmath>

#include "linlearn/errors.h"
#include "linlearn/recordio.h"
#include "record.pb.h"
#include "serve/inference_test_data.h"

namespace linlearn {
namespace {

LinearModel model_of(PredictorType type, std::size_t feature_dim, int outputs) {
  LinearModel model;
  model.predictor_type = type;
  model.loss = type == PredictorType::kBinary       ? LossKind::kLogistic
               : type == PredictorType::kMulticlass ? LossKind::kSoftmax
                                                    : LossKind::kSquared;
  model.feature_dim = feature_dim;
  model.outputs = outputs;
  model.num_classes = type == PredictorType::kMulticlass ? outputs : 2;
  for (std::size_t i = 0; i < feature_dim * static_cast<std::size_t>(outputs); ++i)
    model.weights.push_back(0.25f * static_cast<float>(i % 7) - 0.6f);
  model.bias.assign(static_cast<std::size_t>(outputs), 0.125f);
  return model;
}

// The InputError message of decoding `body`, or "" when it decodes.
std::string decode_error(const std::string& body, RequestFormat format, std::size_t feature_dim = 3) {
  try {
    decode_request(body, format, model_of(PredictorType::kBinary, feature_dim, 1), "body");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(MediaType, ParsesTypeAndParameters) {
  const auto type = parse_media_type(" Text/CSV ; Charset=UTF-8; label_size=1 ;header=\"a;b\"");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->type, "text/csv");
  EXPECT_EQ(type->parameters.at("charset"), "UTF-8");
  EXPECT_EQ(type->parameters.at("label_size"), "1");
  EXPECT_EQ(type->parameters.at("header"), "a;b");
  EXPECT_EQ(request_format(*type), RequestFormat::kCsv);
  for (const char* bad : {"", "csv", "text/", "/csv", "text /csv", "text/csv; a b=1"})
    EXPECT_FALSE(parse_media_type(bad)) << bad;
}

TEST(MediaType, NamesTheFormats) {
  const auto request = [](const char* text) { return request_format(*parse_media_type(text)); };
  EXPECT_EQ(request("application/json; verbose=True"), RequestFormat::kJson);
  EXPECT_EQ(request("application/jsonlines"), RequestFormat::kJsonLines);
  EXPECT_EQ(request("application/x-recordio-protobuf"), RequestFormat::kRecordIO);
  EXPECT_FALSE(request("text/libsvm"));
  for (const ResponseFormat format :
       {ResponseFormat::kJson, ResponseFormat::kJsonLines, ResponseFormat::kCsv, ResponseFormat::kRecordIO})
    EXPECT_EQ(response_format(*parse_media_type(media_type_name(format))), format);
}

TEST(MediaType, NegotiatesAccept) {
  EXPECT_EQ(negotiate_response_format(""), ResponseFormat::kJson);
  EXPECT_EQ(negotiate_response_format("*/*"), ResponseFormat::kJson);
  EXPECT_EQ(negotiate_response_format("text/*"), ResponseFormat::kCsv);
  EXPECT_EQ(negotiate_response_format("application/x-recordio-protobuf"), ResponseFormat::kRecordIO);
  EXPECT_EQ(negotiate_response_format("text/csv;q=0.5, application/jsonlines"), ResponseFormat::kJsonLines);
  EXPECT_EQ(negotiate_response_format("text/csv, application/jsonlines"), ResponseFormat::kCsv);
  EXPECT_EQ(negotiate_response_format("image/png, text/csv;q=0.1"), ResponseFormat::kCsv);
  EXPECT_FALSE(negotiate_response_format("application/xml"));
  EXPECT_FALSE(negotiate_response_format("application/json;q=0"));
  EXPECT_FALSE(negotiate_response_format("application/json;q=2"));
}

TEST(DecodeRequest, EveryFormatGivesTheSameRecords) {
  const testing::Rows rows{{1.5f, 0.0f, -2.25f}, {0.0f, 0.0f, 0.0f}, {3.0f, 1e-7f, 0.0f}};
  const LinearModel model = model_of(PredictorType::kBinary, 3, 1);
  for (const testing::RequestBody& request : testing::request_bodies(rows)) {
    const Dataset data =
        decode_request(request.body, *request_format(*parse_media_type(request.content_type)), model, request.name);
    ASSERT_EQ(data.rows(), rows.size()) << request.name;
    EXPECT_EQ(data.feature_dim, 3u);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      EXPECT_EQ(data.labels[r], 0.0f);
      for (std::size_t j = 0; j < 3; ++j) EXPECT_EQ(data.at(r, j), rows[r][j]) << request.name << " " << r << "," << j;
    }
  }
}

TEST(DecodeRequest, JsonNumbersReadAsTheCsvReaderReadsThem) {
  // Just below the midpoint between 1 + 2^-23 and 1 + 2^-22: rounded to a double first, it would
  // land on the midpoint and then round to even, 1 + 2^-22.
  const std::string numbers = "1.00000017881393432617187499,16777217,-3.4028234e38,1e-45";
  const LinearModel model = model_of(PredictorType::kBinary, 4, 1);
  const Dataset csv = decode_request(numbers + "\n", RequestFormat::kCsv, model, "csv");
  const Dataset json =
      decode_request("{\"instances\":[{\"features\":[" + numbers + "]}]}", RequestFormat::kJson, model, "json");
  EXPECT_EQ(json.at(0, 0), std::nextafter(1.0f, 2.0f));
  for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(csv.at(0, j), json.at(0, j)) << j;
}

TEST(DecodeRequest, JsonVariantsAndIgnoredKeys) {
  const LinearModel model = model_of(PredictorType::kBinary, 3, 1);
  const Dataset data = decode_request(
      "{\"configuration\": {\"k\": [1, \"x\"]}, \"instances\": ["
      "{\"data\": {\"features\": [1, 2, 3]}},"
      "{\"data\": {\"features\": {\"values\": [4, 5, 6]}}, \"label\": 1},"
      "{\"data\": {\"features\": {\"keys\": [2, 0], \"shape\": [3], \"values\": [7, 8]}}}]}",
      RequestFormat::kJson, model, "body");
  ASSERT_EQ(data.rows(), 3u);
  EXPECT_EQ(data.at(0, 2), 3.0f);
  EXPECT_EQ(data.at(1, 0), 4.0f);
  EXPECT_EQ(data.at(2, 0), 8.0f);
  EXPECT_EQ(data.at(2, 2), 7.0f);
  EXPECT_EQ(data.at(2, 1), 0.0f);
}

TEST(DecodeRequest, JsonErrorsNameTheInstanceOrLine) {
  const auto json = [](const std::string& instances) {
    return decode_error("{\"instances\": [{\"features\": [1, 2, 3]}, " + instances + "]}", RequestFormat::kJson);
  };
  EXPECT_EQ(json("{\"features\": [1, 2]}"), "body: instance 1: found 2 features, expected the model's feature_dim 3");
  EXPECT_EQ(json("{\"features\": [1, \"2\", 3]}"), "body: instance 1: found a string, expected a number");
  EXPECT_EQ(json("{\"features\": [1, [2], 3]}"), "body: instance 1: found an array, expected a number");
  EXPECT_EQ(json("3"), "body: instance 1: found a number, expected an object");
  EXPECT_EQ(json("{\"features\": 3}"), "body: instance 1: \"features\" holds a number, expected an array or object");
  EXPECT_EQ(json("{\"feature\": [1, 2, 3]}").substr(0, 33), "body: instance 1: no features: ex");
  EXPECT_EQ(json("{\"features\": [1, 2, 1e39]}"), "body: instance 1: found 1e39, expected a finite float32");
  const auto sparse = [&](const std::string& features) { return json("{\"data\": {\"features\": " + features + "}}"); };
  EXPECT_EQ(sparse("{\"keys\": [0, 3], \"shape\": [4], \"values\": [1, 2]}"),
            "body: instance 1: found sparse key 3, expected a key below the model's feature_dim 3");
  EXPECT_EQ(sparse("{\"keys\": [0, 1], \"shape\": [3], \"values\": [1]}"),
            "body: instance 1: sparse features with 2 keys but 1 values");
  EXPECT_EQ(sparse("{\"keys\": [0, 1], \"values\": [1, 2]}"),
            "body: instance 1: sparse features with a shape of 0 values, expected \"shape\": [d]");
  EXPECT_EQ(sparse("{\"keys\": [1, 1], \"shape\": [3], \"values\": [1, 2]}"),
            "body: instance 1: sparse key 1 appears more than once");
  EXPECT_EQ(sparse("{\"keys\": [0.5], \"shape\": [3], \"values\": [1]}"),
            "body: instance 1: found 0.5, expected an integer");
  EXPECT_EQ(sparse("{\"keys\": [-1], \"shape\": [3], \"values\": [1]}"),
            "body: instance 1: found -1, expected an index >= 0");
  EXPECT_EQ(decode_error("[1, 2, 3]", RequestFormat::kJson), "body: found an array, expected {\"instances\": [...]}");
  EXPECT_EQ(decode_error("{\"instances\": []}", RequestFormat::kJson),
            "body: no records found, expected at least one instance");
  EXPECT_EQ(decode_error("{\"rows\": []}", RequestFormat::kJson),
            "body: no \"instances\", expected {\"instances\": [...]}");
  EXPECT_EQ(decode_error("{\"instances\": [\n  {\"features\": [1, 2,, 3]}]}", RequestFormat::kJson).substr(0, 31),
            "body:2:22: malformed JSON: synt");
}

TEST(DecodeRequest, JsonLinesErrorsNameTheLine) {
  const std::string good = "{\"features\": [1, 2, 3]}\n";
  EXPECT_EQ(decode_error(good + "\n" + good + "{\"features\": [1, 2]}\n", RequestFormat::kJsonLines),
            "body:4:1: found 2 features, expected the model's feature_dim 3");
  EXPECT_EQ(decode_error(good + "{\"features\": [1, 2, 3]", RequestFormat::kJsonLines).substr(0, 30),
            "body:2:23: malformed JSON: syn");
  EXPECT_EQ(decode_error(good + "[1, 2, 3]\n", RequestFormat::kJsonLines),
            "body:2:1: found an array, expected an object");
  EXPECT_EQ(decode_error("\n \n", RequestFormat::kJsonLines),
            "body: no records found, expected at least one JSON line");
}

TEST(DecodeRequest, CsvAndRecordIOWidthsMustBeTheModels) {
  EXPECT_EQ(decode_error("1,2,3\n4,5\n", RequestFormat::kCsv),
            "body:2:4: found 2 columns, expected 3 (the model's feature_dim 3)");
  const std::string narrow = testing::recordio_body({{1.0f, 2.0f}}, false);
  EXPECT_EQ(decode_error(narrow, RequestFormat::kRecordIO),
            "body: record 0 at byte 0: found 2 features, expected the model's feature_dim 3");
  const std::string wide_key = testing::recordio_body({{0.0f, 0.0f, 0.0f, 1.0f}}, true);
  EXPECT_NE(decode_error(wide_key, RequestFormat::kRecordIO).find("found sparse key 3"), std::string::npos);
  EXPECT_EQ(decode_error("", RequestFormat::kRecordIO),
            "body: no records found, expected at least one RecordIO record");
}

TEST(DecodeRequest, RecordIOLabelsAreOptional) {
  std::string body;
  std::string payload;
  encode_dense_record(payload, std::vector<float>{1.0f, 2.0f, 3.0f}, 1.0f);
  append_recordio_record(body, payload);
  body += testing::recordio_body({{4.0f, 5.0f, 6.0f}}, false);
  const Dataset data = decode_request(body, RequestFormat::kRecordIO, model_of(PredictorType::kBinary, 3, 1), "b");
  ASSERT_EQ(data.rows(), 2u);
  EXPECT_EQ(data.at(1, 2), 6.0f);
}

TEST(Predictor, ARecordScoresTheSameDenseOrSparseAndAloneOrNot) {
  const LinearModel model = model_of(PredictorType::kMulticlass, 19, 3);
  const Predictor predictor(model);
  ThreadPool pool(1);
  testing::Rows rows;
  for (int r = 0; r < 6; ++r) {
    std::vector<float> row(19);
    for (std::size_t j = 0; j < row.size(); ++j) row[j] = (j + r) % 3 == 0 ? 0.0f : std::sin(1.7f * (j + 1) * (r + 1));
    rows.push_back(row);
  }
  const std::vector<float> dense =
      predictor.scores(decode_request(testing::json_body(rows, false), RequestFormat::kJson, model, "d"), pool);
  const std::vector<float> sparse =
      predictor.scores(decode_request(testing::json_body(rows, true), RequestFormat::kJson, model, "s"), pool);
  EXPECT_EQ(dense, sparse);
  // Dense and sparse records in one request: stored sparse, each scored as alone.
  std::string mixed;
  for (std::size_t r = 0; r < rows.size(); ++r) mixed += testing::json_instance(rows[r], r % 2 == 1) + "\n";
  EXPECT_EQ(predictor.scores(decode_request(mixed, RequestFormat::kJsonLines, model, "m"), pool), dense);
}

TEST(EncodeResponse, WritesSageMakersFormats) {
  const float binary[] = {0.75f, 0.25f};
  const LinearModel b = model_of(PredictorType::kBinary, 1, 1);
  EXPECT_EQ(encode_response(b, binary, ResponseFormat::kJson),
            "{\"predictions\":[{\"score\":0.75,\"predicted_label\":1},{\"score\":0.25,\"predicted_label\":0}]}\n");
  EXPECT_EQ(encode_response(b, binary, ResponseFormat::kJsonLines),
            "{\"score\":0.75,\"predicted_label\":1}\n{\"score\":0.25,\"predicted_label\":0}\n");
  EXPECT_EQ(encode_response(b, binary, ResponseFormat::kCsv), "1,0.75\n0,0.25\n");
  const float multiclass[] = {0.1f, 0.7f, 0.2f};
  const LinearModel m = model_of(PredictorType::kMulticlass, 1, 3);
  EXPECT_EQ(encode_response(m, multiclass, ResponseFormat::kJsonLines),
            "{\"score\":[0.1,0.7,0.2],\"predicted_label\":1}\n");
  EXPECT_EQ(encode_response(m, multiclass, ResponseFormat::kCsv), "1,0.1,0.7,0.2\n");
  const float regression[] = {31.4f};
  const LinearModel r = model_of(PredictorType::kRegressor, 1, 1);
  EXPECT_EQ(encode_response(r, regression, ResponseFormat::kJson), "{\"predictions\":[{\"score\":31.4}]}\n");
  EXPECT_EQ(encode_response(r, regression, ResponseFormat::kCsv), "31.4\n");
}

TEST(EncodeResponse, RecordIOHoldsScoreAndPredictedLabelTensors) {
  const float multiclass[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.2f, 0.3f};
  const std::string body =
      encode_response(model_of(PredictorType::kMulticlass, 1, 3), multiclass, ResponseFormat::kRecordIO);
  RecordIOFrameReader frames(body, "response");
  std::string_view payload;
  std::vector<float> labels;
  for (int r = 0; frames.next(payload); ++r) {
    aialgs::data::Record record;
    ASSERT_TRUE(record.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
    EXPECT_TRUE(record.features().empty());
    const auto& score = record.label().at("score").float32_tensor();
    ASSERT_EQ(score.values_size(), 3);
    EXPECT_EQ(score.values(1), multiclass[3 * r + 1]);
    labels.push_back(record.label().at("predicted_label").float32_tensor().values(0));
  }
  EXPECT_EQ(labels, (std::vector<float>{1.0f, 0.0f}));
  const float regression[] = {31.4f};
  const std::string one =
      encode_response(model_of(PredictorType::kRegressor, 1, 1), regression, ResponseFormat::kRecordIO);
  RecordIOFrameReader single(one, "response");
  ASSERT_TRUE(single.next(payload));
  aialgs::data::Record record;
  ASSERT_TRUE(record.ParseFromArray(payload.data(), static_cast<int>(payload.size())));
  EXPECT_EQ(record.label().size(), 1u);
  EXPECT_EQ(record.label().at("score").float32_tensor().values(0), 31.4f);
}

}  // namespace
}  // namespace linlearn
