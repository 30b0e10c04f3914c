#include "linlearn/model_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>

#include "io/text_parsing.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

// The place of the first record of `file` ("FILE:LINE:1:" or "FILE: record 0 at byte 0:"): the
// records of a dense channel all have one width, so the first one shows a wrong width. Reads the
// file again, which only happens on the way to an error.
std::string first_record_place(const std::string& file, ContentType forced) {
  std::string bytes;
  try {
    bytes = read_file_bytes(file);
  } catch (const InputError&) {
    return file + ":";  // stdin, or a file gone since: the name is all there is
  }
  const ContentType type = forced == ContentType::kAuto ? detect_content_type(bytes) : forced;
  if (type == ContentType::kRecordIO) return file + ": record 0 at byte 0:";
  const std::string_view text = text::strip_bom(bytes);
  std::size_t line = 1;
  for (std::size_t pos = 0; pos < text.size(); ++line) {
    const std::size_t end = std::min(text.size(), text.find('\n', pos));
    for (std::size_t i = pos; i < end; ++i) {
      if (!text::is_blank(text[i]) && text[i] != '\r') return fmt::format("{}:{}:1:", file, line);
    }
    pos = end + 1;
  }
  return file + ":";
}

}  // namespace

Dataset read_for_model(const LinearModel& model, const std::vector<std::string>& specs,
                       const std::string& content_type, bool has_label, int threads, bool check_labels) {
  ReadOptions read;
  read.content_type = parse_content_type(content_type);
  read.threads = threads;
  read.has_label = has_label;
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
    throw InputError(fmt::format("{} found {} features, expected the model's feature_dim {}", place,
                                 data.feature_dim, model.feature_dim));
  }
  return data;
}

}  // namespace linlearn
