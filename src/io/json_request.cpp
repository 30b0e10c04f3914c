// SageMaker's JSON and JSON Lines inference requests, read with nlohmann's SAX parser: no document
// tree is built, and each number is read from its own text as the CSV reader reads it (a double
// rounded again to float could differ from it in the last bit).
#include "io/json_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "io/text_parsing.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using Json = nlohmann::json;

// What is wrong, without the place; `instance` is the instance it is in, if any.
struct JsonProblem : std::runtime_error {
  JsonProblem(const std::string& what, std::optional<std::size_t> at) : std::runtime_error(what), instance(at) {}
  std::optional<std::size_t> instance;
};

// Where the JSON parser gave up: a byte offset (1-based, as nlohmann counts) and its words.
struct MalformedJson {
  std::size_t position;
  std::string detail;
};

// What an object or array is, from where it sits.
enum class Role { kOther, kTop, kInstances, kInstance, kData, kDataFeatures, kDense, kValues, kKeys, kShape };

bool holds_numbers(Role role) {
  return role == Role::kDense || role == Role::kValues || role == Role::kKeys || role == Role::kShape;
}

struct Frame {
  Role role;
  std::string key;  // an object's latest key
};

// One instance as read.
struct InstanceParts {
  bool features = false;       // "features": [...] or "data": {"features": [...]}
  bool data_features = false;  // "data": {"features": {...}}
  bool values_seen = false, keys_seen = false, shape_seen = false;
  std::vector<float> dense, values;
  std::vector<std::uint64_t> keys, shape;

  void clear() {
    features = data_features = values_seen = keys_seen = shape_seen = false;
    dense.clear();
    values.clear();
    keys.clear();
    shape.clear();
  }
};

std::string instance_shapes() {
  return "expected \"features\": [...] or \"data\": {\"features\": {\"keys\": [...], \"shape\": [d], \"values\": "
         "[...]}}";
}

// Adds finished instances to a Dataset: dense rows while every instance is dense, CSR from the
// first sparse one on (scores do not depend on which).
class InstanceSink {
 public:
  explicit InstanceSink(Dataset& out) : out_(out) {}

  // Throws std::runtime_error with what is wrong.
  void add(const InstanceParts& parts) {
    if (!parts.features && !parts.data_features) throw std::runtime_error("no features: " + instance_shapes());
    if (parts.features && parts.data_features)
      throw std::runtime_error("both \"features\" and \"data\": {\"features\": {...}}; " + instance_shapes());
    const bool sparse = parts.data_features && (!parts.keys.empty() || (parts.values.empty() && parts.shape_seen));
    if (sparse) {
      add_sparse(parts);
    } else {
      add_dense(parts.features ? parts.dense : parts.values);
    }
    out_.labels.push_back(0.0f);
  }

 private:
  void add_dense(const std::vector<float>& row) {
    if (row.size() != out_.feature_dim)
      throw std::runtime_error(fmt::format("found {} feature{}, expected the model's feature_dim {}", row.size(),
                                           row.size() == 1 ? "" : "s", out_.feature_dim));
    if (!out_.sparse) {
      out_.dense.insert(out_.dense.end(), row.begin(), row.end());
      return;
    }
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (row[j] == 0.0f) continue;
      out_.col_idx.push_back(static_cast<std::uint32_t>(j));
      out_.values.push_back(row[j]);
    }
    out_.row_ptr.push_back(out_.values.size());
  }

  void check_sparse(const InstanceParts& parts) const {
    if (parts.shape.size() != 1)
      throw std::runtime_error(
          fmt::format("sparse features with a shape of {} values, expected \"shape\": [d]", parts.shape.size()));
    if (parts.keys.size() != parts.values.size())
      throw std::runtime_error(
          fmt::format("sparse features with {} keys but {} values", parts.keys.size(), parts.values.size()));
    for (const std::uint64_t key : parts.keys) {
      if (key >= parts.shape[0])
        throw std::runtime_error(fmt::format("sparse key {} is >= shape [{}]", key, parts.shape[0]));
      if (key >= out_.feature_dim)
        throw std::runtime_error(
            fmt::format("found sparse key {}, expected a key below the model's feature_dim {}", key, out_.feature_dim));
    }
  }

  void add_sparse(const InstanceParts& parts) {
    check_sparse(parts);
    entries_.clear();
    for (std::size_t k = 0; k < parts.keys.size(); ++k)
      entries_.emplace_back(static_cast<std::uint32_t>(parts.keys[k]), parts.values[k]);
    std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto repeated = std::adjacent_find(entries_.begin(), entries_.end(),
                                             [](const auto& a, const auto& b) { return a.first == b.first; });
    if (repeated != entries_.end())
      throw std::runtime_error(fmt::format("sparse key {} appears more than once", repeated->first));
    out_.to_sparse();
    for (const auto& [key, value] : entries_) {
      out_.col_idx.push_back(key);
      out_.values.push_back(value);
    }
    out_.row_ptr.push_back(out_.values.size());
  }

  Dataset& out_;
  std::vector<std::pair<std::uint32_t, float>> entries_;
};

// nlohmann's SAX interface: tracks where each value sits and collects the numbers of an instance.
class RequestHandler {
 public:
  RequestHandler(bool lines, InstanceSink& sink) : lines_(lines), sink_(sink) {}

  bool null() { return other_scalar("null"); }
  bool boolean(bool) { return other_scalar("a boolean"); }
  bool string(std::string&) { return other_scalar("a string"); }
  bool binary(Json::binary_t&) { return other_scalar("binary data"); }
  bool number_integer(Json::number_integer_t v) {
    const Role role = slot("a number");
    if (v < 0 && (role == Role::kKeys || role == Role::kShape))
      fail(fmt::format("found {}, expected an index >= 0", v));
    return number(static_cast<float>(v), static_cast<std::uint64_t>(v));
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    slot("a number");
    return number(static_cast<float>(v), v);
  }
  bool number_float(Json::number_float_t, const std::string& text);
  bool key(std::string& name) {
    frames_.back().key = name;
    return true;
  }
  bool start_object(std::size_t);
  bool end_object();
  bool start_array(std::size_t);
  bool end_array() {
    if (frames_.back().role == Role::kInstances) in_instances_ = false;
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    throw MalformedJson{position, e.what()};
  }

  bool saw_instances() const { return saw_instances_; }
  std::size_t instances() const { return instances_; }

 private:
  // Inside "instances", the problem is in the instance being read, or the next one.
  [[noreturn]] void fail(const std::string& what) const {
    throw JsonProblem(what, in_instances_ ? std::optional<std::size_t>(instances_) : std::nullopt);
  }

  // Whether the current key of the innermost object must hold an array or object.
  bool key_needs_container() const {
    const Frame& top = frames_.back();
    switch (top.role) {
      case Role::kTop:
        return top.key == "instances";
      case Role::kInstance:
        return top.key == "features" || top.key == "data";
      case Role::kData:
        return top.key == "features";
      case Role::kDataFeatures:
        return top.key == "values" || top.key == "keys" || top.key == "shape";
      default:
        return false;
    }
  }

  // The role of the array a value that is not a container goes into (kOther: ignored), after
  // checking that such a value may sit there.
  Role slot(const char* what) const {
    if (frames_.empty())
      fail(fmt::format("found {}, expected {}", what, lines_ ? "an object" : "{\"instances\": [...]}"));
    const Frame& top = frames_.back();
    if (holds_numbers(top.role)) return top.role;
    if (top.role == Role::kInstances) fail(fmt::format("found {}, expected an object", what));
    if (key_needs_container()) fail(fmt::format("\"{}\" holds {}, expected an array or object", top.key, what));
    return Role::kOther;
  }

  bool other_scalar(const char* what) {
    if (holds_numbers(slot(what))) fail(fmt::format("found {}, expected a number", what));
    return true;
  }

  bool number(float value, std::uint64_t index) {
    switch (frames_.back().role) {
      case Role::kDense:
        parts_.dense.push_back(value);
        break;
      case Role::kValues:
        parts_.values.push_back(value);
        break;
      case Role::kKeys:
        parts_.keys.push_back(index);
        break;
      case Role::kShape:
        parts_.shape.push_back(index);
        break;
      default:
        break;
    }
    return true;
  }

  Role object_role() const;
  Role array_role();

  bool lines_;
  InstanceSink& sink_;
  std::vector<Frame> frames_;
  InstanceParts parts_;
  bool in_instances_ = false;
  bool saw_instances_ = false;
  std::size_t instances_ = 0;
};

bool RequestHandler::number_float(Json::number_float_t, const std::string& text) {
  const Role role = slot("a number");
  if (role == Role::kKeys || role == Role::kShape) fail("found " + text + ", expected an integer");
  if (role == Role::kOther) return true;
  float value = 0;
  text::NumberStatus status;
  text::scan_float(text.data(), text.data() + text.size(), value, status);
  if (status != text::NumberStatus::kOk) fail("found " + text + ", expected a finite float32");
  return number(value, 0);
}

Role RequestHandler::object_role() const {
  if (frames_.empty()) return lines_ ? Role::kInstance : Role::kTop;
  const Frame& top = frames_.back();
  if (holds_numbers(top.role)) fail("found an object, expected a number");
  if (top.role == Role::kInstances) return Role::kInstance;
  if (top.role == Role::kInstance && top.key == "data") return Role::kData;
  if (top.role == Role::kData && top.key == "features") return Role::kDataFeatures;
  if (key_needs_container()) fail(fmt::format("\"{}\" holds an object, expected an array", top.key));
  return Role::kOther;
}

bool RequestHandler::start_object(std::size_t) {
  const Role role = object_role();
  if (role == Role::kInstance) parts_.clear();
  if (role == Role::kDataFeatures) {
    if (parts_.data_features) fail("\"data\": {\"features\": ...} given twice");
    parts_.data_features = true;
  }
  frames_.push_back({role, {}});
  return true;
}

bool RequestHandler::end_object() {
  if (frames_.back().role == Role::kInstance) {
    try {
      sink_.add(parts_);
    } catch (const std::runtime_error& e) {
      fail(e.what());
    }
    ++instances_;
  }
  frames_.pop_back();
  return true;
}

Role RequestHandler::array_role() {
  if (frames_.empty())
    fail(fmt::format("found an array, expected {}", lines_ ? "an object" : "{\"instances\": [...]}"));
  const Frame& top = frames_.back();
  if (holds_numbers(top.role)) fail("found an array, expected a number");
  if (top.role == Role::kInstances) fail("found an array, expected an object");
  const auto once = [this, &top](bool& seen, Role role) {
    if (seen) fail(fmt::format("\"{}\" given twice", top.key));
    seen = true;
    return role;
  };
  if (top.role == Role::kTop && top.key == "instances") return once(saw_instances_, Role::kInstances);
  if ((top.role == Role::kInstance || top.role == Role::kData) && top.key == "features")
    return once(parts_.features, Role::kDense);
  if (top.role == Role::kDataFeatures) {
    if (top.key == "values") return once(parts_.values_seen, Role::kValues);
    if (top.key == "keys") return once(parts_.keys_seen, Role::kKeys);
    if (top.key == "shape") return once(parts_.shape_seen, Role::kShape);
  }
  if (key_needs_container()) fail(fmt::format("\"{}\" holds an array, expected an object", top.key));
  return Role::kOther;
}

bool RequestHandler::start_array(std::size_t) {
  const Role role = array_role();
  if (role == Role::kInstances) in_instances_ = true;
  frames_.push_back({role, {}});
  return true;
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
std::string parser_words(const std::string& what) {
  const auto column = what.find("column ");
  const auto colon = column == std::string::npos ? std::string::npos : what.find(": ", column);
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

// Runs the handler over `text`, whose first line is line `first_line` of the body; MalformedJson
// becomes an InputError at its line and column.
void run_parser(std::string_view text, RequestHandler& handler, const std::string& source, std::size_t first_line) {
  try {
    Json::sax_parse(text.begin(), text.end(), &handler);
  } catch (const MalformedJson& e) {
    // nlohmann counts the bytes read, the offending one included.
    const std::size_t offset = std::min(e.position > 0 ? e.position - 1 : 0, text.size());
    const std::string_view before = text.substr(0, offset);
    const std::size_t newline = before.rfind('\n');
    const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    const auto line = first_line + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    throw InputError(fmt::format("{}:{}:{}: malformed JSON: {}", source, line,
                                 text::character_column(text.data() + line_start, text.data() + offset),
                                 parser_words(e.detail)));
  }
}

}  // namespace

void parse_json_instances(std::string_view body, const std::string& source, Dataset& out) {
  InstanceSink sink(out);
  RequestHandler handler(false, sink);
  try {
    run_parser(body, handler, source, 1);
  } catch (const JsonProblem& e) {
    if (e.instance) throw InputError(fmt::format("{}: instance {}: {}", source, *e.instance, e.what()));
    throw InputError(fmt::format("{}: {}", source, e.what()));
  }
  if (!handler.saw_instances()) throw InputError(source + ": no \"instances\", expected {\"instances\": [...]}");
  if (handler.instances() == 0) throw InputError(source + ": no records found, expected at least one instance");
}

void parse_json_lines(std::string_view body, const std::string& source, Dataset& out) {
  InstanceSink sink(out);
  RequestHandler handler(true, sink);
  std::size_t line = 1;
  for (std::size_t pos = 0; pos < body.size(); ++line) {
    const std::size_t end = std::min(body.size(), body.find('\n', pos));
    const std::string_view text = body.substr(pos, end - pos);
    pos = end + 1;
    if (std::all_of(text.begin(), text.end(), [](char c) { return text::is_blank(c) || c == '\r'; })) continue;
    try {
      run_parser(text, handler, source, line);
    } catch (const JsonProblem& e) {
      throw InputError(fmt::format("{}:{}:1: {}", source, line, e.what()));
    }
  }
  if (handler.instances() == 0) throw InputError(source + ": no records found, expected at least one JSON line");
}

}  // namespace linlearn
