// The epoch loop: shuffle, mini-batches through the kernel, optimizer steps per model, per-epoch
// evaluation, early stopping, checkpoints, then selection of the best model with its calibrated
// threshold.
#include "linlearn/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "batch_gradient.h"
#include "checkpoint.h"
#include "early_stopping.h"
#include "linlearn/class_weights.h"
#include "linlearn/errors.h"
#include "linlearn/loss.h"
#include "linlearn/lr_schedule.h"
#include "linlearn/normalizer.h"
#include "linlearn/optimizer.h"
#include "linlearn/random.h"
#include "linlearn/scoring.h"
#include "linlearn/shuffler.h"
#include "linlearn/streaming_epoch.h"
#include "model_state.h"
#include "raw_model.h"

namespace linlearn {
namespace {

std::vector<ModelParameters> initial_parameters(const TrainConfig& config, std::size_t d, int outputs) {
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

// The training records' shape; for streamed data, the scaler sample (which has the cache's shape)
// also stands for the data in the statistics computed from a sample.
const Dataset& training_shape(const Channels& channels) {
  return channels.streamed_train != nullptr ? channels.streamed_train->scaler_sample : *channels.train;
}

Communicator& checked_communicator(const TrainControl& control, const Channels& channels, Communicator& local) {
  if (control.communicator == nullptr) return local;
  if (channels.streamed_train != nullptr && control.communicator->size() > 1)
    throw UsageError("training data larger than --max-memory cannot be streamed under MPI; raise --max-memory");
  return *control.communicator;
}

// Scores of a channel gathered from every rank, in rank order, with their labels and weights.
struct GatheredScores {
  std::vector<float> margins;  // rows x columns
  std::vector<float> labels;
  std::vector<float> weights;
  Eigen::Index columns = 0;
};

class Trainer {
 public:
  Trainer(const TrainConfig& config, const Channels& channels, ThreadPool& pool, spdlog::logger& log,
          const TrainControl& control)
      : config_(config),
        channels_(channels),
        pool_(pool),
        log_(log),
        control_(control),
        comm_(checked_communicator(control, channels, local_comm_)),
        streamed_(channels.streamed_train),
        shape_(training_shape(channels)),
        norm_(compute_normalization(shape_, config.normalization, config.seed, &comm_)),
        report_loss_(make_loss(config.loss, config.loss_params)),
        fit_loss_(make_loss(config.loss, training_loss_params(config.loss_params, norm_))),
        outputs_(report_loss_->outputs()),
        class_weights_{config.weighting.per_class},
        train_weights_(streamed_ == nullptr ? class_weights_.for_records(*channels.train) : std::vector<float>{}),
        validation_weights_(channels.validation != nullptr ? class_weights_.for_records(*channels.validation)
                                                           : std::vector<float>{}),
        kernel_(shape_, train_weights_, norm_, *fit_loss_, *report_loss_, static_cast<int>(config.models.size()),
                pool) {
    const auto params = initial_parameters(config, shape_.feature_dim, outputs_);
    for (std::size_t m = 0; m < config.models.size(); ++m)
      models_.emplace_back(params[m], make_optimizer(config.models[m].optimizer), config.early_stopping);
    outcome_.models.resize(models_.size());
    outcome_.class_weights = class_weights_.per_class;
    double rows = static_cast<double>(train_rows());
    comm_.sum(std::span<double>(&rows, 1));
    total_rows_ = rows;
    outcome_.early_stopping_criterion =
        channels.validation != nullptr ? "validation:objective_loss" : "train:objective_loss";
  }

  TrainOutcome run() {
    Position start;
    if (control_.resume) start = restore();
    for (int epoch = start.epoch; epoch < config_.epochs && any_training(); ++epoch) {
      const Position at = epoch == start.epoch ? start : Position{epoch};
      start_epoch(epoch, at);
      if (streamed_ != nullptr) {
        run_streamed_epoch(epoch, at);
      } else {
        run_epoch(epoch, at);
      }
      end_epoch(epoch);
      if (control_.stop_signal != nullptr && control_.stop_signal->load() != 0 && epoch + 1 < config_.epochs)
        interrupt({epoch + 1, 0, updates_, 0, 0});
    }
    measure_final_weights();
    finish_statuses();
    select();
    return std::move(outcome_);
  }

 private:
  struct Position {
    int epoch = 0;
    std::size_t next_record = 0;
    std::int64_t updates = 0;
    double weight_sum = 0;
    double seconds = 0;
  };

  std::size_t train_rows() const {
    return streamed_ != nullptr ? streamed_->cache->records() : channels_.train->rows();
  }

  bool any_training() const {
    for (const auto& m : outcome_.models)
      if (m.status == ModelStatus::kTraining) return true;
    return false;
  }

  // Statuses change only between epochs, so the models an epoch computes are fixed at its start.
  // The weights a model ends an epoch with are measured on the next epoch's pass over the data
  // (their exact training loss, read as the records stream by), so each model training on since
  // the epoch before keeps a copy of them; a run resumed mid-epoch has its copies back already.
  void start_epoch(int epoch, const Position& at) {
    active_.clear();
    active_params_.clear();
    measured_.clear();
    ModelRefs measured_params;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      if (outcome_.models[m].status != ModelStatus::kTraining) continue;
      ModelState& ms = models_[m];
      active_.push_back(m);
      active_params_.push_back(&ms.params);
      if (epoch == 0) continue;
      if (at.next_record == 0) {
        ms.pending = ms.params;
        ms.pending_epoch = epoch - 1;
        ms.measured_sum = 0;
      }
      measured_.push_back(m);
      measured_params.push_back(&ms.pending);
    }
    kernel_.set_measured(measured_params);
  }

  // The running mean loss of the first model still training, for progress reports.
  double running_loss() const {
    return weight_sum_ > 0 && !active_.empty() ? models_[active_.front()].loss_sum / weight_sum_ : 0.0;
  }

  // One pass over the training records. With several ranks each rank walks its own shard in
  // steps of ceil(mini_batch_size / ranks) records, all ranks take the same number of steps (a rank
  // that runs out contributes empty batches), and every step's gradient is summed over ranks.
  void run_epoch(int epoch, Position at) {
    const auto started = std::chrono::steady_clock::now();
    const std::size_t rows = channels_.train->rows();
    const auto order = epoch_order(rows, config_.seed, epoch, config_.shuffle);
    const bool distributed = comm_.size() > 1;
    const auto global_batch = static_cast<std::size_t>(config_.mini_batch_size);
    const std::size_t batch_size = distributed ? (global_batch + comm_.size() - 1) / comm_.size() : global_batch;
    const auto local_steps = static_cast<long long>((rows + batch_size - 1) / batch_size);
    const std::size_t steps = static_cast<std::size_t>(distributed ? comm_.max(local_steps) : local_steps);
    weight_sum_ = at.weight_sum;
    if (at.next_record == 0)
      for (auto& m : models_) m.loss_sum = 0;
    if (at.epoch == epoch && at.updates > 0) updates_ = at.updates;
    for (std::size_t s = at.next_record / batch_size; s < steps; ++s) {
      const std::size_t begin = std::min(rows, s * batch_size);
      const std::span<const std::uint32_t> batch(order.data() + begin, std::min(batch_size, rows - begin));
      if (distributed) {
        step(sum_over_ranks(kernel_.compute(batch, active_params_, 1.0), batch.size()));
      } else {
        step(kernel_.compute(batch, active_params_, static_cast<double>(batch.size())));
      }
      ++updates_;
      if (control_.observer != nullptr)
        control_.observer->on_batch_end(
            {epoch, std::min(rows, begin + batch_size), rows, at.seconds + seconds_since(started), running_loss()});
      if (control_.stop_signal != nullptr && control_.stop_signal->load() != 0 && s + 1 < steps)
        interrupt({epoch, (s + 1) * batch_size, updates_, weight_sum_, at.seconds + seconds_since(started)});
    }
    epoch_seconds_ = at.seconds + seconds_since(started);
  }

  // One pass over the cached training records: batches come from a StreamingEpoch, which gives
  // the same batches on every run for (seed, epoch), so a resumed epoch replays the batches done
  // before the checkpoint without computing them.
  void run_streamed_epoch(int epoch, Position at) {
    const auto started = std::chrono::steady_clock::now();
    const std::size_t rows = streamed_->cache->records();
    const auto batch_size = static_cast<std::size_t>(config_.mini_batch_size);
    StreamingEpoch stream(*streamed_->cache, config_.seed, epoch, config_.shuffle, streamed_->shuffle_buffer);
    weight_sum_ = at.weight_sum;
    if (at.next_record == 0)
      for (auto& m : models_) m.loss_sum = 0;
    if (at.epoch == epoch && at.updates > 0) updates_ = at.updates;
    Dataset batch;
    std::vector<std::uint32_t> indices;
    std::size_t done = 0;
    while (stream.next_batch(batch_size, batch)) {
      done += batch.rows();
      if (done <= at.next_record) continue;
      const std::vector<float> weights = class_weights_.for_records(batch);
      if (indices.size() != batch.rows()) {
        indices.resize(batch.rows());
        std::iota(indices.begin(), indices.end(), 0U);
      }
      step(kernel_.compute(batch, weights, indices, active_params_, static_cast<double>(batch.rows())));
      ++updates_;
      if (control_.observer != nullptr)
        control_.observer->on_batch_end({epoch, done, rows, at.seconds + seconds_since(started), running_loss()});
      if (control_.stop_signal != nullptr && control_.stop_signal->load() != 0 && done < rows)
        interrupt({epoch, done, updates_, weight_sum_, at.seconds + seconds_since(started)});
    }
    epoch_seconds_ = at.seconds + seconds_since(started);
  }

  // Adds the ranks' gradient sums and divides by the global record count. Sparse shards touch
  // different features, so each rank's touched rows are spread over the whole gradient, which is
  // summed, and every feature row is updated.
  const BatchGradient& sum_over_ranks(const BatchGradient& local, std::size_t local_records) {
    global_ = local;
    std::vector<float> flat;
    const auto k = static_cast<std::size_t>(outputs_);
    for (std::size_t m = 0; m < active_.size(); ++m) {
      const ModelParameters& g = global_.grads[m];
      if (shape_.sparse) {
        const std::size_t at = flat.size();
        flat.resize(at + shape_.feature_dim * k, 0.0F);
        for (std::size_t i = 0; i < local.touched.size(); ++i)
          std::copy_n(g.weights.begin() + static_cast<std::ptrdiff_t>(i * k), k,
                      flat.begin() + static_cast<std::ptrdiff_t>(at + local.touched[i] * k));
      } else {
        flat.insert(flat.end(), g.weights.begin(), g.weights.end());
      }
      flat.insert(flat.end(), g.bias.begin(), g.bias.end());
    }
    std::vector<double> totals(global_.loss_sum);
    totals.insert(totals.end(), global_.measured_loss_sum.begin(), global_.measured_loss_sum.end());
    totals.push_back(global_.weight_sum);
    totals.push_back(static_cast<double>(local_records));
    comm_.sum(flat);
    comm_.sum(totals);
    const double records = totals.back();
    const float scale = records > 0 ? static_cast<float>(1.0 / records) : 0.0F;
    std::size_t at = 0;
    for (std::size_t m = 0; m < active_.size(); ++m) {
      ModelParameters& g = global_.grads[m];
      if (shape_.sparse) g.weights.resize(shape_.feature_dim * k);
      for (float& v : g.weights) v = flat[at++] * scale;
      for (float& v : g.bias) v = flat[at++] * scale;
    }
    for (std::size_t m = 0; m < global_.loss_sum.size(); ++m) global_.loss_sum[m] = totals[m];
    for (std::size_t m = 0; m < global_.measured_loss_sum.size(); ++m)
      global_.measured_loss_sum[m] = totals[global_.loss_sum.size() + m];
    global_.weight_sum = totals[totals.size() - 2];
    if (shape_.sparse) {
      global_.touched.resize(shape_.feature_dim);
      std::iota(global_.touched.begin(), global_.touched.end(), 0U);
    }
    return global_;
  }

  // `g` holds one gradient per active model, in the order of active_.
  void step(const BatchGradient& g) {
    if (updates_ == 0 && g.weight_sum > 0)
      for (std::size_t i = 0; i < active_.size(); ++i)
        models_[active_[i]].stopping.set_initial_loss(g.loss_sum[i] / g.weight_sum);
    weight_sum_ += g.weight_sum;
    for (std::size_t i = 0; i < measured_.size(); ++i) models_[measured_[i]].measured_sum += g.measured_loss_sum[i];
    // Each model has its own parameters and optimizer state, so models step in parallel.
    pool_.run(active_.size(), [&](std::size_t i, int) {
      const std::size_t m = active_[i];
      ModelState& ms = models_[m];
      ms.loss_sum += g.loss_sum[i];
      const ModelSettings& s = config_.models[m];
      const double lr = scheduled_learning_rate(s.learning_rate, s.schedule, updates_);
      const StepSettings weight_step{lr, s.wd, s.l1};
      if (shape_.sparse) {
        ms.optimizer->step_rows(0, ms.params.weights.data(), g.grads[i].weights.data(), ms.params.weights.size(),
                                g.touched, static_cast<std::size_t>(outputs_), weight_step);
      } else {
        ms.optimizer->step(0, ms.params.weights.data(), g.grads[i].weights.data(), ms.params.weights.size(),
                           weight_step);
      }
      if (config_.use_bias)
        ms.optimizer->step(1, ms.params.bias.data(), g.grads[i].bias.data(), ms.params.bias.size(),
                           StepSettings{lr * s.bias_lr_mult, s.wd * s.bias_wd_mult, 0.0});
    });
  }

  void end_epoch(int epoch) {
    EpochRecord record;
    record.epoch = epoch;
    // Models that stopped before this epoch were not computed: no loss to report.
    ModelEpoch not_computed;
    not_computed.train_loss = std::numeric_limits<double>::quiet_NaN();
    not_computed.progressive_loss = not_computed.train_loss;
    record.models.assign(models_.size(), not_computed);
    for (std::size_t m : active_)
      record.models[m].progressive_loss = weight_sum_ > 0 ? models_[m].loss_sum / weight_sum_ : 0.0;
    // The weights each measured model ended the previous epoch with, now measured exactly.
    for (std::size_t m : measured_) {
      ModelState& ms = models_[m];
      outcome_.epochs[static_cast<std::size_t>(ms.pending_epoch)].models[m].train_loss =
          weight_sum_ > 0 ? ms.measured_sum / weight_sum_ : 0.0;
    }
    if (channels_.validation != nullptr) {
      const auto scores = gather_margins(*channels_.validation, validation_weights_, active_params_);
      for (std::size_t i = 0; i < active_.size(); ++i) {
        const Evaluation e = evaluate(scores, static_cast<int>(i), default_threshold(config_.loss));
        record.models[active_[i]].validation = e.metrics;
      }
    }
    for (std::size_t m : active_) judge(m, epoch, record);
    if (config_.prune_models) prune(epoch, record);
    for (std::size_t m = 0; m < models_.size(); ++m) record.models[m].status = outcome_.models[m].status;
    record.seconds = epoch_seconds_;
    record.records_per_second = epoch_seconds_ > 0 ? total_rows_ / epoch_seconds_ : 0;
    outcome_.epochs.push_back(record);
    save_at_epoch_end({epoch + 1, 0, updates_, 0, 0});
    if (control_.observer != nullptr) control_.observer->on_epoch_end(outcome_.epochs.back(), outcome_);
  }

  // Early stopping for one model after `epoch`: on the validation loss of the weights it ends the
  // epoch with or, without a validation channel, on the exact training loss of the weights it
  // ended the epoch before with (measured during this one). A loss that turns NaN or explodes
  // during the epoch is divergence at once.
  void judge(std::size_t m, int epoch, const EpochRecord& record) {
    ModelOutcome& mo = outcome_.models[m];
    ModelState& ms = models_[m];
    const ModelEpoch& me = record.models[m];
    const bool validated = channels_.validation != nullptr;
    if (ms.stopping.diverges(me.progressive_loss)) return diverge(m, epoch, me.progressive_loss);
    if (!validated && ms.pending_epoch < 0) return;
    const int judged = validated ? epoch : ms.pending_epoch;
    const double criterion = validated ? me.validation.at("objective_loss")
                                       : outcome_.epochs[static_cast<std::size_t>(judged)].models[m].train_loss;
    switch (ms.stopping.update(judged, criterion)) {
      case EarlyStopping::Verdict::kImproved:
        ms.best = validated ? ms.params : std::move(ms.pending);
        break;
      case EarlyStopping::Verdict::kNoImprovement:
        break;
      case EarlyStopping::Verdict::kStop:
        mo.status = ModelStatus::kEarlyStopped;
        mo.stopped_at_epoch = epoch;
        break;
      case EarlyStopping::Verdict::kDiverged:
        return diverge(m, epoch, criterion);
    }
    ms.release_pending();
    mo.best_epoch = ms.stopping.best_epoch();
    mo.best_criterion = ms.stopping.best();
  }

  void diverge(std::size_t m, int epoch, double loss) {
    ModelOutcome& mo = outcome_.models[m];
    mo.status = ModelStatus::kDiverged;
    mo.stopped_at_epoch = epoch;
    models_[m].release_pending();
    // Models 1.. of the grid try bolder settings on purpose; only the given settings diverging is a warning.
    log_.log(m == 0 ? spdlog::level::warn : spdlog::level::debug,
             "model {} diverged at epoch {} (loss {}); learning_rate={} optimizer={}", m, epoch + 1, loss,
             config_.models[m].learning_rate, optimizer_kind_name(config_.models[m].optimizer.kind));
  }

  // The weights of the last epoch trained have had no next epoch to measure them: one pass over
  // the training records, in order, measures those of the models still training.
  void measure_final_weights() {
    measured_.clear();
    ModelRefs params;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      if (outcome_.models[m].status != ModelStatus::kTraining) continue;
      measured_.push_back(m);
      params.push_back(&models_[m].params);
    }
    if (measured_.empty()) return;
    kernel_.set_measured(params);
    std::vector<double> sums(measured_.size() + 1, 0.0);  // the models' loss sums, then the weight
    const auto add = [&](const BatchGradient& g) {
      for (std::size_t i = 0; i < measured_.size(); ++i) sums[i] += g.measured_loss_sum[i];
      sums.back() += g.weight_sum;
    };
    const auto batch_size = static_cast<std::size_t>(config_.mini_batch_size);
    std::vector<std::uint32_t> batch;
    const auto in_order = [&](std::size_t begin, std::size_t end) {
      batch.resize(end - begin);
      std::iota(batch.begin(), batch.end(), static_cast<std::uint32_t>(begin));
      return std::span<const std::uint32_t>(batch);
    };
    if (streamed_ != nullptr) {
      for (std::size_t b = 0; b < streamed_->cache->blocks(); ++b) {
        const Dataset block = streamed_->cache->read_block(b);
        const std::vector<float> weights = class_weights_.for_records(block);
        for (std::size_t r = 0; r < block.rows(); r += batch_size)
          add(kernel_.measure(block, weights, in_order(r, std::min(block.rows(), r + batch_size))));
      }
    } else {
      const std::size_t rows = channels_.train->rows();
      for (std::size_t r = 0; r < rows; r += batch_size)
        add(kernel_.measure(in_order(r, std::min(rows, r + batch_size))));
    }
    comm_.sum(sums);
    const int last = static_cast<int>(outcome_.epochs.size()) - 1;
    for (std::size_t i = 0; i < measured_.size(); ++i) {
      const std::size_t m = measured_[i];
      const double loss = sums.back() > 0 ? sums[i] / sums.back() : 0.0;
      outcome_.epochs[static_cast<std::size_t>(last)].models[m].train_loss = loss;
      if (channels_.validation != nullptr) continue;
      ModelState& ms = models_[m];
      if (ms.stopping.update(last, loss) == EarlyStopping::Verdict::kImproved) ms.best = ms.params;
      outcome_.models[m].best_epoch = ms.stopping.best_epoch();
      outcome_.models[m].best_criterion = ms.stopping.best();
    }
  }

  // Successive halving: once epoch + 1 is a power of two (after epochs 1, 3, 7, ...) the worse half of
  // the models still training stop, by this epoch's criterion (ties keep the lower index), so a grid
  // of num_models costs little more than its best model. Every rank sees the same criteria.
  void prune(int epoch, const EpochRecord& record) {
    const int done = epoch + 1;
    if (done < 2 || (done & (done - 1)) != 0) return;
    // Ranked by this epoch's validation loss, or without one by its progressive training loss
    // (the exact one is measured only during the next epoch).
    const auto rank = [&](std::size_t m) {
      const ModelEpoch& me = record.models[m];
      return channels_.validation != nullptr ? me.validation.at("objective_loss") : me.progressive_loss;
    };
    std::vector<std::size_t> training;
    for (std::size_t m = 0; m < models_.size(); ++m)
      if (outcome_.models[m].status == ModelStatus::kTraining) training.push_back(m);
    if (training.size() < 2) return;
    std::stable_sort(training.begin(), training.end(), [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
    const std::size_t keep = (training.size() + 1) / 2;
    std::string pruned;
    for (std::size_t i = keep; i < training.size(); ++i) {
      const std::size_t m = training[i];
      outcome_.models[m].status = ModelStatus::kPruned;
      outcome_.models[m].stopped_at_epoch = epoch;
      models_[m].release_pending();
      pruned += fmt::format("{}{}", pruned.empty() ? "" : ", ", m);
    }
    log_.debug("after epoch {}: models {} pruned (successive halving; --prune-models false keeps every model)",
               epoch + 1, pruned);
  }

  void finish_statuses() {
    const int last_epoch = static_cast<int>(outcome_.epochs.size()) - 1;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      ModelOutcome& mo = outcome_.models[m];
      if (mo.status != ModelStatus::kTraining) continue;
      mo.stopped_at_epoch = last_epoch;
      mo.status = models_[m].stopping.still_improving() ? ModelStatus::kMaxEpochs : ModelStatus::kConverged;
      mo.last_improvement = models_[m].stopping.last_improvement();
    }
  }

  // Margins of every model on a channel, in raw units, gathered over ranks.
  GatheredScores gather_margins(const Dataset& data, const std::vector<float>& weights, const ModelRefs& params) {
    RowMatrix raw_w;
    Eigen::RowVectorXf raw_b;
    raw_parameters(params, norm_, outputs_, raw_w, raw_b);
    const RowMatrix margins = compute_margins(data, raw_w, raw_b, pool_);
    GatheredScores g;
    g.columns = margins.cols();
    g.margins = comm_.gather(std::span<const float>(margins.data(), static_cast<std::size_t>(margins.size())));
    g.labels = comm_.gather(data.labels);
    g.weights = comm_.gather(weights);
    return g;
  }

  Evaluation evaluate(const GatheredScores& s, int model, double threshold) const {
    const Eigen::Map<const RowMatrix> margins(s.margins.data(), static_cast<Eigen::Index>(s.labels.size()), s.columns);
    return evaluate_margins(margins, model * outputs_, *report_loss_, s.labels, s.weights,
                            {config_.predictor_type, threshold, config_.accuracy_top_k, config_.f_beta});
  }

  // Every model's metrics over the cached training records (exact but roc_auc_score) with its
  // scores of a bounded uniform sample, whose labels and weights go to `sample`. Models are scored
  // in groups whose raw weights stay under kGroupBytes, so a huge feature_dim costs more passes
  // over the cache rather than memory.
  std::vector<Evaluation> streamed_evaluations(const ModelRefs& params, GatheredScores& sample) {
    constexpr std::size_t kGroupBytes = std::size_t{64} << 20;
    const std::size_t model_bytes = sizeof(float) * shape_.feature_dim * static_cast<std::size_t>(outputs_);
    const std::size_t group =
        std::clamp<std::size_t>(kGroupBytes / std::max<std::size_t>(model_bytes, 1), 1, params.size());
    const std::size_t sample_records =
        std::min(streamed_->evaluation_sample, static_cast<std::size_t>(config_.selection.num_calibration_samples));
    const EvaluationSettings settings{config_.predictor_type, default_threshold(config_.loss), config_.accuracy_top_k,
                                      config_.f_beta};
    std::vector<Evaluation> evaluations;
    for (std::size_t first = 0; first < params.size(); first += group) {
      const ModelRefs some(params.begin() + static_cast<std::ptrdiff_t>(first),
                           params.begin() + static_cast<std::ptrdiff_t>(std::min(params.size(), first + group)));
      RowMatrix raw_w;
      Eigen::RowVectorXf raw_b;
      raw_parameters(some, norm_, outputs_, raw_w, raw_b);
      CacheEvaluation scored = evaluate_cache(*streamed_->cache, raw_w, raw_b, *report_loss_, settings, class_weights_,
                                              sample_records, config_.seed, pool_);
      for (auto& e : scored.models) evaluations.push_back(std::move(e));
      sample.labels = std::move(scored.labels);
      sample.weights = std::move(scored.weights);
    }
    return evaluations;
  }

  // Selection: every usable model's best epoch, scored on validation data (training data without it).
  // Only the candidates are scored: pruned and diverged models would cost a column of margins each.
  void select() {
    const bool has_validation = channels_.validation != nullptr;
    // Streamed training data is too large to hold its scores: exact metrics are streamed and a
    // bounded uniform sample stands for it in the threshold calibration.
    const bool streamed = !has_validation && streamed_ != nullptr;
    std::vector<std::size_t> candidates;
    ModelRefs best;
    for (std::size_t m = 0; m < models_.size(); ++m) {
      const ModelOutcome& mo = outcome_.models[m];
      if (mo.status == ModelStatus::kDiverged || mo.status == ModelStatus::kPruned || mo.best_epoch < 0) continue;
      candidates.push_back(m);
      best.push_back(&models_[m].best);
    }
    GatheredScores shared;
    std::vector<Evaluation> streamed_scores;
    if (has_validation) {
      shared = gather_margins(*channels_.validation, validation_weights_, best);
    } else if (streamed) {
      streamed_scores = streamed_evaluations(best, shared);
    } else {
      shared = gather_margins(*channels_.train, train_weights_, best);
    }
    // A streamed run's sample already is the calibration sample.
    const auto sample = uniform_sample(
        shared.labels.size(),
        streamed ? shared.labels.size() : static_cast<std::size_t>(config_.selection.num_calibration_samples),
        config_.seed, static_cast<std::uint64_t>(RandomStream::kCalibrationSample));
    outcome_.calibration_records = sample.size();
    outcome_.selection_criterion = config_.predictor_type == PredictorType::kBinary
                                       ? selection_criterion_name(config_.selection.target.criterion)
                                       : "loss_function";
    int selected = -1;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const std::size_t m = candidates[i];
      ModelOutcome& mo = outcome_.models[m];
      const Evaluation e = streamed ? std::move(streamed_scores[i])
                                    : evaluate(shared, static_cast<int>(i), default_threshold(config_.loss));
      if (!std::isfinite(e.metrics.at("objective_loss"))) {
        mo.status = ModelStatus::kDiverged;
        continue;
      }
      // Scored on the training records, the best epoch's loss is computed as evaluate computes it
      // from the saved model (the kernel's measure of it differs in the last float digits).
      if (!has_validation)
        outcome_.epochs[static_cast<std::size_t>(mo.best_epoch)].models[m].train_loss = e.metrics.at("objective_loss");
      mo.selection_score = selection_value(e, shared, sample, mo.threshold);
      if (selected < 0 || mo.selection_score > outcome_.models[static_cast<std::size_t>(selected)].selection_score)
        selected = static_cast<int>(m);
    }
    outcome_.selected = selected;
    if (selected < 0) return;
    outcome_.model = make_linear_model(config_, models_[static_cast<std::size_t>(selected)].best, norm_, outputs_);
    outcome_.model.threshold = outcome_.models[static_cast<std::size_t>(selected)].threshold;
  }

  double selection_value(const Evaluation& e, const GatheredScores& s, const std::vector<std::uint32_t>& sample,
                         double& threshold) const {
    threshold = default_threshold(config_.loss);
    if (config_.predictor_type != PredictorType::kBinary ||
        config_.selection.target.criterion == SelectionCriterion::kLossFunction)
      return -e.metrics.at("objective_loss");
    std::vector<float> scores, labels, weights;
    for (std::uint32_t i : sample) {
      scores.push_back(e.scores[i]);
      labels.push_back(s.labels[i]);
      weights.push_back(s.weights[i]);
    }
    const Calibration cal = calibrate_threshold(scores, labels, weights, config_.selection.target, threshold);
    threshold = cal.threshold;
    return cal.score;
  }

  void save(const Position& at) const {
    if (comm_.rank() != 0) return;
    write_checkpoint(control_.checkpoint_path, fingerprint(), to_checkpoint_state(at), models_.size(),
                     [&](std::size_t m) { return models_[m].snapshot(outcome_.models[m]); });
  }

  // An epoch's checkpoint is skipped while the last one took more than a tenth of the time since it
  // was written, so that huge models (num_models x feature_dim 2^24) spend at most about a tenth of
  // the run on checkpoints; an interruption always writes one.
  void save_at_epoch_end(const Position& at) {
    if (control_.checkpoint_path.empty()) return;
    if (seconds_since(last_checkpoint_end_) < kCheckpointTimeRatio * last_checkpoint_seconds_) return;
    const auto started = std::chrono::steady_clock::now();
    save(at);
    last_checkpoint_end_ = std::chrono::steady_clock::now();
    last_checkpoint_seconds_ = seconds_since(started);
  }

  [[noreturn]] void interrupt(const Position& at) {
    const int signal = control_.stop_signal->load();
    if (!control_.checkpoint_path.empty()) save(at);
    // Epochs counted from 1, as people read them: at.epoch is the 0-based epoch to continue with.
    const std::string when = at.next_record == 0 ? fmt::format("after epoch {}", at.epoch)
                                                 : fmt::format("in epoch {}", at.epoch + 1);
    throw Interrupted(fmt::format("interrupted by signal {} {}; checkpoint written to {}", signal, when,
                                  control_.checkpoint_path.empty() ? "(none)" : control_.checkpoint_path),
                      128 + signal);
  }

  // The checkpoint's header; the models are written one by one (see save()).
  CheckpointState to_checkpoint_state(const Position& at) const {
    CheckpointState s;
    s.epoch = at.epoch;
    s.next_record = at.next_record;
    s.updates = at.updates;
    s.weight_sum = at.weight_sum;
    s.epoch_seconds = at.seconds;
    s.epochs = outcome_.epochs;
    return s;
  }

  Position restore() {
    const CheckpointState s = read_checkpoint(control_.checkpoint_path, fingerprint());
    if (s.models.size() != models_.size())
      throw UsageError(fmt::format("{}: checkpoint holds {} models, this run trains {}", control_.checkpoint_path,
                                   s.models.size(), models_.size()));
    for (std::size_t m = 0; m < models_.size(); ++m) models_[m].restore(s.models[m], outcome_.models[m]);
    outcome_.epochs = s.epochs;
    updates_ = s.updates;
    for (std::size_t m = 0; m < models_.size(); ++m) models_[m].loss_sum = s.models[m].loss_sum;
    log_.info("resuming from {} in epoch {}, record {}", control_.checkpoint_path, s.epoch + 1, s.next_record);
    return {s.epoch, s.next_record, s.updates, s.weight_sum, s.epoch_seconds};
  }

  std::string fingerprint() const {
    if (fingerprint_.empty())
      fingerprint_ = streamed_ != nullptr ? training_fingerprint(config_, train_rows(), shape_.feature_dim,
                                                                 shape_.sparse, streamed_->content_hash)
                                          : training_fingerprint(config_, *channels_.train, pool_);
    return fingerprint_;
  }

  const TrainConfig& config_;
  const Channels& channels_;
  ThreadPool& pool_;
  spdlog::logger& log_;
  const TrainControl& control_;
  LocalCommunicator local_comm_;
  Communicator& comm_;
  const StreamedTrain* const streamed_;
  const Dataset& shape_;
  const Normalization norm_;
  const std::unique_ptr<Loss> report_loss_;
  const std::unique_ptr<Loss> fit_loss_;
  const int outputs_;
  const ClassWeights class_weights_;
  const std::vector<float> train_weights_;
  const std::vector<float> validation_weights_;
  BatchGradientKernel kernel_;
  std::vector<ModelState> models_;
  std::vector<std::size_t> active_;    // the models the current epoch trains
  ModelRefs active_params_;            // their parameters, in the same order
  std::vector<std::size_t> measured_;  // the models whose previous epoch's weights it measures
  TrainOutcome outcome_;
  std::int64_t updates_ = 0;
  double weight_sum_ = 0;
  double epoch_seconds_ = 0;
  static constexpr double kCheckpointTimeRatio = 10;
  std::chrono::steady_clock::time_point last_checkpoint_end_{};
  double last_checkpoint_seconds_ = 0;
  double total_rows_ = 0;  // over all ranks
  BatchGradient global_;   // the rank-summed gradient (several ranks only)
  mutable std::string fingerprint_;
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
