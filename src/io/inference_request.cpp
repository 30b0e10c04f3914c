// Request bodies of every inference format decoded into records of a model's width.
#include <fmt/format.h>

#include "io/json_request.h"
#include "io/recordio_checks.h"
#include "linlearn/errors.h"
#include "linlearn/inference.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

std::string model_width(const LinearModel& model) {
  return "the model's feature_dim " + std::to_string(model.feature_dim);
}

Dataset decode_csv(std::string_view body, const LinearModel& model, const std::string& source) {
  ReadOptions read;
  read.has_label = false;
  // Every row must have the model's width; a row that has not is named with its place.
  read.row_width = model.feature_dim;
  read.row_width_source = model_width(model);
  Dataset data;
  parse_csv(body, source, data, read);
  return data;
}

Dataset decode_recordio(std::string_view body, const LinearModel& model, const std::string& source) {
  Dataset data;
  parse_recordio(body, source, data, {}, 0, false);
  if (data.rows() == 0) throw InputError(source + ": no records found, expected at least one RecordIO record");
  ReadOptions limits;
  limits.feature_dim = model.feature_dim;
  limits.feature_dim_owner = "the model's";
  check_recordio_records(data, body, source, limits, FilePlace{});
  if (!data.sparse && data.feature_dim != model.feature_dim)
    throw InputError(fmt::format("{}: record 0 at byte 0: found {} features, expected {}", source, data.feature_dim,
                                 model_width(model)));
  data.feature_dim = model.feature_dim;
  return data;
}

}  // namespace

Dataset decode_request(std::string_view body, RequestFormat format, const LinearModel& model,
                       const std::string& source) {
  switch (format) {
    case RequestFormat::kCsv:
      return decode_csv(body, model, source);
    case RequestFormat::kRecordIO:
      return decode_recordio(body, model, source);
    case RequestFormat::kJson:
    case RequestFormat::kJsonLines: {
      Dataset data;
      data.feature_dim = model.feature_dim;
      if (format == RequestFormat::kJson) {
        parse_json_instances(body, source, data);
      } else {
        parse_json_lines(body, source, data);
      }
      return data;
    }
  }
  throw UsageError("unknown request format");
}

}  // namespace linlearn
