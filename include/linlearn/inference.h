#pragma once
// Inference requests and responses in SageMaker's formats (SPEC sections 2, 6 and 11), shared by
// `predict` and `serve`: media types with their parameters, request bodies decoded into records of
// a model's width, and scores encoded in the format the client accepts.
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/dataset.h"
#include "linlearn/linear_model.h"
#include "linlearn/loss.h"
#include "linlearn/scoring.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

// "type/subtype; name=value; ..." (RFC 9110): type and parameter names lowercased, quoted values
// unquoted. Parameters a format does not know are ignored.
struct MediaType {
  std::string type;
  std::map<std::string, std::string> parameters;
};

// nullopt when `text` is not a media type.
std::optional<MediaType> parse_media_type(std::string_view text);

enum class RequestFormat { kCsv, kJson, kJsonLines, kRecordIO };
enum class ResponseFormat { kJson, kJsonLines, kCsv, kRecordIO };

// The format of a request body of this type; nullopt when it is not one of them.
std::optional<RequestFormat> request_format(const MediaType& type);
// The format of a response of this type; nullopt when it is not one of them.
std::optional<ResponseFormat> response_format(const MediaType& type);
// For messages: "text/csv, application/json, application/jsonlines or application/x-recordio-protobuf".
std::string request_types_text();
std::string response_types_text();
// The media type a response in `format` is sent as.
const char* media_type_name(ResponseFormat format);

// The response format an Accept header asks for: of its media ranges (with optional ;q=), the
// supported one of highest q, the first of those on ties; `*/*` and `application/*` mean
// application/json, as does an empty header. nullopt when it accepts none of them.
std::optional<ResponseFormat> negotiate_response_format(std::string_view accept);

// Decodes a request body into records of the model's width, labels 0 (CSV rows hold features only;
// RecordIO labels are optional and ignored). InputError starting with the place in `source`:
// "SOURCE:LINE:COLUMN: ..." (CSV, JSON Lines, malformed JSON), "SOURCE: instance N: ..." (JSON),
// "SOURCE: record N at byte B: ..." (RecordIO).
Dataset decode_request(std::string_view body, RequestFormat format, const LinearModel& model,
                       const std::string& source);

// A model ready to score: its weights laid out once. scores() may run on several threads at once.
class Predictor {
 public:
  explicit Predictor(LinearModel model);

  const LinearModel& model() const { return model_; }
  // link(x . w + b) of every record, rows x outputs row-major. A record's scores are the same bits
  // whatever the other records, their density and the pool.
  std::vector<float> scores(const Dataset& data, ThreadPool& pool) const;

 private:
  LinearModel model_;
  ScoringWeights weights_;
  std::unique_ptr<Loss> loss_;
};

// The body of a response holding `scores` (rows x model.outputs), as section 6 describes.
std::string encode_response(const LinearModel& model, std::span<const float> scores, ResponseFormat format);

}  // namespace linlearn
