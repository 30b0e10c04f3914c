#include "linlearn/diagnostics.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "linlearn/random.h"
#include "linlearn/shuffler.h"

namespace linlearn {
namespace {

constexpr std::size_t kProfileSample = 10000;

void label_order_stats(const Dataset& train, PredictorType type, DataProfile& p) {
  const auto& y = train.labels;
  const double n = static_cast<double>(y.size());
  if (type == PredictorType::kRegressor) {
    double mean = 0;
    for (float v : y) mean += v;
    mean /= n;
    double num = 0, den = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      den += (y[i] - mean) * (y[i] - mean);
      if (i > 0) num += (y[i] - mean) * (y[i - 1] - mean);
    }
    p.label_autocorrelation = den > 0 ? num / den : 0;
    return;
  }
  p.label_runs = y.empty() ? 0 : 1;
  for (std::size_t i = 1; i < y.size(); ++i) p.label_runs += y[i] != y[i - 1];
  // Under a random order two neighbours differ with probability 1 - sum_c n_c (n_c - 1) / (n (n - 1)).
  double same = 0;
  for (double c : p.class_counts) same += c * (c - 1);
  p.expected_label_runs = n > 1 ? 1 + (n - 1) * (1 - same / (n * (n - 1))) : 1;
}

// A feature's spread over the sample; a constant one counts, others widen the std range.
void add_feature_spread(double sum, double sum_sq, double n, DataProfile& p, double& sd) {
  const double mean = sum / n;
  sd = std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
  if (sd <= 1e-12 * std::max(1.0, std::abs(mean))) {
    ++p.constant_features;
    sd = -1;
    return;
  }
  p.min_feature_std = std::min(p.min_feature_std, sd);
  p.max_feature_std = std::max(p.max_feature_std, sd);
}

// Sparse data: only the features with a non-zero value in the sample, each from its non-zeros
// (sorted by feature), so the cost follows the sample's non-zeros and a feature that never occurs
// is not reported.
void sparse_feature_stats(const Dataset& train, const std::vector<std::uint32_t>& sample, DataProfile& p) {
  std::vector<std::pair<std::uint32_t, float>> nonzeros;
  for (std::uint32_t r : sample)
    for (std::uint64_t k = train.row_ptr[r]; k < train.row_ptr[r + 1]; ++k)
      if (train.value(k) != 0.0F) nonzeros.emplace_back(train.col_idx[k], train.value(k));
  std::sort(nonzeros.begin(), nonzeros.end());
  const double n = static_cast<double>(sample.size());
  for (std::size_t i = 0; i < nonzeros.size();) {
    double sum = 0, sum_sq = 0, sd = 0;
    const std::uint32_t j = nonzeros[i].first;
    for (; i < nonzeros.size() && nonzeros[i].first == j; ++i) {
      sum += nonzeros[i].second;
      sum_sq += static_cast<double>(nonzeros[i].second) * nonzeros[i].second;
    }
    add_feature_spread(sum, sum_sq, n, p, sd);
  }
}

void dense_feature_stats(const Dataset& train, const std::vector<std::uint32_t>& sample, DataProfile& p) {
  const std::size_t d = train.feature_dim;
  std::vector<double> sum(d, 0), sum_sq(d, 0), lo(d, INFINITY), hi(d, -INFINITY);
  for (std::uint32_t r : sample) {
    for (std::size_t j = 0; j < d; ++j) {
      const double v = train.dense[static_cast<std::size_t>(r) * d + j];
      sum[j] += v;
      sum_sq[j] += v * v;
      lo[j] = std::min(lo[j], v);
      hi[j] = std::max(hi[j], v);
    }
  }
  const double n = static_cast<double>(sample.size());
  for (std::size_t j = 0; j < d; ++j) {
    double sd = 0;
    add_feature_spread(sum[j], sum_sq[j], n, p, sd);
    if (sd < 0) continue;
    const double mean = sum[j] / n;
    const double sigmas = std::max(hi[j] - mean, mean - lo[j]) / sd;
    if (sigmas > kOutlierSigmas) ++p.outlier_features;
    if (sigmas > p.worst_feature_sigmas) {
      p.worst_feature_sigmas = sigmas;
      p.worst_feature = j;
    }
  }
}

void label_spread(const Dataset& train, const std::vector<std::uint32_t>& sample, DataProfile& p) {
  double s = 0, ss = 0, lo_y = INFINITY, hi_y = -INFINITY;
  for (std::uint32_t r : sample) {
    const double y = train.labels[r];
    s += y;
    ss += y * y;
    lo_y = std::min(lo_y, y);
    hi_y = std::max(hi_y, y);
  }
  const double n = static_cast<double>(sample.size());
  const double mean = s / n;
  const double sd = std::sqrt(std::max(0.0, ss / n - mean * mean));
  if (sd > 0) p.worst_label_sigmas = std::max(hi_y - mean, mean - lo_y) / sd;
}

void feature_stats(const Dataset& train, PredictorType type, std::uint64_t seed, DataProfile& p) {
  const auto sample =
      uniform_sample(train.rows(), kProfileSample, seed, static_cast<std::uint64_t>(RandomStream::kReportSample));
  p.min_feature_std = INFINITY;
  p.max_feature_std = 0;
  if (train.sparse) {
    sparse_feature_stats(train, sample, p);
  } else {
    dense_feature_stats(train, sample, p);
  }
  if (p.max_feature_std == 0) p.min_feature_std = 0;
  if (type == PredictorType::kRegressor) label_spread(train, sample, p);
}

const ModelEpoch* selected_epoch(const TrainOutcome& o, std::size_t epoch) {
  if (o.selected < 0 || epoch >= o.epochs.size()) return nullptr;
  return &o.epochs[epoch].models[static_cast<std::size_t>(o.selected)];
}

}  // namespace

std::string severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "";
}

DataProfile profile_data(const Dataset& train, PredictorType type, int num_classes, std::uint64_t seed) {
  DataProfile p;
  p.records = train.rows();
  if (type != PredictorType::kRegressor) {
    p.class_counts.assign(static_cast<std::size_t>(num_classes), 0.0);
    for (float y : train.labels) p.class_counts[static_cast<std::size_t>(y)] += 1;
  }
  label_order_stats(train, type, p);
  feature_stats(train, type, seed, p);
  return p;
}

namespace {

// What every check reads, and where it writes.
struct Checkup {
  const TrainConfig& config;
  const DataProfile& profile;
  const TrainOutcome& outcome;
  std::vector<Diagnostic>& out;

  void add(std::string code, Severity s, std::string message, std::string suggestion) const {
    out.push_back({std::move(code), s, std::move(message), std::move(suggestion)});
  }
  const ModelOutcome& selected() const { return outcome.models[static_cast<std::size_t>(outcome.selected)]; }
  const ModelSettings& selected_settings() const { return config.models[static_cast<std::size_t>(outcome.selected)]; }
  // The epochs in which the selected model trained; later ones did not compute it.
  std::size_t trained_epochs() const {
    return std::min(outcome.epochs.size(), static_cast<std::size_t>(std::max(selected().stopped_at_epoch, 0)) + 1);
  }
};

// Label order: long runs of one label (or trending regression labels) in file order.
void check_label_order(const Checkup& c) {
  const DataProfile& p = c.profile;
  const bool regressor = c.config.predictor_type == PredictorType::kRegressor;
  const bool ordered =
      regressor ? p.label_autocorrelation > 0.5
                : p.expected_label_runs > 2 && static_cast<double>(p.label_runs) < 0.5 * p.expected_label_runs;
  if (!ordered) return;
  const std::string numbers =
      regressor ? fmt::format("labels in file order have lag-1 autocorrelation {:.2f}", p.label_autocorrelation)
                : fmt::format("labels in file order form {} runs where a random order would give about {:.0f}",
                              p.label_runs, p.expected_label_runs);
  if (c.config.shuffle) {
    c.add("label_order_bias", Severity::kInfo, numbers + "; every epoch is shuffled, so training is not affected",
          "no action needed; keep --shuffle true for this data");
  } else {
    c.add("label_order_bias", Severity::kWarning,
          numbers + " and --shuffle false: mini-batches see one label at a time and the model chases the last one",
          "remove --shuffle false (shuffling is the default) or shuffle the file before training");
  }
}

// Divergence of any model, naming its settings. Models 1.. of the num_models grid try bolder
// settings on purpose: one of them diverging while another is selected is expected, not a fault.
void check_divergence(const Checkup& c) {
  for (std::size_t m = 0; m < c.outcome.models.size(); ++m) {
    if (c.outcome.models[m].status != ModelStatus::kDiverged) continue;
    const ModelSettings& s = c.config.models[m];
    const std::string message = fmt::format(
        "model {} diverged at epoch {} (loss NaN/inf or 10x above its first epoch) with learning_rate={} "
        "optimizer={}",
        m, c.outcome.models[m].stopped_at_epoch + 1, s.learning_rate, optimizer_kind_name(s.optimizer.kind));
    const std::string lower =
        fmt::format("lower learning_rate (try {:g}) or keep normalize_data=true", s.learning_rate / 10);
    if (c.outcome.selected < 0)
      c.add("divergence", Severity::kError, message, lower);
    else if (m == 0)
      c.add("divergence", Severity::kWarning, message + "; this is the model of the given settings", lower);
    else
      c.add("divergence", Severity::kInfo, message + "; a grid model with bolder settings, never selected",
            "no action needed; num_models 1 trains only the given settings");
  }
}

// Loss rising for several epochs in a row (a slow divergence).
void check_rising_loss(const Checkup& c) {
  int rising = 0, longest_rise = 0;
  for (std::size_t e = 1; e < c.trained_epochs(); ++e) {
    const ModelEpoch* now = selected_epoch(c.outcome, e);
    const ModelEpoch* before = selected_epoch(c.outcome, e - 1);
    rising = now->progressive_loss > before->progressive_loss * 1.001 ? rising + 1 : 0;
    longest_rise = std::max(longest_rise, rising);
  }
  if (longest_rise < 3) return;
  const ModelSettings& s = c.selected_settings();
  c.add("divergence", Severity::kWarning,
        fmt::format("training loss of the selected model rose for {} epochs in a row (learning_rate={}, optimizer={})",
                    longest_rise, s.learning_rate, optimizer_kind_name(s.optimizer.kind)),
        fmt::format("lower learning_rate (try {:g}) or enable use_lr_scheduler", s.learning_rate / 3));
}

// Plateau: the loss hardly moved from the first epoch to the end.
void check_plateau(const Checkup& c) {
  const std::size_t trained = c.trained_epochs();
  if (trained < 3) return;
  const double first = selected_epoch(c.outcome, 0)->progressive_loss;
  const double last = selected_epoch(c.outcome, trained - 1)->progressive_loss;
  const double change = first > 0 ? (first - last) / first : 0;
  const bool barely =
      std::abs(change) < 0.001 && first > 0.6 * std::log(2.0) && c.config.predictor_type == PredictorType::kBinary;
  if (!barely && !(std::abs(change) < 1e-4 && first > 0)) return;
  const ModelSettings& s = c.selected_settings();
  c.add("plateau", Severity::kWarning,
        fmt::format("training loss moved {:.3g}% between the first and last epoch ({:.6g} -> {:.6g})", 100 * change,
                    first, last),
        fmt::format("raise learning_rate (now {}) or lower wd/l1 (now {}/{})", s.learning_rate, s.wd, s.l1));
}

// What would let the selected model settle within `epochs`: the learning rate only anneals (and
// the criterion only settles) when the schedule is on with enough updates an epoch to decay over.
std::string settle_suggestion(const Checkup& c) {
  const TrainConfig& config = c.config;
  const LrSchedule& schedule = c.selected_settings().schedule;
  if (schedule.enabled && config.updates_per_epoch < kMinUpdatesPerEpochToAnneal && schedule.factor >= 1.0)
    return fmt::format(
        "set mini_batch_size {} (or leave it at auto): an epoch of {} training records is {} mini-batches of {}, "
        "too few for lr_scheduler_factor=auto to anneal the learning rate, so the loss keeps moving",
        auto_mini_batch_size(config.data.records), config.data.records, config.updates_per_epoch,
        config.mini_batch_size);
  if (!schedule.enabled || schedule.factor >= 1.0)
    return "set use_lr_scheduler=true and lr_scheduler_factor=auto: the learning rate then anneals to 1/1000 by the "
           "last epoch and the loss settles";
  return fmt::format("raise epochs (try {}): the learning rate anneals over the longer run", config.epochs * 2);
}

// Stopped by max epochs while the criterion still improved: the same number the status came from.
void check_not_converged(const Checkup& c) {
  const ModelOutcome& best = c.selected();
  if (best.status != ModelStatus::kMaxEpochs) return;
  if (!std::isfinite(best.last_improvement)) {
    c.add("not_converged", Severity::kWarning,
          fmt::format("epochs={} reached before {} could be compared with an earlier epoch", c.config.epochs,
                      c.outcome.early_stopping_criterion),
          "raise epochs to 2 or more");
    return;
  }
  c.add("not_converged", Severity::kWarning,
        fmt::format("epochs={} reached while {} still improved by {:.3g}% over its best before the last epoch "
                    "(early_stopping_tolerance {:.3g}%)",
                    c.config.epochs, c.outcome.early_stopping_criterion, 100 * best.last_improvement,
                    100 * c.config.early_stopping.tolerance),
        settle_suggestion(c));
}

// Class imbalance. A class with no records at all was already reported when the data was read:
// weighting cannot bring it back.
void check_class_imbalance(const Checkup& c) {
  const DataProfile& p = c.profile;
  if (p.class_counts.empty() || p.records == 0) return;
  const auto minority = std::min_element(p.class_counts.begin(), p.class_counts.end(), [](double a, double b) {
    return (a > 0 ? a : INFINITY) < (b > 0 ? b : INFINITY);
  });
  const double share = *minority / static_cast<double>(p.records);
  if (*minority == 0 || share >= 0.05) return;
  const TrainConfig& config = c.config;
  const bool binary = config.predictor_type == PredictorType::kBinary;
  const bool weighted = !config.weighting.per_class.empty();
  c.add("class_imbalance", weighted ? Severity::kInfo : Severity::kWarning,
        fmt::format("class {} is {:.2f}% of the training records ({} of {})", minority - p.class_counts.begin(),
                    100 * share, *minority, p.records),
        binary ? "set positive_example_weight_mult=balanced, and pick the threshold with "
                 "binary_classifier_model_selection_criteria=f_beta or precision_at_target_recall"
               : "set balance_multiclass_weights=true");
}

void check_features(const Checkup& c) {
  const DataProfile& p = c.profile;
  if (p.max_feature_std > 0 && p.min_feature_std > 0 && p.max_feature_std / p.min_feature_std > 1e4 &&
      !c.config.normalization.normalize_data)
    c.add("feature_scale", Severity::kWarning,
          fmt::format("feature standard deviations span {:.3g} to {:.3g} (x{:.3g}) with normalize_data=false",
                      p.min_feature_std, p.max_feature_std, p.max_feature_std / p.min_feature_std),
          "set normalize_data=true (the default)");
  if (p.constant_features > 0)
    c.add("constant_features", Severity::kInfo,
          fmt::format("{} features are constant in a sample of the training data", p.constant_features),
          "drop them upstream; they cannot help a linear model");
  if (p.outlier_features > 0)
    c.add("feature_outliers", Severity::kInfo,
          fmt::format("{} features have values more than {:.0f} standard deviations from their mean (worst: feature "
                      "{} at {:.0f})",
                      p.outlier_features, kOutlierSigmas, p.worst_feature, p.worst_feature_sigmas),
          "clip or log-transform heavy-tailed features");
  if (p.worst_label_sigmas > kOutlierSigmas)
    c.add("label_outliers", Severity::kWarning,
          fmt::format("a training label lies {:.0f} standard deviations from the mean label", p.worst_label_sigmas),
          "consider loss=huber_loss or absolute_loss, or clean the labels");
}

// Overfitting: training loss falling while validation loss rises over the last epochs.
void check_overfitting(const Checkup& c) {
  const std::size_t trained = c.trained_epochs();
  if (trained < 3 || selected_epoch(c.outcome, 0)->validation.empty()) return;
  int streak = 0, longest = 0;
  for (std::size_t e = 1; e < trained; ++e) {
    const ModelEpoch* now = selected_epoch(c.outcome, e);
    const ModelEpoch* before = selected_epoch(c.outcome, e - 1);
    if (now->validation.empty() || before->validation.empty()) break;
    const bool diverging = now->progressive_loss < before->progressive_loss &&
                           now->validation.at("objective_loss") > before->validation.at("objective_loss");
    streak = diverging ? streak + 1 : 0;
    longest = std::max(longest, streak);
  }
  if (longest < 2) return;
  c.add("overfitting", Severity::kWarning,
        fmt::format("for {} epochs the training loss fell while the validation loss rose; the best epoch was {}",
                    longest, c.selected().best_epoch + 1),
        "raise wd or l1, or add training data; early stopping kept the best epoch");
}

}  // namespace

std::vector<Diagnostic> diagnose(const TrainConfig& config, const DataProfile& p, const TrainOutcome& o) {
  std::vector<Diagnostic> out;
  const Checkup c{config, p, o, out};
  check_label_order(c);
  check_divergence(c);
  if (o.selected < 0) return out;
  check_rising_loss(c);
  check_plateau(c);
  check_not_converged(c);
  check_class_imbalance(c);
  check_features(c);
  check_overfitting(c);
  return out;
}

nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diagnostics)
    out.push_back({{"code", d.code},
                   {"severity", severity_name(d.severity)},
                   {"message", d.message},
                   {"suggestion", d.suggestion}});
  return out;
}

}  // namespace linlearn
