#include "checkpoint.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkpoint.pb.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

constexpr const char* kCheckpointMagic = "LLCKPT1";
// 4: optimizer state with records and settings runs (lazy penalties), sparse data's weights per
// feature that occurs (FeatureIndex slots); 5: optimizer moments as floats, apart.
constexpr unsigned kCheckpointVersion = 5;

double from_json_number(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

nlohmann::json epochs_to_json(const std::vector<EpochRecord>& epochs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : epochs) {
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : e.models)
      models.push_back({{"train_loss", m.train_loss},
                        {"progressive_loss", m.progressive_loss},
                        {"validation", m.validation},
                        {"status", model_status_name(m.status)}});
    out.push_back(
        {{"epoch", e.epoch}, {"seconds", e.seconds}, {"records_per_second", e.records_per_second}, {"models", models}});
  }
  return out;
}

std::vector<EpochRecord> epochs_from_json(const nlohmann::json& j) {
  std::vector<EpochRecord> epochs;
  for (const auto& e : j) {
    EpochRecord r;
    r.epoch = e.at("epoch").get<int>();
    r.seconds = from_json_number(e.at("seconds"));
    r.records_per_second = from_json_number(e.at("records_per_second"));
    for (const auto& m : e.at("models")) {
      ModelEpoch me;
      me.train_loss = from_json_number(m.at("train_loss"));
      me.progressive_loss = from_json_number(m.at("progressive_loss"));
      for (const auto& [name, value] : m.at("validation").items()) me.validation[name] = from_json_number(value);
      me.status = parse_model_status(m.at("status").get<std::string>());
      r.models.push_back(me);
    }
    epochs.push_back(r);
  }
  return epochs;
}

}  // namespace

void ContentHasher::add(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::size_t i = 0;
  for (; i + 32 <= bytes; i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, 32);
    for (int lane = 0; lane < 4; ++lane) mix(lanes_[lane], w[lane]);
  }
  for (; i + 8 <= bytes; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    mix(lanes_[0], w);
  }
  std::uint64_t tail = 0;
  if (bytes > i) std::memcpy(&tail, p + i, bytes - i);  // an empty vector's data() may be null
  mix(lanes_[0], tail ^ (static_cast<std::uint64_t>(bytes) << 56));
}

std::string ContentHasher::hex() const {
  return fmt::format("{:016x}", value());
}

std::uint64_t ContentHasher::value() const {
  std::uint64_t h = lanes_[0];
  for (int lane = 1; lane < 4; ++lane) mix(h, lanes_[lane]);
  return h;
}

void ContentHasher::add_records(const Dataset& data, ThreadPool* pool) {
  // Every array in blocks of a fixed size, each hashed on its own, then the blocks' hashes in
  // order: the same value however many threads hash the blocks.
  constexpr std::size_t kBlockBytes = std::size_t{4} << 20;
  struct Block {
    const unsigned char* bytes;
    std::size_t size;
  };
  std::vector<Block> blocks;
  const auto cut = [&](const auto& array) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(array.data());
    const std::size_t size = array.size() * sizeof(array[0]);
    for (std::size_t at = 0; at < size; at += kBlockBytes)
      blocks.push_back({bytes + at, std::min(kBlockBytes, size - at)});
    blocks.push_back({nullptr, 0});  // ends the array, so that arrays cannot trade bytes
  };
  cut(data.labels);
  cut(data.dense);
  cut(data.row_ptr);
  cut(data.col_idx);
  cut(data.values);
  cut(data.value_codes);
  cut(data.palette);
  std::vector<std::uint64_t> hashes(blocks.size());
  const auto hash_block = [&](std::size_t b, int) {
    ContentHasher h;
    h.add(blocks[b].bytes, blocks[b].size);
    hashes[b] = h.value();
  };
  if (pool != nullptr) {
    pool->run(blocks.size(), hash_block);
  } else {
    for (std::size_t b = 0; b < blocks.size(); ++b) hash_block(b, 0);
  }
  add(hashes);
}

std::string training_fingerprint(const TrainConfig& config, const Dataset& train, ThreadPool& pool) {
  ContentHasher content;
  content.add_records(train, &pool);
  return training_fingerprint(config, train.rows(), train.feature_dim, train.sparse, content.hex());
}

std::string training_fingerprint(const TrainConfig& config, std::size_t rows, std::size_t feature_dim, bool sparse,
                                 const std::string& content_hash) {
  ContentHasher h;
  // A warm start's initial model is part of the options (absent otherwise, so cold runs keep their
  // fingerprints).
  const std::string options =
      config.resolved.dump() + (config.initial_model.empty() ? "" : " initial_model " + config.initial_model);
  h.add(options.data(), options.size());
  const std::uint64_t shape[] = {rows, feature_dim, sparse ? 1ULL : 0ULL};
  h.add(shape, sizeof shape);
  h.add(content_hash.data(), content_hash.size());
  return h.hex();
}

namespace {

// Moves `v` into `field`, releasing v's memory as soon as it is copied, so a wide model's state is
// held about once while its message is built.
template <class T, class Field>
void move_into(std::vector<T>& v, Field& field) {
  field.Assign(v.begin(), v.end());
  std::vector<T>().swap(v);
}

void fill_model(ModelCheckpointState&& m, pb::ModelCheckpoint& mc) {
  move_into(m.params.weights, *mc.mutable_weights());
  move_into(m.params.bias, *mc.mutable_bias());
  move_into(m.best.weights, *mc.mutable_best_weights());
  move_into(m.best.bias, *mc.mutable_best_bias());
  move_into(m.optimizer_state.values, *mc.mutable_optimizer_state());
  move_into(m.optimizer_state.moments, *mc.mutable_optimizer_moments());
  mc.set_has_initial(m.stopping.initial.has_value());
  mc.set_initial(m.stopping.initial.value_or(0));
  mc.set_has_first(m.stopping.first.has_value());
  mc.set_first(m.stopping.first.value_or(0));
  mc.set_has_best(m.stopping.best.has_value());
  mc.set_best(m.stopping.best.value_or(0));
  mc.set_best_epoch(m.stopping.best_epoch);
  mc.set_stale(m.stopping.stale);
  mc.set_last_improvement(m.stopping.last_improvement);
  mc.set_status(model_status_name(m.status));
  mc.set_stopped_at_epoch(m.stopped_at_epoch);
  mc.set_loss_sum(m.loss_sum);
  mc.set_has_first_progressive(m.stopping.first_progressive.has_value());
  mc.set_first_progressive(m.stopping.first_progressive.value_or(0));
  move_into(m.pending.weights, *mc.mutable_pending_weights());
  move_into(m.pending.bias, *mc.mutable_pending_bias());
  mc.set_pending_epoch(m.pending_epoch);
  mc.set_measured_sum(m.measured_sum);
}

}  // namespace

void write_checkpoint(const std::string& path, const std::string& fingerprint, const CheckpointState& s,
                      std::size_t model_count, const std::function<ModelCheckpointState(std::size_t)>& model) {
  pb::Checkpoint c;
  c.set_magic(kCheckpointMagic);
  c.set_format_version(kCheckpointVersion);
  c.set_fingerprint(fingerprint);
  c.set_epoch(s.at.epoch);
  c.set_next_record(s.at.next_record);
  c.set_updates(s.at.updates);
  c.set_weight_sum(s.at.weight_sum);
  c.set_epoch_seconds(s.at.epoch_seconds);
  c.set_epochs_json(epochs_to_json(s.epochs).dump());
  AtomicFile file(path);
  file.write(c);
  // Serialized messages concatenate into their merge, and a repeated field's entries append: each
  // model goes out as a Checkpoint holding only that model.
  for (std::size_t m = 0; m < model_count; ++m) {
    pb::Checkpoint one;
    fill_model(model(m), *one.add_models());
    file.write(one);
  }
  file.commit();
}

std::optional<std::string> read_checkpoint_bytes(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  if (!(in && bytes << in.rdbuf())) throw UsageError(fmt::format("--resume: cannot read the checkpoint {}", path));
  return bytes.str();
}

CheckpointState read_checkpoint(const std::string& path, const std::string& fingerprint) {
  const std::optional<std::string> bytes = read_checkpoint_bytes(path);
  if (!bytes) throw UsageError(fmt::format("--resume: no checkpoint at {}", path));
  return parse_checkpoint(*bytes, path, fingerprint);
}

CheckpointState parse_checkpoint(const std::string& bytes, const std::string& path, const std::string& fingerprint) {
  pb::Checkpoint c;
  if (!c.ParseFromString(bytes) || c.magic() != kCheckpointMagic)
    throw UsageError(fmt::format("--resume: {} is not a linlearn checkpoint", path));
  if (c.format_version() != kCheckpointVersion)
    throw UsageError(fmt::format("--resume: {} has checkpoint version {}, expected {}", path, c.format_version(),
                                 kCheckpointVersion));
  if (c.fingerprint() != fingerprint)
    throw UsageError(fmt::format("--resume: {} was written for other data or options (fingerprint {} != {})", path,
                                 c.fingerprint(), fingerprint));
  CheckpointState s;
  s.at = {c.epoch(), c.next_record(), c.updates(), c.weight_sum(), c.epoch_seconds()};
  for (const auto& mc : c.models()) {
    ModelCheckpointState m;
    m.params.weights.assign(mc.weights().begin(), mc.weights().end());
    m.params.bias.assign(mc.bias().begin(), mc.bias().end());
    m.best.weights.assign(mc.best_weights().begin(), mc.best_weights().end());
    m.best.bias.assign(mc.best_bias().begin(), mc.best_bias().end());
    m.optimizer_state.values.assign(mc.optimizer_state().begin(), mc.optimizer_state().end());
    m.optimizer_state.moments.assign(mc.optimizer_moments().begin(), mc.optimizer_moments().end());
    if (mc.has_initial()) m.stopping.initial = mc.initial();
    if (mc.has_first()) m.stopping.first = mc.first();
    if (mc.has_best()) m.stopping.best = mc.best();
    m.stopping.best_epoch = mc.best_epoch();
    m.stopping.stale = mc.stale();
    m.stopping.last_improvement = mc.last_improvement();
    m.status = parse_model_status(mc.status());
    m.stopped_at_epoch = mc.stopped_at_epoch();
    m.loss_sum = mc.loss_sum();
    if (mc.has_first_progressive()) m.stopping.first_progressive = mc.first_progressive();
    m.pending.weights.assign(mc.pending_weights().begin(), mc.pending_weights().end());
    m.pending.bias.assign(mc.pending_bias().begin(), mc.pending_bias().end());
    m.pending_epoch = mc.pending_epoch();
    m.measured_sum = mc.measured_sum();
    s.models.push_back(std::move(m));
  }
  try {
    s.epochs = epochs_from_json(nlohmann::json::parse(c.epochs_json()));
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("--resume: {} is corrupt: {}", path, e.what()));
  }
  return s;
}

}  // namespace linlearn
