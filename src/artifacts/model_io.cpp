// model.pb and model.json: the same content in two encodings.
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>

#include <fmt/compile.h>
#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>

#include "artifacts/sagemaker_model.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "model.pb.h"

namespace linlearn {
namespace {

constexpr const char* kModelMagic = "LLMODEL1";
// Scoring a sparse model looks its keys up in a bitmap of feature_dim bits (see FeatureIndex); the
// widest model `train` makes (--feature_dim at most 2^30) bounds what a model file may ask for.
constexpr std::uint64_t kMaxSparseFeatureDim = std::uint64_t{1} << 30;

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read model: no such file", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A sparse model's keys from their gaps: ascending and below feature_dim, or InputError.
std::vector<std::uint32_t> keys_from_gaps(const pb::Model& m, const std::string& path) {
  std::vector<std::uint32_t> keys;
  keys.reserve(static_cast<std::size_t>(m.key_gaps_size()));
  std::uint64_t key = 0;
  for (int i = 0; i < m.key_gaps_size(); ++i) {
    const std::uint64_t gap = m.key_gaps(i);
    if ((i > 0 && gap == 0) || gap >= m.feature_dim() || key + gap >= m.feature_dim() ||
        m.feature_dim() > kMaxSparseFeatureDim)
      throw InputError(fmt::format("{}: corrupt model: sparse key {} is not ascending below feature_dim {}", path, i,
                                   m.feature_dim()));
    key += gap;
    keys.push_back(static_cast<std::uint32_t>(key));
  }
  return keys;
}

// The weights' shape: outputs x feature_dim (dense) or outputs x keys (sparse), or InputError.
void read_weights(const pb::Model& m, const std::string& path, LinearModel& model) {
  model.sparse = m.sparse();
  if (model.sparse) model.keys = keys_from_gaps(m, path);
  const std::uint64_t stored = model.sparse ? model.keys.size() : m.feature_dim();
  // Compared by division: stored * outputs could wrap around for a hostile feature_dim.
  const auto weights = static_cast<std::uint64_t>(m.weights_size());
  if (model.outputs < 1 || model.feature_dim == 0 || weights % static_cast<std::uint64_t>(model.outputs) != 0 ||
      weights / static_cast<std::uint64_t>(model.outputs) != stored || m.bias_size() != model.outputs)
    throw InputError(fmt::format("{}: corrupt model: {} weights and {} biases for {} {} and {} outputs", path,
                                 m.weights_size(), m.bias_size(), model.sparse ? "sparse keys" : "feature_dim", stored,
                                 m.outputs()));
  model.weights.assign(m.weights().begin(), m.weights().end());
  model.bias.assign(m.bias().begin(), m.bias().end());
}

LinearModel from_proto(const pb::Model& m, const std::string& path) {
  if (m.magic() != kModelMagic) throw InputError(fmt::format("{}: not a linlearn model (bad magic)", path));
  const auto version = static_cast<int>(m.format_version());
  if (version != kModelFormatVersion && version != kSparseModelFormatVersion)
    throw InputError(fmt::format("{}: model format version {} is not supported; expected {} or {}", path,
                                 m.format_version(), kModelFormatVersion, kSparseModelFormatVersion));
  if (m.sparse() != (version == kSparseModelFormatVersion))
    throw InputError(fmt::format("{}: corrupt model: format version {} with{} sparse weights", path, version,
                                 m.sparse() ? "" : "out"));
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
  read_weights(m, path, model);
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
  } catch (const std::invalid_argument& e) {
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
  // Written after every other field of a dense model, so a model.pb cut at any field boundary
  // lacks it: it doubles as the end marker. A sparse model's keys come after it, and a cut in
  // them leaves fewer keys than weights, which read_weights refuses.
  model.hyperparameters = nlohmann::json::parse(m.hyperparameters_json(), nullptr, false);
  model.initial_model = m.initial_model();
  if (m.hyperparameters_json().empty() || model.hyperparameters.is_discarded())
    throw InputError(fmt::format("{}: corrupt or truncated model (no valid hyperparameters_json)", path));
  return model;
}

}  // namespace

namespace {

pb::Model to_proto(const LinearModel& model) {
  pb::Model m;
  m.set_magic(kModelMagic);
  m.set_format_version(model.sparse ? kSparseModelFormatVersion : kModelFormatVersion);
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
  if (model.sparse) {
    m.set_sparse(true);
    m.mutable_key_gaps()->Reserve(static_cast<int>(model.keys.size()));
    std::uint32_t before = 0;
    for (std::uint32_t key : model.keys) {
      m.add_key_gaps(key - before);
      before = key;
    }
  }
  m.set_initial_model(model.initial_model);
  return m;
}

// model.json is written field by field, in nlohmann's key order and dump(2) layout, with the long
// arrays (weights, feature_mean, feature_scale) written number by number: a model of 2^20 features
// never exists as a JSON tree (about 16 bytes per number) plus its text.
class JsonWriter {
 public:
  explicit JsonWriter(const std::function<void(std::string_view)>& sink) : sink_(sink) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  void text(std::string_view t) {
    out_ += t;
    if (out_.size() >= kFlushBytes) flush();
  }
  // A small value as dump(2) writes it at this depth (nested lines indented by `indent`).
  void value(const nlohmann::json& v, std::size_t indent) {
    const std::string dumped = v.dump(2);
    for (char c : dumped) {
      out_ += c;
      if (c == '\n') out_.append(indent, ' ');
    }
  }
  template <class T>
  void array(const T* values, std::size_t count, std::size_t indent) {
    if (count == 0) return text("[]");
    text("[\n");
    for (std::size_t i = 0; i < count; ++i) {
      out_.append(indent + 2, ' ');
      append_number(static_cast<double>(values[i]));
      text(i + 1 < count ? ",\n" : "\n");
    }
    out_.append(indent, ' ');
    text("]");
  }
  // {"keys": [...], "values": [...]} of output k's non-zero weights, each list on one line: a
  // float as the shortest text that reads back as the same float.
  void sparse_weights(const LinearModel& model, int k, std::size_t indent) {
    text("{\n");
    out_.append(indent + 2, ' ');
    text("\"keys\": [");
    const char* separator = "";
    for (std::size_t i = 0; i < model.keys.size(); ++i) {
      if (model.stored_weight(k, i) == 0.0F) continue;
      out_ += separator;
      append_formatted(model.keys[i]);
      separator = ",";
      if (out_.size() >= kFlushBytes) flush();
    }
    text("],\n");
    out_.append(indent + 2, ' ');
    text("\"values\": [");
    separator = "";
    for (std::size_t i = 0; i < model.keys.size(); ++i) {
      const float w = model.stored_weight(k, i);
      if (w == 0.0F) continue;
      out_ += separator;
      append_float(w);
      separator = ",";
      if (out_.size() >= kFlushBytes) flush();
    }
    text("]\n");
    out_.append(indent, ' ');
    text("}");
  }
  void flush() {
    sink_(out_);
    out_.clear();
  }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 20;

  // As nlohmann writes a double: shortest round-trip digits, ".0" on integral values, null if not finite.
  void append_number(double v) {
    if (!std::isfinite(v)) {
      out_ += "null";
      return;
    }
    const std::size_t start = out_.size();
    append_formatted(v);
    if (out_.find_first_of(".e", start) == std::string::npos) out_ += ".0";
  }
  void append_float(float v) {
    if (!std::isfinite(v)) {
      out_ += "null";
      return;
    }
    append_formatted(v);
  }
  // Through a stack buffer with the format compiled: a model's millions of numbers format several
  // times faster than through a string's back_inserter, to the same text.
  template <class T>
  void append_formatted(T v) {
    std::array<char, 32> digits;
    const char* end = fmt::format_to(digits.data(), FMT_COMPILE("{}"), v);
    out_.append(digits.data(), static_cast<std::size_t>(end - digits.data()));
  }

  const std::function<void(std::string_view)>& sink_;
  std::string out_;
};

}  // namespace

std::string serialize_model_pb(const LinearModel& model) {
  return to_proto(model).SerializeAsString();
}

void write_model_pb(const std::string& path, const LinearModel& model) {
  AtomicFile file(path);
  file.write(to_proto(model));
  file.commit();
}

void write_model_json(const LinearModel& model, const std::function<void(std::string_view)>& sink) {
  JsonWriter w(sink);
  const std::size_t d = model.feature_dim;
  const auto k = static_cast<std::size_t>(model.outputs);
  // Top-level fields by name, as nlohmann orders an object's keys.
  std::map<std::string, std::function<void()>> fields;
  const auto small = [&](const std::string& key, nlohmann::json v) { fields[key] = [&w, v] { w.value(v, 2); }; };
  small("format_version", model.sparse ? kSparseModelFormatVersion : kModelFormatVersion);
  small("predictor_type", predictor_type_name(model.predictor_type));
  small("loss", loss_kind_name(model.loss));
  small("feature_dim", model.feature_dim);
  small("num_classes", model.num_classes);
  if (k == 1) {
    small("bias", model.bias.front());
    fields["weights"] = [&] {
      if (model.sparse) return w.sparse_weights(model, 0, 2);
      w.array(model.weights.data(), d, 2);
    };
  } else {
    small("bias", model.bias);
    fields["weights"] = [&] {
      w.text("[\n");
      for (std::size_t c = 0; c < k; ++c) {
        w.text("    ");
        if (model.sparse) {
          w.sparse_weights(model, static_cast<int>(c), 4);
        } else {
          w.array(model.weights.data() + c * d, d, 4);
        }
        w.text(c + 1 < k ? ",\n" : "\n");
      }
      w.text("  ]");
    };
  }
  if (model.predictor_type == PredictorType::kBinary) small("threshold", model.threshold);
  small("loss_parameters", {{"margin", model.loss_params.margin},
                            {"quantile", model.loss_params.quantile},
                            {"loss_insensitivity", model.loss_params.loss_insensitivity},
                            {"huber_delta", model.loss_params.huber_delta}});
  fields["normalization"] = [&] {
    const Normalization& n = model.normalization;
    w.text("{\n    \"feature_mean\": ");
    w.array(n.mean.data(), n.mean.size(), 4);
    w.text(",\n    \"feature_scale\": ");
    w.array(n.scale.data(), n.scale.size(), 4);
    w.text(",\n    \"label_mean\": ");
    w.value(n.label_mean, 4);
    w.text(",\n    \"label_scale\": ");
    w.value(n.label_scale, 4);
    w.text(",\n    \"sample_size\": ");
    w.value(n.sample_size, 4);
    w.text("\n  }");
  };
  small("hyperparameters", model.hyperparameters);
  if (!model.initial_model.empty()) small("initial_model", model.initial_model);
  w.text("{\n");
  std::size_t written = 0;
  for (const auto& [key, write_value] : fields) {
    w.text("  ");
    w.value(key, 2);
    w.text(": ");
    write_value();
    w.text(++written < fields.size() ? ",\n" : "\n");
  }
  w.text("}\n");
  w.flush();
}

void write_model_json(const std::string& path, const LinearModel& model) {
  AtomicFile file(path);
  write_model_json(model, [&](std::string_view bytes) { file.write(bytes); });
  file.commit();
}

LinearModel load_model(const std::string& path) {
  std::string file = path;
  if (std::filesystem::is_directory(path)) {
    file = (std::filesystem::path(path) / "model.pb").string();
    // A directory holding a SageMaker model (its /opt/ml/model, say) and no linlearn model.pb.
    if (const std::string sagemaker = find_sagemaker_model(path); !std::filesystem::exists(file) && !sagemaker.empty())
      file = sagemaker;
  }
  if (is_sagemaker_model_file(file)) return load_sagemaker_model(file);
  if (std::filesystem::path(file).extension() == ".json")
    throw InputError(
        fmt::format("{}: cannot load a model.json (it is for people and other tools); give the model.pb "
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
