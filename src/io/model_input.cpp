#include "linlearn/model_input.h"

#include <fmt/format.h>

#include "io/channel_reader.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "linlearn/reader.h"

namespace linlearn {

Dataset read_for_model(const LinearModel& model, const std::vector<std::string>& specs, const std::string& content_type,
                       bool has_label, int threads, bool check_labels) {
  ReadOptions read;
  read.content_type = parse_content_type(content_type);
  read.threads = threads;
  read.has_label = has_label;
  read.minus_one_is_zero = model.predictor_type == PredictorType::kBinary;
  const auto loss = make_loss(model.loss, model.loss_params);
  if (check_labels) {
    read.label_ok = [&loss](float y) { return loss->valid_label(y); };
    read.label_expected = loss->label_domain();
  }
  Dataset data = read_channel(specs, read);
  if (data.sparse && data.feature_dim <= model.feature_dim) {
    data.feature_dim = model.feature_dim;
    return data;
  }
  if (data.sparse) {
    // Read again with the model's feature_dim: the readers then name the key that reaches past it.
    read.feature_dim = model.feature_dim;
    read_channel(specs, read);
  }
  if (data.feature_dim != model.feature_dim) {
    const std::string place =
        data.files.empty() ? std::string("input:") : first_record_place(data.files.front(), read.content_type);
    throw InputError(fmt::format("{} found {} features, expected the model's feature_dim {}", place, data.feature_dim,
                                 model.feature_dim));
  }
  return data;
}

}  // namespace linlearn
