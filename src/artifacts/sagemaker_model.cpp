// Reading SageMaker Linear Learner models into linlearn's LinearModel.
#include "artifacts/sagemaker_model.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "artifacts/sagemaker_model_archive.h"
#include "artifacts/sagemaker_model_ndarray.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using nlohmann::json;

constexpr std::array<const char*, 4> kModelAlgoMembers{"manifest.json", "additional-params.json", "mx-mod-symbol.json",
                                                       "mx-mod-0000.params"};
constexpr std::array<PredictorType, 3> kPredictorTypes{PredictorType::kBinary, PredictorType::kMulticlass,
                                                       PredictorType::kRegressor};

json parse_json_object(const std::string& bytes, const std::string& place) {
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw InputError(fmt::format("{}: not a JSON object", place));
  return j;
}

// obj[key] when it is there and not null.
const json* field(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

void check_manifest(const json& manifest, const std::string& place) {
  const json* module = field(manifest, "mx-mod");
  if (module == nullptr || *module != "mxnet_module")
    throw InputError(fmt::format("{}: no \"mx-mod\": \"mxnet_module\" entry", place));
  const json* version = field(manifest, "version");
  if (version != nullptr && *version != 1)
    throw InputError(fmt::format("{}: manifest version {} is not supported (1 expected)", place, version->dump()));
}

// "(20, 1)" -> {20, 1}.
std::vector<std::uint64_t> parse_shape_attr(const std::string& text, const std::string& place) {
  std::vector<std::uint64_t> shape;
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    throw InputError(fmt::format("{}: __shape__ '{}' is not of the form (a, b)", place, text));
  const char* at = text.data() + 1;
  const char* end = text.data() + text.size() - 1;
  while (at < end) {
    while (at < end && (*at == ' ' || *at == ',')) ++at;
    if (at == end) break;
    std::uint64_t dim = 0;
    const auto [next, error] = std::from_chars(at, end, dim);
    if (error != std::errc() || next == at)
      throw InputError(fmt::format("{}: __shape__ '{}' is not of the form (a, b)", place, text));
    shape.push_back(dim);
    at = next;
  }
  return shape;
}

struct SymbolFacts {
  PredictorType predictor_type = PredictorType::kBinary;
  std::string output_op;
  std::optional<std::vector<std::uint64_t>> weight_shape;  // fc0_weight's __shape__ when given
};

const json& node_at(const json& nodes, const json& index, const std::string& place) {
  if (!index.is_number_unsigned() || index.get<std::size_t>() >= nodes.size() ||
      !nodes[index.get<std::size_t>()].is_object())
    throw InputError(fmt::format("{}: heads points at no node", place));
  return nodes[index.get<std::size_t>()];
}

SymbolFacts read_symbol(const json& symbol, const std::string& place) {
  const json* nodes = field(symbol, "nodes");
  const json* heads = field(symbol, "heads");
  if (nodes == nullptr || !nodes->is_array() || heads == nullptr || !heads->is_array() || heads->size() != 1 ||
      !(*heads)[0].is_array() || (*heads)[0].empty())
    throw InputError(fmt::format("{}: not an MXNet symbol with nodes and one head", place));
  SymbolFacts facts;
  const json* op = field(node_at(*nodes, (*heads)[0][0], place), "op");
  facts.output_op = op != nullptr && op->is_string() ? op->get<std::string>() : "";
  const auto known = std::find_if(kPredictorTypes.begin(), kPredictorTypes.end(),
                                  [&](PredictorType t) { return facts.output_op == sagemaker_output_op(t); });
  if (known == kPredictorTypes.end())
    throw InputError(
        fmt::format("{}: output op '{}' is not one of Linear Learner's (LogisticRegressionOutput, "
                    "LinearRegressionOutput, SoftmaxOutput)",
                    place, facts.output_op));
  facts.predictor_type = *known;
  bool has_weight = false;
  bool has_bias = false;
  for (const json& node : *nodes) {
    const json* name = node.is_object() ? field(node, "name") : nullptr;
    if (name == nullptr || !name->is_string()) throw InputError(fmt::format("{}: a node without a name", place));
    has_bias = has_bias || *name == "fc0_bias";
    if (*name != "fc0_weight") continue;
    has_weight = true;
    const json* attrs = field(node, "attrs");
    const json* shape = attrs != nullptr && attrs->is_object() ? field(*attrs, "__shape__") : nullptr;
    if (shape != nullptr && shape->is_string()) facts.weight_shape = parse_shape_attr(shape->get<std::string>(), place);
  }
  if (!has_weight || !has_bias) throw InputError(fmt::format("{}: no fc0_weight and fc0_bias nodes", place));
  return facts;
}

bool loss_fits(PredictorType type, LossKind loss) {
  switch (type) {
    case PredictorType::kBinary:
      return loss == LossKind::kLogistic || loss == LossKind::kHinge;
    case PredictorType::kMulticlass:
      return loss == LossKind::kSoftmax;
    case PredictorType::kRegressor:
      return loss != LossKind::kLogistic && loss != LossKind::kHinge && loss != LossKind::kSoftmax;
  }
  return false;
}

LossKind default_loss(PredictorType type) {
  if (type == PredictorType::kBinary) return LossKind::kLogistic;
  return type == PredictorType::kMulticlass ? LossKind::kSoftmax : LossKind::kSquared;
}

// predictor_type, loss, its parameters, threshold and the metrics' hyperparameters.
void read_additional_params(const json& params, const SymbolFacts& symbol, LinearModel& model,
                            const std::string& place) {
  const json* type = field(params, "predictor_type");
  const json* loss = field(params, "loss_type");
  if (type == nullptr || !type->is_string()) throw InputError(fmt::format("{}: no predictor_type", place));
  if (loss != nullptr && !loss->is_string()) throw InputError(fmt::format("{}: loss_type is not a string", place));
  try {
    model.predictor_type = parse_predictor_type(type->get<std::string>());
    model.loss = loss != nullptr ? parse_loss_kind(loss->get<std::string>()) : default_loss(model.predictor_type);
  } catch (const UsageError& e) {
    throw InputError(fmt::format("{}: {}", place, e.what()));
  }
  if (model.predictor_type != symbol.predictor_type || !loss_fits(model.predictor_type, model.loss))
    throw InputError(fmt::format("{}: predictor_type {} with loss_type {} does not fit the graph's output op {}", place,
                                 predictor_type_name(model.predictor_type), loss_kind_name(model.loss),
                                 symbol.output_op));
  const json* threshold = field(params, "threshold");
  if (threshold != nullptr && !threshold->is_number())
    throw InputError(fmt::format("{}: threshold is not a number", place));
  model.threshold = threshold != nullptr ? threshold->get<double>() : default_threshold(model.loss);
  model.hyperparameters = {{"predictor_type", predictor_type_name(model.predictor_type)},
                           {"loss", loss_kind_name(model.loss)}};
  const json* metrics = field(params, "metrics_params");
  if (metrics == nullptr || !metrics->is_object()) return;
  const std::map<std::string, double*> loss_parameters{{"margin", &model.loss_params.margin},
                                                       {"quantile", &model.loss_params.quantile},
                                                       {"loss_insensitivity", &model.loss_params.loss_insensitivity},
                                                       {"huber_delta", &model.loss_params.huber_delta}};
  for (const char* key : {"accuracy_top_k", "f_beta", "positive_example_weight_mult", "margin", "quantile",
                          "loss_insensitivity", "huber_delta"}) {
    const json* value = field(*metrics, key);
    if (value == nullptr || !value->is_number()) continue;
    // Evaluation reads it back as an int.
    if (std::string_view(key) == "accuracy_top_k" &&
        (!value->is_number_unsigned() || *value < 1 || *value > std::numeric_limits<int>::max()))
      throw InputError(fmt::format("{}: accuracy_top_k {} is not a positive integer", place, value->dump()));
    model.hyperparameters[key] = *value;
    if (const auto target = loss_parameters.find(key); target != loss_parameters.end())
      *target->second = value->get<double>();
  }
}

// The one array named `name` (with or without MXNet's "arg:" prefix).
const NamedArray& find_array(const std::vector<NamedArray>& arrays, const std::string& name, const std::string& place) {
  const NamedArray* found = nullptr;
  for (const NamedArray& array : arrays) {
    if (array.name != "arg:" + name && array.name != name) continue;
    if (found != nullptr) throw InputError(fmt::format("{}: array {} appears twice", place, name));
    found = &array;
  }
  if (found == nullptr) throw InputError(fmt::format("{}: no array arg:{}", place, name));
  return *found;
}

// Weights (feature_dim, K) and bias (1, K) or (K) into the model, transposed to K rows.
void read_parameters(const std::vector<NamedArray>& arrays, const SymbolFacts& symbol, LinearModel& model,
                     const std::string& place) {
  if (arrays.size() != 2)
    throw InputError(fmt::format("{}: {} arrays, expected fc0_weight and fc0_bias", place, arrays.size()));
  const NamedArray& weight = find_array(arrays, "fc0_weight", place);
  const NamedArray& bias = find_array(arrays, "fc0_bias", place);
  const bool multiclass = model.predictor_type == PredictorType::kMulticlass;
  const std::uint64_t outputs = weight.shape.size() == 2 ? weight.shape[1] : 0;
  if (weight.shape.size() != 2 || (multiclass ? outputs < 2 : outputs != 1))
    throw InputError(fmt::format("{}: fc0_weight has shape ({}), expected (feature_dim, {})", place,
                                 fmt::join(weight.shape, ", "), multiclass ? "num_classes" : "1"));
  const bool bias_fits =
      bias.values.size() == outputs && (bias.shape.size() == 1 || (bias.shape.size() == 2 && bias.shape[0] == 1));
  if (!bias_fits)
    throw InputError(
        fmt::format("{}: fc0_bias has shape ({}), expected (1, {})", place, fmt::join(bias.shape, ", "), outputs));
  if (symbol.weight_shape && *symbol.weight_shape != weight.shape)
    throw InputError(fmt::format("{}: fc0_weight is ({}) but the symbol declares ({})", place,
                                 fmt::join(weight.shape, ", "), fmt::join(*symbol.weight_shape, ", ")));
  const auto d = static_cast<std::size_t>(weight.shape[0]);
  const auto k = static_cast<std::size_t>(outputs);
  model.feature_dim = d;
  model.outputs = static_cast<int>(k);
  model.num_classes = multiclass ? static_cast<int>(k) : model.predictor_type == PredictorType::kBinary ? 2 : 1;
  model.loss_params.num_classes = model.num_classes;
  model.weights.resize(d * k);
  for (std::size_t f = 0; f < d; ++f)
    for (std::size_t c = 0; c < k; ++c) model.weights[c * d + f] = weight.values[f * k + c];
  model.bias = bias.values;
  // Already in raw input units: the identity normalization.
  model.normalization.mean.assign(d, 0.0);
  model.normalization.scale.assign(d, 1.0);
  model.hyperparameters["feature_dim"] = d;
  if (multiclass) model.hyperparameters["num_classes"] = k;
}

// Scoring builds the model's loss and hands it `outputs` margins per record: both must hold up.
void check_loss_outputs(const LinearModel& model, const std::string& place) {
  int outputs = 0;
  try {
    outputs = make_loss(model.loss, model.loss_params)->outputs();
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("{}: {}", place, e.what()));
  }
  if (outputs != model.outputs)
    throw InputError(fmt::format("{}: loss {} needs {} outputs, the arrays have {}", place, loss_kind_name(model.loss),
                                 outputs, model.outputs));
}

std::string read_capped_file(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw InputError(fmt::format("{}: cannot read model: {}", path, error.message()));
  if (size > kMaxModelMemberBytes)
    throw InputError(fmt::format("{}: {} bytes, more than a SageMaker model may have", path, size));
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<std::size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    throw InputError(fmt::format("{}: cannot read model", path));
  return bytes;
}

std::string file_head(const std::string& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::string head(count, '\0');
  in.read(head.data(), static_cast<std::streamsize>(count));
  head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return head;
}

bool is_zip(std::string_view head) {
  return head.starts_with("PK\x03\x04");
}

}  // namespace

bool is_sagemaker_model_file(const std::string& path) {
  const std::string head = file_head(path, 512);
  const bool gzip = head.starts_with("\x1f\x8b");
  const bool tar = head.size() >= 262 && head.compare(257, 5, "ustar") == 0;
  return gzip || tar || is_zip(head);
}

std::string find_sagemaker_model(const std::string& directory) {
  for (const char* name : {"model.tar.gz", "model_algo-1"}) {
    const auto candidate = std::filesystem::path(directory) / name;
    if (std::filesystem::is_regular_file(candidate)) return candidate.string();
  }
  return "";
}

LinearModel load_sagemaker_model(const std::string& path) {
  if (is_zip(file_head(path, 4))) return parse_sagemaker_model_algo(read_capped_file(path), path);
  return parse_sagemaker_model_algo(read_model_algo_member(path), path + ": model_algo-1");
}

LinearModel parse_sagemaker_model_algo(std::string_view bytes, const std::string& place) {
  std::map<std::string, std::string> members;
  for (ArchiveMember& member : read_zip_members(bytes, place)) members[member.name] = std::move(member.bytes);
  for (const char* name : kModelAlgoMembers)
    if (!members.contains(name))
      throw InputError(
          fmt::format("{}: no member {} (a model_algo-1 holds manifest.json, additional-params.json, "
                      "mx-mod-symbol.json and mx-mod-0000.params)",
                      place, name));
  const auto member_place = [&](const char* name) { return place + ": " + name; };
  check_manifest(parse_json_object(members["manifest.json"], member_place("manifest.json")),
                 member_place("manifest.json"));
  const SymbolFacts symbol =
      read_symbol(parse_json_object(members["mx-mod-symbol.json"], member_place("mx-mod-symbol.json")),
                  member_place("mx-mod-symbol.json"));
  LinearModel model;
  read_additional_params(parse_json_object(members["additional-params.json"], member_place("additional-params.json")),
                         symbol, model, member_place("additional-params.json"));
  const std::string params_place = member_place("mx-mod-0000.params");
  read_parameters(parse_ndarray_list(members["mx-mod-0000.params"], params_place), symbol, model, params_place);
  check_loss_outputs(model, place);
  return model;
}

}  // namespace linlearn
