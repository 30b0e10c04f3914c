// The epoch loop: shuffle, mini-batches through the kernel, optimizer steps per model, per-epoch
// evaluation, early stopping, then selection of the best model with its calibrated threshold.
#include "linlearn/trainer.h"

#include <chrono>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "batch_gradient.h"
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

// Raw-unit weights of every model stacked side by side: feature_dim x (models * outputs).
void raw_parameters(const std::vector<ModelParameters>& params, const Normalization& norm, int outputs,
                    RowMatrix& weights, Eigen::RowVectorXf& bias) {
  const std::size_t d = norm.scale.size();
  const auto k = static_cast<std::size_t>(outputs);
  weights.resize(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(params.size() * k));
  bias.resize(static_cast<Eigen::Index>(params.size() * k));
  for (std::size_t m = 0; m < params.size(); ++m) {
    for (std::size_t c = 0; c < k; ++c) {
      const auto col = static_cast<Eigen::Index>(m * k + c);
      double shift = 0;
      for (std::size_t j = 0; j < d; ++j) {
        const double w = norm.label_scale * params[m].weights[j * k + c] / norm.scale[j];
        weights(static_cast<Eigen::Index>(j), col) = static_cast<float>(w);
        shift += norm.mean[j] * w;
      }
      bias(col) = static_cast<float>(norm.label_scale * params[m].bias[c] - shift + norm.label_mean);
    }
  }
}

LinearModel make_linear_model(const TrainConfig& config, const ModelParameters& params, const Normalization& norm,
                              int outputs) {
  LinearModel model;
  model.predictor_type = config.predictor_type;
  model.loss = config.loss;
  model.loss_params = config.loss_params;
  model.feature_dim = norm.scale.size();
  model.num_classes = config.num_classes;
  model.outputs = outputs;
  model.normalization = norm;
  model.hyperparameters = config.resolved;
  RowMatrix w;
  Eigen::RowVectorXf b;
  raw_parameters({params}, norm, outputs, w, b);
  model.weights.resize(model.feature_dim * static_cast<std::size_t>(outputs));
  for (int k = 0; k < outputs; ++k)
    for (std::size_t j = 0; j < model.feature_dim; ++j)
      model.weights[static_cast<std::size_t>(k) * model.feature_dim + j] = w(static_cast<Eigen::Index>(j), k);
  model.bias.assign(b.data(), b.data() + outputs);
  model.threshold = default_threshold(config.loss);
  return model;
}

// Training in normalized label units: distances in the loss are divided by the label scale.
LossParams training_loss_params(LossParams p, const Normalization& norm) {
  p.huber_delta /= norm.label_scale;
  p.loss_insensitivity /= norm.label_scale;
  return p;
}

EvaluationSettings evaluation_settings(const TrainConfig& config, double threshold) {
  return {config.predictor_type, threshold, config.accuracy_top_k, config.f_beta};
}

double selection_value(const TrainConfig& config, const Evaluation& eval, std::span<const float> labels,
                       std::span<const float> weights, const std::vector<std::uint32_t>& sample, double& threshold) {
  threshold = default_threshold(config.loss);
  if (config.predictor_type != PredictorType::kBinary ||
      config.selection.target.criterion == SelectionCriterion::kLossFunction)
    return -eval.metrics.at("objective_loss");
  std::vector<float> s, l, w;
  for (std::uint32_t i : sample) {
    s.push_back(eval.scores[i]);
    l.push_back(labels[i]);
    w.push_back(weights[i]);
  }
  const Calibration cal = calibrate_threshold(s, l, w, config.selection.target, threshold);
  threshold = cal.threshold;
  return cal.score;
}

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
  }
  return "";
}

TrainOutcome train_models(const TrainConfig& config, const Channels& channels, ThreadPool& pool,
                          spdlog::logger& log, TrainingObserver* observer) {
  const Dataset& train = *channels.train;
  const Dataset* validation = channels.validation;
  const std::size_t d = train.feature_dim;
  const int model_count = static_cast<int>(config.models.size());

  const Normalization norm = compute_normalization(train, config.normalization, config.seed);
  const auto report_loss = make_loss(config.loss, config.loss_params);
  const auto fit_loss = make_loss(config.loss, training_loss_params(config.loss_params, norm));
  const int outputs = report_loss->outputs();
  const ClassWeights class_weights = compute_class_weights(train.labels, config);
  const std::vector<float> train_weights = class_weights.for_records(train);
  const std::vector<float> validation_weights =
      validation != nullptr ? class_weights.for_records(*validation) : std::vector<float>{};

  std::vector<ModelParameters> params = initial_parameters(config, d, outputs);
  std::vector<ModelParameters> best = params;
  std::vector<std::unique_ptr<Optimizer>> optimizers;
  std::vector<EarlyStopping> stopping;
  for (const auto& m : config.models) {
    optimizers.push_back(make_optimizer(m.optimizer));
    stopping.emplace_back(config.early_stopping);
  }

  TrainOutcome outcome;
  outcome.models.resize(static_cast<std::size_t>(model_count));
  outcome.early_stopping_criterion = validation != nullptr ? "validation:objective_loss" : "train:objective_loss";
  BatchGradientKernel kernel(train, train_weights, norm, *fit_loss, *report_loss, model_count, pool);
  const auto batch_size = static_cast<std::size_t>(config.mini_batch_size);
  std::int64_t updates = 0;
  RowMatrix raw_w;
  Eigen::RowVectorXf raw_b;

  for (int epoch = 0; epoch < config.epochs; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    const auto order = epoch_order(train.rows(), config.seed, epoch, config.shuffle);
    std::vector<double> loss_sum(static_cast<std::size_t>(model_count), 0.0);
    double weight_sum = 0;
    for (std::size_t begin = 0; begin < order.size(); begin += batch_size) {
      const std::span<const std::uint32_t> batch(order.data() + begin, std::min(batch_size, order.size() - begin));
      const BatchGradient& g = kernel.compute(batch, params);
      weight_sum += g.weight_sum;
      for (int m = 0; m < model_count; ++m) {
        const auto mi = static_cast<std::size_t>(m);
        loss_sum[mi] += g.loss_sum[mi];
        if (outcome.models[mi].status != ModelStatus::kTraining) continue;
        const ModelSettings& s = config.models[mi];
        const double lr = scheduled_learning_rate(s.learning_rate, s.schedule, updates);
        const StepSettings weight_step{lr, s.wd, s.l1};
        auto& p = params[mi];
        if (train.sparse) {
          optimizers[mi]->step_rows(0, p.weights.data(), g.grads[mi].weights.data(), p.weights.size(), g.touched,
                                    static_cast<std::size_t>(outputs), weight_step);
        } else {
          optimizers[mi]->step(0, p.weights.data(), g.grads[mi].weights.data(), p.weights.size(), weight_step);
        }
        if (config.use_bias)
          optimizers[mi]->step(1, p.bias.data(), g.grads[mi].bias.data(), p.bias.size(),
                               StepSettings{lr * s.bias_lr_mult, s.wd * s.bias_wd_mult, 0.0});
      }
      ++updates;
    }

    EpochRecord record;
    record.epoch = epoch;
    record.models.resize(static_cast<std::size_t>(model_count));
    std::vector<double> criterion(static_cast<std::size_t>(model_count));
    for (int m = 0; m < model_count; ++m) {
      const auto mi = static_cast<std::size_t>(m);
      record.models[mi].train_loss = weight_sum > 0 ? loss_sum[mi] / weight_sum : 0.0;
      criterion[mi] = record.models[mi].train_loss;
    }
    if (validation != nullptr) {
      raw_parameters(params, norm, outputs, raw_w, raw_b);
      const RowMatrix margins = compute_margins(*validation, raw_w, raw_b, pool);
      for (int m = 0; m < model_count; ++m) {
        const auto mi = static_cast<std::size_t>(m);
        if (outcome.models[mi].status != ModelStatus::kTraining) continue;
        const Evaluation e = evaluate_margins(margins, m * outputs, *report_loss, validation->labels,
                                              validation_weights, evaluation_settings(config, default_threshold(config.loss)));
        record.models[mi].validation = e.metrics;
        criterion[mi] = e.metrics.at("objective_loss");
      }
    }
    bool any_training = false;
    for (int m = 0; m < model_count; ++m) {
      const auto mi = static_cast<std::size_t>(m);
      ModelOutcome& mo = outcome.models[mi];
      if (mo.status == ModelStatus::kTraining) {
        switch (stopping[mi].update(epoch, criterion[mi])) {
          case EarlyStopping::Verdict::kImproved:
            best[mi] = params[mi];
            break;
          case EarlyStopping::Verdict::kNoImprovement:
            break;
          case EarlyStopping::Verdict::kStop:
            mo.status = ModelStatus::kEarlyStopped;
            mo.stopped_at_epoch = epoch;
            break;
          case EarlyStopping::Verdict::kDiverged:
            mo.status = ModelStatus::kDiverged;
            mo.stopped_at_epoch = epoch;
            log.warn("model {} diverged at epoch {} (criterion {}); learning_rate={} optimizer={}", m, epoch,
                     criterion[mi], config.models[mi].learning_rate,
                     optimizer_kind_name(config.models[mi].optimizer.kind));
            break;
        }
        mo.best_epoch = stopping[mi].best_epoch();
        mo.best_criterion = stopping[mi].best();
      }
      record.models[mi].status = mo.status;
      any_training = any_training || mo.status == ModelStatus::kTraining;
    }
    record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    record.records_per_second = record.seconds > 0 ? static_cast<double>(train.rows()) / record.seconds : 0.0;
    outcome.epochs.push_back(record);
    if (observer != nullptr) observer->on_epoch_end(outcome.epochs.back(), outcome);
    if (!any_training) break;
  }
  const int last_epoch = static_cast<int>(outcome.epochs.size()) - 1;
  for (std::size_t m = 0; m < outcome.models.size(); ++m) {
    ModelOutcome& mo = outcome.models[m];
    if (mo.status != ModelStatus::kTraining) continue;
    mo.stopped_at_epoch = last_epoch;
    mo.status = stopping[m].still_improving() ? ModelStatus::kMaxEpochs : ModelStatus::kConverged;
  }

  // Selection: every usable model's best epoch, scored on validation data (training data without it).
  const Dataset& selection_data = validation != nullptr ? *validation : train;
  const std::vector<float>& selection_weights = validation != nullptr ? validation_weights : train_weights;
  const auto calibration_sample =
      uniform_sample(selection_data.rows(), static_cast<std::size_t>(config.selection.num_calibration_samples),
                     config.seed, static_cast<std::uint64_t>(RandomStream::kCalibrationSample));
  outcome.calibration_records = calibration_sample.size();
  outcome.selection_criterion = config.predictor_type == PredictorType::kBinary
                                    ? selection_criterion_name(config.selection.target.criterion)
                                    : "loss_function";
  raw_parameters(best, norm, outputs, raw_w, raw_b);
  const RowMatrix margins = compute_margins(selection_data, raw_w, raw_b, pool);
  int selected = -1;
  for (int m = 0; m < model_count; ++m) {
    ModelOutcome& mo = outcome.models[static_cast<std::size_t>(m)];
    if (mo.status == ModelStatus::kDiverged || mo.best_epoch < 0) continue;
    const Evaluation e = evaluate_margins(margins, m * outputs, *report_loss, selection_data.labels, selection_weights,
                                          evaluation_settings(config, default_threshold(config.loss)));
    if (!std::isfinite(e.metrics.at("objective_loss"))) {
      mo.status = ModelStatus::kDiverged;
      continue;
    }
    mo.selection_score = selection_value(config, e, selection_data.labels, selection_weights, calibration_sample,
                                         mo.threshold);
    if (selected < 0 || mo.selection_score > outcome.models[static_cast<std::size_t>(selected)].selection_score)
      selected = m;
  }
  if (selected < 0)
    throw ConvergenceError(fmt::format("every one of the {} models diverged; lower learning_rate (model 0 used {} with {})",
                                       model_count, config.models[0].learning_rate,
                                       optimizer_kind_name(config.models[0].optimizer.kind)));
  outcome.selected = selected;
  outcome.model = make_linear_model(config, best[static_cast<std::size_t>(selected)], norm, outputs);
  outcome.model.threshold = outcome.models[static_cast<std::size_t>(selected)].threshold;
  return outcome;
}

}  // namespace linlearn
