// The epoch loop: batches from an epoch source through the kernel, the step's gradient from the
// reducer into the model set, per-epoch validation and early stopping, checkpoints, then the final
// measure of the last epoch's weights and selection.
#include "linlearn/trainer.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "batch_gradient.h"
#include "checkpoint.h"
#include "epoch_source.h"
#include "linlearn/class_weights.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "linlearn/normalizer.h"
#include "linlearn/random.h"
#include "model_set.h"
#include "mpi/gradient_reducer.h"
#include "selector.h"
#include "warm_parameters.h"

namespace linlearn {
namespace {

// init_method's random weights, or a warm start's model re-expressed in this run's normalized units.
// `d` weight rows per output: every feature, or for sparse data those of the training data's
// FeatureIndex `index`, so that a feature that never occurs has no weight to start from (it scores 0).
std::vector<ModelParameters> initial_parameters(const TrainConfig& config, std::size_t d, int outputs,
                                                const Normalization& norm, const LinearModel* initial_model,
                                                const FeatureIndex* index) {
  if (initial_model != nullptr)
    return std::vector<ModelParameters>(config.models.size(), warm_parameters(*initial_model, norm, d, index));
  std::vector<ModelParameters> params(config.models.size());
  for (std::size_t m = 0; m < params.size(); ++m) {
    Rng rng(config.seed, RandomStream::kInit, m);
    auto& p = params[m];
    p.weights.resize(d * static_cast<std::size_t>(outputs));
    for (float& w : p.weights)
      w = static_cast<float>(config.init.method == InitMethod::kUniform ? (2 * rng.uniform() - 1) * config.init.scale
                                                                        : rng.normal() * config.init.sigma);
    p.bias.assign(static_cast<std::size_t>(outputs), static_cast<float>(config.init.bias));
  }
  return params;
}

// Training in normalized label units: distances in the loss are divided by the label scale.
LossParams training_loss_params(LossParams p, const Normalization& norm) {
  p.huber_delta /= norm.label_scale;
  p.loss_insensitivity /= norm.label_scale;
  return p;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::unique_ptr<EpochSource> epoch_source(const Channels& channels, const TrainConfig& config,
                                          const ClassWeights& weights, Communicator& comm) {
  if (channels.streamed_train != nullptr) return make_streamed_epochs(*channels.streamed_train, config, weights, comm);
  return make_in_memory_epochs(*channels.train, config, weights, comm);
}

// The checkpoint's fingerprint: this process's data and options; under several ranks a hash of
// every rank's in rank order, so that a checkpoint resumes only the job (ranks and shares) that
// wrote it, and every rank checks it against the same value.
std::string job_fingerprint(const std::string& local, Communicator& comm) {
  if (comm.size() == 1) return local;
  std::vector<std::size_t> counts;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(local.data());
  const std::vector<std::uint8_t> all = comm.gather_bytes({bytes, local.size()}, counts);
  ContentHasher h;
  h.add(all.data(), all.size());
  const auto ranks = static_cast<std::uint64_t>(comm.size());
  h.add(&ranks, sizeof ranks);
  return h.hex();
}

// Rank 0's checkpoint bytes on every rank: only rank 0's storage has to keep the checkpoint (the
// models are the same on every rank), and every rank resumes from the same state.
std::optional<std::string> checkpoint_from_rank0(const std::string& path, Communicator& comm) {
  std::string message;
  std::optional<std::string> bytes;
  if (comm.rank() == 0) {
    try {
      bytes = read_checkpoint_bytes(path);
    } catch (const UsageError& e) {
      message = e.what();
    }
  }
  message = comm.first_error(message);
  if (!message.empty()) throw UsageError(message);
  if (comm.size() == 1) return bytes;
  // A leading byte says whether rank 0 found a checkpoint; the other ranks send nothing.
  std::string sent = bytes ? "1" + *bytes : std::string(comm.rank() == 0 ? "0" : "");
  std::vector<std::size_t> counts;
  const std::vector<std::uint8_t> all =
      comm.gather_bytes({reinterpret_cast<const std::uint8_t*>(sent.data()), sent.size()}, counts);
  if (all.empty() || all.front() != '1') return std::nullopt;
  return std::string(all.begin() + 1, all.begin() + static_cast<std::ptrdiff_t>(counts.front()));
}

// Every rank must end with the same models: a rank whose models drifted from the others' (a bug in
// how they step or share rows) would score its share with other weights, silently. Compares a
// hash of every model's parameters over the ranks (collective; the same verdict on every rank).
void check_ranks_hold_the_same_models(const ModelSet& models, Communicator& comm) {
  if (comm.size() == 1) return;
  ContentHasher h;
  for (std::size_t m = 0; m < models.size(); ++m) {
    const ModelParameters& p = models.state(m).params;
    h.add(p.weights.data(), p.weights.size() * sizeof(float));
    h.add(p.bias.data(), p.bias.size() * sizeof(float));
  }
  const std::string mine = h.hex();
  std::vector<std::size_t> counts;
  const std::vector<std::uint8_t> all =
      comm.gather_bytes({reinterpret_cast<const std::uint8_t*>(mine.data()), mine.size()}, counts);
  for (std::size_t r = 1, at = counts[0]; r < counts.size(); at += counts[r++])
    if (counts[r] != counts[0] || !std::equal(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(counts[0]),
                                              all.begin() + static_cast<std::ptrdiff_t>(at)))
      throw Error(fmt::format("rank {} ended training with other models than rank 0 (an internal error)", r),
                  kExitInternal);
}

class Trainer {
 public:
  Trainer(const TrainConfig& config, const Channels& channels, ThreadPool& pool, spdlog::logger& log,
          const TrainControl& control)
      : config_(config),
        channels_(channels),
        pool_(pool),
        log_(log),
        control_(control),
        comm_(control.communicator != nullptr ? *control.communicator : local_comm_),
        class_weights_{config.weighting.per_class},
        source_(epoch_source(channels, config, class_weights_, comm_)),
        sparse_(source_->shape().sparse),
        features_(sparse_ ? source_->nonzero_features(pool, comm_) : FeatureIndex{}),
        rows_(sparse_ ? features_.size() : source_->shape().feature_dim),
        norm_(compute_normalization(source_->shape(), config.normalization, config.seed, &comm_, index())),
        report_loss_(make_loss(config.loss, config.loss_params)),
        fit_loss_(make_loss(config.loss, training_loss_params(config.loss_params, norm_))),
        outputs_(report_loss_->outputs()),
        kernel_(source_->shape(), {}, norm_, *fit_loss_, *report_loss_, static_cast<int>(config.models.size()), pool,
                index()),
        reducer_(make_gradient_reducer(comm_, rows_, outputs_, sparse_)),
        models_(config, initial_parameters(config, rows_, outputs_, norm_, control.initial_model, index()), sparse_,
                log),
        selector_(config, norm_, *report_loss_, class_weights_, pool, comm_, index()) {
    double rows = static_cast<double>(source_->records());
    comm_.sum(std::span<double>(&rows, 1));
    total_rows_ = rows;
    outcome_.early_stopping_criterion = validated() ? "validation:objective_loss" : "train:objective_loss";
  }

  TrainOutcome run() {
    TrainingPosition start;
    training_started_ = std::chrono::steady_clock::now();
    if (!control_.checkpoint_path.empty()) fingerprint_ = job_fingerprint(source_->fingerprint(config_, pool_), comm_);
    if (control_.resume) start = restore_if_any();
    for (int epoch = start.epoch; epoch < config_.epochs && models_.any_training(); ++epoch) {
      run_epoch(epoch == start.epoch ? start : TrainingPosition{epoch});
      end_epoch(epoch);
      // Between epochs the ranks agree on a signal apart from the steps' exchange.
      const int stop = static_cast<int>(comm_.max(local_stop_signal()));
      if (stop != 0 && epoch + 1 < config_.epochs) interrupt({epoch + 1, 0, at_.updates, 0, 0}, stop);
    }
    check_ranks_hold_the_same_models(models_, comm_);
    measure_final_weights();
    models_.finish(static_cast<int>(outcome_.epochs.size()) - 1);
    const bool streamed = channels_.streamed_train != nullptr;
    selector_.select(models_,
                     validated()
                         ? SelectionChannel{"validation", channels_.validation, nullptr}
                         : SelectionChannel{"train", streamed ? nullptr : channels_.train, channels_.streamed_train},
                     outcome_);
    outcome_.models = models_.outcomes();
    outcome_.exchange_seconds = reducer_->exchange_seconds();
    return std::move(outcome_);
  }

 private:
  bool validated() const { return channels_.validation != nullptr; }
  int local_stop_signal() const { return control_.stop_signal != nullptr ? control_.stop_signal->load() : 0; }
  // Sparse data: the features that have weight rows.
  const FeatureIndex* index() const { return sparse_ ? &features_ : nullptr; }

  // One pass over the training records from `from` (a resumed epoch starts mid-way).
  void run_epoch(const TrainingPosition& from) {
    const auto started = std::chrono::steady_clock::now();
    const int epoch = from.epoch;
    models_.start_epoch(epoch, from.next_record == 0);
    // Ranks sum rows' gradients (see the reducer), which per-record steps then take as entries.
    const auto [row_sums, entries] = models_.sparse_gradients();
    const bool ranks = comm_.size() > 1;
    kernel_.set_sparse_gradients(row_sums || ranks, entries && !ranks);
    reducer_->want_entries(entries);
    const bool own_rows = ranks && sparse_ && models_.rows_step_independently() &&
                          models_.active().size() * static_cast<std::size_t>(outputs_) >= kOwnRowsColumns;
    if (!own_rows) share_optimizer_state();
    reducer_->step_own_rows(own_rows);
    state_split_ = state_split_ || own_rows;
    const std::vector<ModelParameters*> stepped = active_parameters();
    kernel_.set_measured(models_.measured_params());
    if (from.next_record == 0) models_.reset_epoch_losses();
    at_ = {epoch, from.next_record, from.updates > 0 ? from.updates : at_.updates, from.weight_sum, 0};
    source_->begin(epoch, from.next_record);
    Batch batch;
    while (source_->next(batch)) {
      // A lazily regularized row gets the penalties of the steps it skipped before it is read.
      if (sparse_) models_.catch_up(kernel_.prepare(*batch.data, batch.weights, batch.rows), pool_);
      const BatchGradient& local = kernel_.compute(*batch.data, batch.weights, batch.rows, models_.active_params(),
                                                   reducer_->divisor(batch.rows.size()));
      int stop = local_stop_signal();
      const BatchGradient& g = reducer_->reduce(local, batch.rows.size(), stop);
      at_.weight_sum += g.weight_sum;
      models_.step(g, at_.updates, pool_);
      reducer_->share_stepped(stepped);
      ++at_.updates;
      at_.next_record = batch.position;
      at_.epoch_seconds = from.epoch_seconds + seconds_since(started);
      if (control_.observer != nullptr)
        control_.observer->on_batch_end(
            {epoch, batch.records_done, source_->records(), at_.epoch_seconds, models_.running_loss(at_.weight_sum)});
      if (stop != 0 && !batch.last) interrupt(at_, stop);
    }
    if (sparse_) models_.catch_up_all(pool_);
    at_.epoch_seconds = from.epoch_seconds + seconds_since(started);
  }

  void end_epoch(int epoch) {
    EpochRecord record;
    record.epoch = epoch;
    // Models that stopped before this epoch were not computed: no loss to report.
    ModelEpoch not_computed;
    not_computed.train_loss = std::numeric_limits<double>::quiet_NaN();
    not_computed.progressive_loss = not_computed.train_loss;
    record.models.assign(models_.size(), not_computed);
    models_.record_losses(record, at_.weight_sum, outcome_.epochs);
    if (validated()) {
      const ScoredChannel scores = selector_.score(*channels_.validation, models_.active_params());
      const auto& active = models_.active();
      for (std::size_t i = 0; i < active.size(); ++i)
        record.models[active[i]].validation =
            selector_.evaluate(scores, static_cast<int>(i), default_threshold(config_.loss)).metrics;
    }
    models_.judge_epoch(epoch, record, outcome_.epochs, validated());
    for (std::size_t m = 0; m < models_.size(); ++m) record.models[m].status = models_.outcomes()[m].status;
    record.seconds = at_.epoch_seconds;
    record.records_per_second = at_.epoch_seconds > 0 ? total_rows_ / at_.epoch_seconds : 0;
    outcome_.epochs.push_back(record);
    save_at_epoch_end({epoch + 1, 0, at_.updates, 0, 0});
    if (control_.observer != nullptr) control_.observer->on_epoch_end(outcome_.epochs.back());
  }

  // The weights of the last epoch trained have had no next epoch to measure them: one pass over
  // the training records, in order, measures those of the models still training.
  void measure_final_weights() {
    std::vector<std::size_t> measured;
    ModelRefs params;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      if (models_.outcomes()[m].status != ModelStatus::kTraining) continue;
      measured.push_back(m);
      params.push_back(&models_.state(m).params);
    }
    if (measured.empty()) return;
    kernel_.set_measured(params);
    std::vector<double> sums(measured.size() + 1, 0.0);  // the models' loss sums, then the weight
    source_->in_order(static_cast<std::size_t>(config_.mini_batch_size), [&](const Batch& batch) {
      const BatchGradient& g = kernel_.measure(*batch.data, batch.weights, batch.rows);
      for (std::size_t i = 0; i < measured.size(); ++i) sums[i] += g.measured_loss_sum[i];
      sums.back() += g.weight_sum;
    });
    comm_.sum(sums);
    const auto last = static_cast<std::size_t>(outcome_.epochs.size() - 1);
    std::vector<double> losses(measured.size());
    for (std::size_t i = 0; i < measured.size(); ++i) {
      losses[i] = sums.back() > 0 ? sums[i] / sums.back() : 0.0;
      outcome_.epochs[last].models[measured[i]].train_loss = losses[i];
    }
    models_.judge_final(static_cast<int>(last), measured, losses, validated());
  }

  std::vector<ModelParameters*> active_parameters() {
    std::vector<ModelParameters*> params;
    for (std::size_t m : models_.active()) params.push_back(&models_.state(m).params);
    return params;
  }

  // Ranks that stepped their own rows hold the optimizer state of those rows alone: every rank's
  // comes to every rank, before rank 0 writes a checkpoint or the ranks step every row again
  // (collective).
  void share_optimizer_state() {
    if (!state_split_) return;
    for (std::size_t m = 0; m < models_.size(); ++m)
      for (std::span<float> moments : models_.state(m).optimizer->parameter_state(0))
        reducer_->share_own_ranges(moments);
    state_split_ = false;
  }

  // Collective under several ranks.
  void save(const TrainingPosition& at) {
    share_optimizer_state();
    if (comm_.rank() != 0) return;
    CheckpointState state{at, {}, outcome_.epochs};
    write_checkpoint(control_.checkpoint_path, fingerprint_, state, models_.size(),
                     [&](std::size_t m) { return models_.snapshot(m); });
  }

  // An epoch's checkpoint is skipped while the last one took more than a tenth of the time since it
  // was written, so that huge models (num_models x feature_dim 2^24) spend at most about a tenth of
  // the run on checkpoints; an interruption always writes one.
  void save_at_epoch_end(const TrainingPosition& at) {
    if (control_.checkpoint_path.empty()) return;
    // Rank 0's clock decides for every rank, as every rank takes part in save().
    const bool due = seconds_since(last_checkpoint_end_) >= kCheckpointTimeRatio * last_checkpoint_seconds_ &&
                     seconds_since(training_started_) >= control_.first_checkpoint_after_seconds;
    if (comm_.max(comm_.rank() == 0 && due ? 1 : 0) == 0) return;
    const auto started = std::chrono::steady_clock::now();
    save(at);
    last_checkpoint_end_ = std::chrono::steady_clock::now();
    last_checkpoint_seconds_ = seconds_since(started);
  }

  // Every rank stops after the same step. Rank 0 writes the checkpoint while the others wait: a
  // rank that ended first would have the launcher end the job before the checkpoint is complete.
  [[noreturn]] void interrupt(const TrainingPosition& at, int signal) {
    std::string error;
    try {
      if (!control_.checkpoint_path.empty()) save(at);
    } catch (const Error& e) {
      error = e.what();
    }
    error = comm_.first_error(error);
    if (!error.empty()) throw OutputError(error);
    throw Interrupted(fmt::format("interrupted by signal {} in epoch {}; checkpoint written to {}", signal,
                                  at.epoch + 1, control_.checkpoint_path.empty() ? "(none)" : control_.checkpoint_path),
                      128 + signal);
  }

  // A restarted job repeats its command: with nothing to resume it trains from the start, as
  // without --resume.
  TrainingPosition restore_if_any() {
    const std::optional<std::string> bytes = checkpoint_from_rank0(control_.checkpoint_path, comm_);
    if (bytes) return restore(*bytes);
    log_.info("--resume: no checkpoint at {}; training from the start", control_.checkpoint_path);
    return {};
  }

  TrainingPosition restore(const std::string& bytes) {
    CheckpointState s = parse_checkpoint(bytes, control_.checkpoint_path, fingerprint_);
    if (s.models.size() != models_.size())
      throw UsageError(fmt::format("{}: checkpoint holds {} models, this run trains {}", control_.checkpoint_path,
                                   s.models.size(), models_.size()));
    models_.restore(std::move(s.models));
    if (s.at.epoch >= config_.epochs || !models_.any_training())
      log_.info("--resume: {} is of a finished run; the artifacts are derived from it again", control_.checkpoint_path);
    outcome_.epochs = std::move(s.epochs);
    at_.updates = s.at.updates;
    log_.info("resuming from {} in epoch {}, record {}", control_.checkpoint_path, s.at.epoch + 1, s.at.next_record);
    return s.at;
  }

  const TrainConfig& config_;
  const Channels& channels_;
  ThreadPool& pool_;
  spdlog::logger& log_;
  const TrainControl& control_;
  LocalCommunicator local_comm_;
  Communicator& comm_;
  const ClassWeights class_weights_;
  const std::unique_ptr<EpochSource> source_;
  const bool sparse_;
  const FeatureIndex features_;  // sparse data: the features with a non-zero value somewhere
  const std::size_t rows_;       // weight rows per output: features_' or every feature
  const Normalization norm_;
  const std::unique_ptr<Loss> report_loss_;
  const std::unique_ptr<Loss> fit_loss_;
  const int outputs_;
  BatchGradientKernel kernel_;
  const std::unique_ptr<GradientReducer> reducer_;
  ModelSet models_;
  Selector selector_;
  TrainOutcome outcome_;
  TrainingPosition at_;
  static constexpr double kCheckpointTimeRatio = 10;
  // Ranks step their own rows when a row's step updates at least this many weight columns (models x
  // outputs): below, the second message per step costs more than the optimizer work it splits
  // (click log, 2 ranks over TCP: 1 model 3% slower, 3 models 10% faster; bench/RESULTS.md l).
  static constexpr std::size_t kOwnRowsColumns = 2;
  std::chrono::steady_clock::time_point training_started_{};
  std::chrono::steady_clock::time_point last_checkpoint_end_{};
  double last_checkpoint_seconds_ = 0;
  double total_rows_ = 0;     // over all ranks
  std::string fingerprint_;   // of the job's data and options, when checkpoints are written
  bool state_split_ = false;  // each rank holds the optimizer state of its own rows only (GradientReducer)
};

}  // namespace

std::string model_status_name(ModelStatus status) {
  switch (status) {
    case ModelStatus::kTraining:
      return "training";
    case ModelStatus::kEarlyStopped:
      return "early_stopped";
    case ModelStatus::kConverged:
      return "converged";
    case ModelStatus::kMaxEpochs:
      return "max_epochs";
    case ModelStatus::kDiverged:
      return "diverged";
    case ModelStatus::kPruned:
      return "pruned";
  }
  return "";
}

ModelStatus parse_model_status(const std::string& name) {
  for (ModelStatus s : {ModelStatus::kTraining, ModelStatus::kEarlyStopped, ModelStatus::kConverged,
                        ModelStatus::kMaxEpochs, ModelStatus::kDiverged, ModelStatus::kPruned})
    if (model_status_name(s) == name) return s;
  throw InputError(fmt::format("unknown model status '{}'", name));
}

TrainOutcome train_models(const TrainConfig& config, const Channels& channels, ThreadPool& pool, spdlog::logger& log,
                          const TrainControl& control) {
  Trainer trainer(config, channels, pool, log, control);
  return trainer.run();
}

}  // namespace linlearn
