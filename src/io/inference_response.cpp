// Scores of a model in SageMaker's response formats (SPEC section 6).
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <charconv>
#include <string>

#include "linlearn/inference.h"
#include "linlearn/recordio.h"
#include "record.pb.h"

namespace linlearn {
namespace {

// Shortest text that reads back as the same float.
void append_number(std::string& out, float v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Binary: score > threshold; multiclass: the class of the highest score (the first on ties).
int predicted_label(const LinearModel& model, const float* score) {
  if (model.predictor_type == PredictorType::kBinary) return score[0] > model.threshold ? 1 : 0;
  int label = 0;
  for (int k = 1; k < model.outputs; ++k)
    if (score[k] > score[label]) label = k;
  return label;
}

// "label,score..." for classifiers, "score" for regressors.
void append_csv_record(std::string& out, const LinearModel& model, const float* score) {
  if (model.predictor_type != PredictorType::kRegressor) out += std::to_string(predicted_label(model, score)) + ',';
  for (int k = 0; k < model.outputs; ++k) {
    if (k > 0) out += ',';
    append_number(out, score[k]);
  }
  out += '\n';
}

// {"score":0.93,"predicted_label":1}, {"score":[...],"predicted_label":2} or {"score":31.4}.
void append_json_record(std::string& out, const LinearModel& model, const float* score) {
  out += "{\"score\":";
  if (model.outputs == 1) {
    append_number(out, score[0]);
  } else {
    out += '[';
    for (int k = 0; k < model.outputs; ++k) {
      if (k > 0) out += ',';
      append_number(out, score[k]);
    }
    out += ']';
  }
  if (model.predictor_type != PredictorType::kRegressor)
    out += ",\"predicted_label\":" + std::to_string(predicted_label(model, score));
  out += '}';
}

// One aialgs.data.Record with label["score"] (one value per output) and, for classifiers,
// label["predicted_label"] as Float32Tensors, as SageMaker's Linear Learner answers.
void append_recordio_scores(std::string& out, const LinearModel& model, const float* score, std::string& payload) {
  aialgs::data::Record record;
  auto& label = *record.mutable_label();
  auto* scores = label["score"].mutable_float32_tensor();
  for (int k = 0; k < model.outputs; ++k) scores->add_values(score[k]);
  if (model.predictor_type != PredictorType::kRegressor)
    label["predicted_label"].mutable_float32_tensor()->add_values(static_cast<float>(predicted_label(model, score)));
  payload.clear();
  {
    // Deterministic: map entries in key order, so the same scores give the same bytes.
    google::protobuf::io::StringOutputStream stream(&payload);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    record.SerializeToCodedStream(&coded);
  }
  append_recordio_record(out, payload);
}

}  // namespace

Predictor::Predictor(LinearModel model)
    : model_(std::move(model)), weights_(scoring_weights(model_)), loss_(make_loss(model_.loss, model_.loss_params)) {}

std::vector<float> Predictor::scores(const Dataset& data, ThreadPool& pool) const {
  const RowMatrix margins = compute_margins(data, weights_, pool);
  const auto outputs = static_cast<std::size_t>(model_.outputs);
  std::vector<float> scores(data.rows() * outputs);
  for (Eigen::Index r = 0; r < margins.rows(); ++r)
    loss_->link(margins.row(r).data(), scores.data() + static_cast<std::size_t>(r) * outputs);
  return scores;
}

std::string encode_response(const LinearModel& model, std::span<const float> scores, ResponseFormat format) {
  const auto outputs = static_cast<std::size_t>(model.outputs);
  const std::size_t rows = scores.size() / outputs;
  std::string out;
  std::string payload;
  if (format == ResponseFormat::kJson) out += "{\"predictions\":[";
  for (std::size_t r = 0; r < rows; ++r) {
    const float* score = scores.data() + r * outputs;
    switch (format) {
      case ResponseFormat::kJson:
        if (r > 0) out += ',';
        append_json_record(out, model, score);
        break;
      case ResponseFormat::kJsonLines:
        append_json_record(out, model, score);
        out += '\n';
        break;
      case ResponseFormat::kCsv:
        append_csv_record(out, model, score);
        break;
      case ResponseFormat::kRecordIO:
        append_recordio_scores(out, model, score, payload);
        break;
    }
  }
  if (format == ResponseFormat::kJson) out += "]}\n";
  return out;
}

}  // namespace linlearn
