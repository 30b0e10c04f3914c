// read_sagemaker_job: SageMaker's layout under a root (input/config/*.json, input/data/...) turned
// into a TrainRequest (see train_job.h).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/train_job.h"

namespace linlearn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kDefaultRoot = "/opt/ml";
constexpr const char* kChannels[] = {"train", "validation", "test", "model"};

fs::path config_file(const std::string& root, const char* name) {
  return fs::path(root) / "input" / "config" / name;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("{}: cannot read it", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON (at byte {})", path.string(), e.byte));
  }
}

std::string string_field(const json& object, const char* key, const std::string& fallback, const std::string& place) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_string()) throw UsageError(fmt::format("{}: \"{}\" must be a string", place, key));
  return it->get<std::string>();
}

// A channel as inputdataconfig.json describes it.
struct Channel {
  std::string content_type;  // "" when not given
  std::string mode = "File";
};

Channel read_channel_config(const std::string& name, const json& entry, const std::string& file) {
  const std::string place = fmt::format("{}: channel \"{}\"", file, name);
  if (!entry.is_object()) throw UsageError(place + ": expected an object");
  Channel c{string_field(entry, "ContentType", "", place), string_field(entry, "TrainingInputMode", "File", place)};
  if (c.mode != "File" && c.mode != "FastFile" && c.mode != "Pipe")
    throw UsageError(
        fmt::format("{}: TrainingInputMode '{}' is not supported; expected File, FastFile or Pipe", place, c.mode));
  const std::string wrapper = string_field(entry, "RecordWrapperType", "None", place);
  if (wrapper != "None")
    throw UsageError(fmt::format("{}: RecordWrapperType '{}' is not supported; expected None (the objects as they are)",
                                 place, wrapper));
  if (name == "model") {
    if (c.mode == "Pipe") throw UsageError(place + ": the model channel (a warm start) must be in File mode");
  } else if (!c.content_type.empty()) {
    try {
      parse_content_type(c.content_type);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("{}: {}", place, e.what()));
    }
  }
  return c;
}

void read_channel_configs(const fs::path& file, std::map<std::string, Channel>& channels, SageMakerJob& job) {
  const json doc = read_json(file);
  if (!doc.is_object()) throw UsageError(file.string() + ": expected an object of channels");
  for (const auto& [name, entry] : doc.items()) {
    if (std::find(std::begin(kChannels), std::end(kChannels), name) == std::end(kChannels)) {
      job.warnings.push_back(fmt::format("{}: channel \"{}\" ignored; linlearn reads train, validation, test and model",
                                         file.string(), name));
      continue;
    }
    channels[name] = read_channel_config(name, entry, file.string());
  }
}

// inputdataconfig.json's channels; without the file, the folders of input/data that are channels.
std::map<std::string, Channel> read_channels(const std::string& root, SageMakerJob& job) {
  const fs::path file = config_file(root, "inputdataconfig.json");
  std::map<std::string, Channel> channels;
  if (!fs::exists(file)) {
    for (const char* name : kChannels)
      if (fs::is_directory(fs::path(root) / "input" / "data" / name)) channels[name] = {};
    job.notes.push_back(fmt::format("{}: none; the channels are the folders of {}", file.string(),
                                    (fs::path(root) / "input" / "data").string()));
  } else {
    read_channel_configs(file, channels, job);
  }
  if (!channels.contains("train"))
    throw UsageError(fmt::format("{}: no \"train\" channel; training needs one", file.string()));
  return channels;
}

// Where a channel's data is: its folder (File, FastFile), or the first pass's FIFO (Pipe).
std::string channel_path(const std::string& root, const std::string& name, const Channel& c, SageMakerJob& job) {
  const fs::path data = fs::path(root) / "input" / "data";
  const std::string type = c.content_type.empty() ? "format detected per file" : c.content_type;
  if (c.mode == "Pipe") {
    const std::string fifo = (data / (name + "_0")).string();
    job.notes.push_back(
        fmt::format("channel {}: {}, Pipe mode: {} read once, then every epoch from memory (or an "
                    "on-disk cache)",
                    name, type, fifo));
    return fifo;
  }
  const std::string folder = (data / name).string();
  job.notes.push_back(fmt::format("channel {}: {}, {} mode: {}", name, type, c.mode, folder));
  return folder;
}

// One host trains; several would each train alone on their share and write different models.
void check_hosts(const std::string& root, SageMakerJob& job) {
  const fs::path file = config_file(root, "resourceconfig.json");
  if (!fs::exists(file)) return;
  const json doc = read_json(file);
  const auto hosts = doc.find("hosts");
  if (!doc.is_object() || hosts == doc.end() || !hosts->is_array())
    throw UsageError(file.string() + ": expected an object with \"hosts\", a list of host names");
  std::string names;
  for (const json& h : *hosts) names += (names.empty() ? "" : ", ") + (h.is_string() ? h.get<std::string>() : h.dump());
  if (hosts->size() > 1)
    throw UsageError(
        fmt::format("{}: {} hosts ({}): linlearn trains on one host; run the job with InstanceCount 1 "
                    "(training across SageMaker hosts is not supported)",
                    file.string(), hosts->size(), names));
  job.notes.push_back(fmt::format("host {} of {}", string_field(doc, "current_host", "algo-1", file.string()), names));
}

void set_channels(const std::string& root, const std::map<std::string, Channel>& channels, SageMakerJob& job) {
  TrainRequest& r = job.request;
  for (const auto& [name, c] : channels) {
    const std::string path = channel_path(root, name, c, job);
    // A channel without a ContentType is detected per file, whatever the others are.
    const std::string type = c.content_type.empty() ? "auto" : c.content_type;
    if (name == "train") {
      r.train = {path};
      r.content_type = type;
    } else if (name == "validation") {
      r.validation = {path};
      r.validation_content_type = type;
    } else if (name == "test") {
      r.test = {path};
      r.test_content_type = type;
    } else {
      r.initial_model = path;  // incremental training: the model.tar.gz of an earlier job
    }
  }
}

// root/checkpoints, or the LocalPath of checkpointconfig.json, which SageMaker writes when the job's
// CheckpointConfig names another.
std::string checkpoint_dir(const std::string& root, SageMakerJob& job) {
  const fs::path file = config_file(root, "checkpointconfig.json");
  const std::string fallback = (fs::path(root) / "checkpoints").string();
  if (!fs::exists(file)) return fallback;
  const json doc = read_json(file);
  if (!doc.is_object()) throw UsageError(file.string() + ": expected an object");
  const std::string dir = string_field(doc, "LocalPath", fallback, file.string());
  job.notes.push_back(fmt::format("checkpoints in {} ({})", dir, file.string()));
  return dir;
}

// A tuning objective measured on a channel the job does not have finds nothing to read.
void check_objective(SageMakerJob& job) {
  const auto it = job.request.hyperparameters.find("_tuning_objective_metric");
  if (it == job.request.hyperparameters.end() || it->second.empty()) return;
  const std::string channel = it->second.substr(0, it->second.find(':'));
  if ((channel == "validation" && job.request.validation.empty()) || (channel == "test" && job.request.test.empty()))
    job.warnings.push_back(
        fmt::format("_tuning_objective_metric {}: the job has no {} channel, so no such metric is "
                    "reported",
                    it->second, channel));
}

}  // namespace

std::string default_sagemaker_root() {
  const char* base = std::getenv("SAGEMAKER_BASE_DIR");
  return base != nullptr && *base != '\0' ? base : kDefaultRoot;
}

bool has_sagemaker_training_job(const std::string& root) {
  std::error_code ignored;
  return fs::is_regular_file(config_file(root, "hyperparameters.json"), ignored);
}

SageMakerJob read_sagemaker_job(const std::string& root, const TrainRequest& run) {
  SageMakerJob job{root, run, {}, {}};
  const fs::path hyperparameters = config_file(root, "hyperparameters.json");
  if (!fs::is_regular_file(hyperparameters))
    throw UsageError(fmt::format("{}: no such file; SageMaker's container mode reads the job's hyperparameters there",
                                 hyperparameters.string()));
  TrainRequest& r = job.request;
  r.hyperparameters = read_hyperparameters_json(hyperparameters.string());
  for (const auto& [name, value] : run.hyperparameters) r.hyperparameters[name] = value;  // the command line wins
  check_hosts(root, job);
  set_channels(root, read_channels(root, job), job);
  const fs::path base(root);
  r.output_dir = (base / "model").string();
  r.report_dir = (base / "output" / "data").string();
  r.checkpoint_dir = checkpoint_dir(root, job);
  r.cache_dir = (base / "output" / "cache").string();
  r.resume = true;  // a restarted job (spot training) continues; a new one starts from the beginning
  check_objective(job);
  return job;
}

}  // namespace linlearn
