// model.pb and model.json: the same content in two encodings.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>

#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "model.pb.h"

namespace linlearn {
namespace {

constexpr const char* kModelMagic = "LLMODEL1";

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read model: no such file", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LinearModel from_proto(const pb::Model& m, const std::string& path) {
  if (m.magic() != kModelMagic) throw InputError(fmt::format("{}: not a linlearn model (bad magic)", path));
  if (m.format_version() != static_cast<unsigned>(kModelFormatVersion))
    throw InputError(fmt::format("{}: model format version {} is not supported; expected {}", path, m.format_version(),
                                 kModelFormatVersion));
  LinearModel model;
  try {
    model.predictor_type = parse_predictor_type(m.predictor_type());
    model.loss = parse_loss_kind(m.loss());
  } catch (const UsageError& e) {
    throw InputError(fmt::format("{}: corrupt model: {}", path, e.what()));
  }
  model.feature_dim = m.feature_dim();
  model.num_classes = static_cast<int>(m.num_classes());
  model.outputs = static_cast<int>(m.outputs());
  // Compared by division: feature_dim * outputs could wrap around for a hostile feature_dim.
  const auto weights = static_cast<std::uint64_t>(m.weights_size());
  if (model.outputs < 1 || model.feature_dim == 0 || weights % static_cast<std::uint64_t>(model.outputs) != 0 ||
      weights / static_cast<std::uint64_t>(model.outputs) != m.feature_dim() || m.bias_size() != model.outputs)
    throw InputError(fmt::format("{}: corrupt model: {} weights and {} biases for feature_dim {} and {} outputs", path,
                                 m.weights_size(), m.bias_size(), m.feature_dim(), m.outputs()));
  model.weights.assign(m.weights().begin(), m.weights().end());
  model.bias.assign(m.bias().begin(), m.bias().end());
  model.threshold = m.threshold();
  model.loss_params.num_classes = model.num_classes;
  model.loss_params.margin = m.loss_parameters().margin();
  model.loss_params.quantile = m.loss_parameters().quantile();
  model.loss_params.loss_insensitivity = m.loss_parameters().loss_insensitivity();
  model.loss_params.huber_delta = m.loss_parameters().huber_delta();
  // Scoring builds this loss and hands it `outputs` margins per record: both must hold up.
  int loss_outputs = 0;
  try {
    loss_outputs = make_loss(model.loss, model.loss_params)->outputs();
  } catch (const UsageError& e) {
    throw InputError(fmt::format("{}: corrupt model: {}", path, e.what()));
  }
  if (loss_outputs != model.outputs)
    throw InputError(fmt::format("{}: corrupt model: loss {} needs {} outputs, found {}", path, m.loss(), loss_outputs,
                                 m.outputs()));
  const auto& n = m.normalization();
  model.normalization.mean.assign(n.feature_mean().begin(), n.feature_mean().end());
  model.normalization.scale.assign(n.feature_scale().begin(), n.feature_scale().end());
  model.normalization.label_mean = n.label_mean();
  model.normalization.label_scale = n.label_scale();
  model.normalization.sample_size = n.sample_size();
  // Written last, so a model.pb cut at any field boundary lacks it: it doubles as the end marker.
  model.hyperparameters = nlohmann::json::parse(m.hyperparameters_json(), nullptr, false);
  if (m.hyperparameters_json().empty() || model.hyperparameters.is_discarded())
    throw InputError(fmt::format("{}: corrupt or truncated model (no valid hyperparameters_json)", path));
  return model;
}

}  // namespace

namespace {

pb::Model to_proto(const LinearModel& model) {
  pb::Model m;
  m.set_magic(kModelMagic);
  m.set_format_version(kModelFormatVersion);
  m.set_predictor_type(predictor_type_name(model.predictor_type));
  m.set_loss(loss_kind_name(model.loss));
  m.set_feature_dim(model.feature_dim);
  m.set_num_classes(static_cast<unsigned>(model.num_classes));
  m.set_outputs(static_cast<unsigned>(model.outputs));
  m.mutable_weights()->Assign(model.weights.begin(), model.weights.end());
  m.mutable_bias()->Assign(model.bias.begin(), model.bias.end());
  m.set_threshold(model.threshold);
  auto* lp = m.mutable_loss_parameters();
  lp->set_margin(model.loss_params.margin);
  lp->set_quantile(model.loss_params.quantile);
  lp->set_loss_insensitivity(model.loss_params.loss_insensitivity);
  lp->set_huber_delta(model.loss_params.huber_delta);
  auto* n = m.mutable_normalization();
  n->mutable_feature_mean()->Assign(model.normalization.mean.begin(), model.normalization.mean.end());
  n->mutable_feature_scale()->Assign(model.normalization.scale.begin(), model.normalization.scale.end());
  n->set_label_mean(model.normalization.label_mean);
  n->set_label_scale(model.normalization.label_scale);
  n->set_sample_size(model.normalization.sample_size);
  m.set_hyperparameters_json(model.hyperparameters.dump());
  return m;
}

}  // namespace

void write_model_pb(const std::string& path, const LinearModel& model) {
  AtomicFile file(path);
  file.write(to_proto(model));
  file.commit();
}

namespace {

// model.json is written as nlohmann's dump(2) of the small fields with each long array spliced in
// where its placeholder string stands, so a model of 2^20 features x 3 arrays never exists as a
// JSON tree (about 16 bytes per number) plus its text.
class JsonArrays {
 public:
  // A placeholder for `values`, which must outlive write().
  template <class T>
  std::string add(const T* values, std::size_t count) {
    arrays_.push_back({[values](std::size_t i) { return static_cast<double>(values[i]); }, count});
    return placeholder(arrays_.size() - 1);
  }

  void write(const nlohmann::json& skeleton, AtomicFile& file) const {
    const std::string text = skeleton.dump(2) + "\n";
    // The dump orders keys by name, so the placeholders come in their own order.
    std::vector<std::pair<std::size_t, std::size_t>> spots;  // (offset, array)
    for (std::size_t a = 0; a < arrays_.size(); ++a)
      spots.emplace_back(text.find(nlohmann::json(placeholder(a)).dump()), a);
    std::sort(spots.begin(), spots.end());
    std::size_t at = 0;
    std::string out;
    for (const auto& [found, a] : spots) {
      const std::size_t quoted_size = nlohmann::json(placeholder(a)).dump().size();
      const std::size_t line_start = text.rfind('\n', found) + 1;
      const std::string indent(text.find_first_not_of(' ', line_start) - line_start, ' ');
      out.append(text, at, found - at);
      out += arrays_[a].count == 0 ? "[]" : "[\n";
      for (std::size_t i = 0; i < arrays_[a].count; ++i) {
        out += indent;
        out += "  ";
        append_number(arrays_[a].value(i), out);
        out += i + 1 < arrays_[a].count ? ",\n" : "\n";
        if (out.size() >= kFlushBytes) {
          file.write(out);
          out.clear();
        }
      }
      if (arrays_[a].count > 0) out += indent + "]";
      at = found + quoted_size;
    }
    out.append(text, at);
    file.write(out);
  }

 private:
  struct Array {
    std::function<double(std::size_t)> value;
    std::size_t count;
  };
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

  // A control character keeps it apart from any string in the hyperparameters.
  static std::string placeholder(std::size_t index) { return fmt::format("\x01linlearn-array-{}", index); }

  // As nlohmann writes a double: shortest round-trip digits, ".0" on integral values, null if not finite.
  static void append_number(double v, std::string& out) {
    if (!std::isfinite(v)) {
      out += "null";
      return;
    }
    const std::size_t start = out.size();
    fmt::format_to(std::back_inserter(out), "{}", v);
    if (out.find_first_of(".e", start) == std::string::npos) out += ".0";
  }

  std::vector<Array> arrays_;
};

}  // namespace

void write_model_json(const std::string& path, const LinearModel& model) {
  JsonArrays arrays;
  nlohmann::json j;
  j["format_version"] = kModelFormatVersion;
  j["predictor_type"] = predictor_type_name(model.predictor_type);
  j["loss"] = loss_kind_name(model.loss);
  j["feature_dim"] = model.feature_dim;
  j["num_classes"] = model.num_classes;
  const std::size_t d = model.feature_dim;
  if (model.outputs == 1) {
    j["weights"] = arrays.add(model.weights.data(), d);
    j["bias"] = model.bias.front();
  } else {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t k = 0; k < static_cast<std::size_t>(model.outputs); ++k)
      rows.push_back(arrays.add(model.weights.data() + k * d, d));
    j["weights"] = rows;
    j["bias"] = model.bias;
  }
  if (model.predictor_type == PredictorType::kBinary) j["threshold"] = model.threshold;
  j["loss_parameters"] = {{"margin", model.loss_params.margin},
                          {"quantile", model.loss_params.quantile},
                          {"loss_insensitivity", model.loss_params.loss_insensitivity},
                          {"huber_delta", model.loss_params.huber_delta}};
  j["normalization"] = {
      {"feature_mean", arrays.add(model.normalization.mean.data(), model.normalization.mean.size())},
      {"feature_scale", arrays.add(model.normalization.scale.data(), model.normalization.scale.size())},
      {"label_mean", model.normalization.label_mean},
      {"label_scale", model.normalization.label_scale},
      {"sample_size", model.normalization.sample_size}};
  j["hyperparameters"] = model.hyperparameters;
  AtomicFile file(path);
  arrays.write(j, file);
  file.commit();
}

LinearModel load_model(const std::string& path) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) file = (std::filesystem::path(path) / "model.pb").string();
  if (std::filesystem::path(file).extension() == ".json")
    throw InputError(fmt::format("{}: cannot load a model.json (it is for people and other tools); give the model.pb "
                                 "beside it, or its directory",
                                 file));
  return parse_model_pb(read_whole(file), file);
}

LinearModel parse_model_pb(std::string_view bytes, const std::string& name) {
  pb::Model m;
  // protobuf logs invalid UTF-8 in string fields to stderr; the InputError below is the one message.
  const google::protobuf::LogSilencer quiet;
  if (bytes.size() > std::size_t{INT_MAX} || !m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw InputError(fmt::format("{}: corrupt or truncated model (protobuf parse failed)", name));
  return from_proto(m, name);
}

}  // namespace linlearn
