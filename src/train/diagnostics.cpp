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

void feature_stats(const Dataset& train, PredictorType type, std::uint64_t seed, DataProfile& p) {
  const std::size_t d = train.feature_dim;
  const auto sample =
      uniform_sample(train.rows(), kProfileSample, seed, static_cast<std::uint64_t>(RandomStream::kReportSample));
  std::vector<double> sum(d, 0), sum_sq(d, 0), lo(d, INFINITY), hi(d, -INFINITY);
  for (std::uint32_t r : sample) {
    if (train.sparse) {
      for (std::uint64_t k = train.row_ptr[r]; k < train.row_ptr[r + 1]; ++k) {
        const double v = train.values[k];
        sum[train.col_idx[k]] += v;
        sum_sq[train.col_idx[k]] += v * v;
      }
      continue;
    }
    for (std::size_t j = 0; j < d; ++j) {
      const double v = train.dense[static_cast<std::size_t>(r) * d + j];
      sum[j] += v;
      sum_sq[j] += v * v;
      lo[j] = std::min(lo[j], v);
      hi[j] = std::max(hi[j], v);
    }
  }
  const double n = static_cast<double>(sample.size());
  p.min_feature_std = INFINITY;
  p.max_feature_std = 0;
  for (std::size_t j = 0; j < d; ++j) {
    const double mean = sum[j] / n;
    const double sd = std::sqrt(std::max(0.0, sum_sq[j] / n - mean * mean));
    if (sd <= 1e-12 * std::max(1.0, std::abs(mean))) {
      ++p.constant_features;
      continue;
    }
    p.min_feature_std = std::min(p.min_feature_std, sd);
    p.max_feature_std = std::max(p.max_feature_std, sd);
    if (train.sparse) continue;
    const double sigmas = std::max(hi[j] - mean, mean - lo[j]) / sd;
    if (sigmas > kOutlierSigmas) ++p.outlier_features;
    if (sigmas > p.worst_feature_sigmas) {
      p.worst_feature_sigmas = sigmas;
      p.worst_feature = j;
    }
  }
  if (p.max_feature_std == 0) p.min_feature_std = 0;
  if (type == PredictorType::kRegressor) {
    double s = 0, ss = 0, lo_y = INFINITY, hi_y = -INFINITY;
    for (std::uint32_t r : sample) {
      const double y = train.labels[r];
      s += y;
      ss += y * y;
      lo_y = std::min(lo_y, y);
      hi_y = std::max(hi_y, y);
    }
    const double mean = s / n;
    const double sd = std::sqrt(std::max(0.0, ss / n - mean * mean));
    if (sd > 0) p.worst_label_sigmas = std::max(hi_y - mean, mean - lo_y) / sd;
  }
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

std::vector<Diagnostic> diagnose(const TrainConfig& config, const DataProfile& p, const TrainOutcome& o) {
  std::vector<Diagnostic> out;
  const auto add = [&](std::string code, Severity s, std::string message, std::string suggestion) {
    out.push_back({std::move(code), s, std::move(message), std::move(suggestion)});
  };

  // Label order: long runs of one label (or trending regression labels) in file order.
  const bool ordered =
      config.predictor_type == PredictorType::kRegressor
          ? p.label_autocorrelation > 0.5
          : p.expected_label_runs > 2 && static_cast<double>(p.label_runs) < 0.5 * p.expected_label_runs;
  if (ordered) {
    const std::string numbers =
        config.predictor_type == PredictorType::kRegressor
            ? fmt::format("labels in file order have lag-1 autocorrelation {:.2f}", p.label_autocorrelation)
            : fmt::format("labels in file order form {} runs where a random order would give about {:.0f}",
                          p.label_runs, p.expected_label_runs);
    if (config.shuffle) {
      add("label_order_bias", Severity::kInfo, numbers + "; every epoch is shuffled, so training is not affected",
          "no action needed; keep --shuffle true for this data");
    } else {
      add("label_order_bias", Severity::kWarning,
          numbers + " and --shuffle false: mini-batches see one label at a time and the model chases the last one",
          "remove --shuffle false (shuffling is the default) or shuffle the file before training");
    }
  }

  // Divergence of any model, naming its settings.
  for (std::size_t m = 0; m < o.models.size(); ++m) {
    if (o.models[m].status != ModelStatus::kDiverged) continue;
    const ModelSettings& s = config.models[m];
    const bool all = o.selected < 0;
    add("divergence", all ? Severity::kError : Severity::kWarning,
        fmt::format("model {} diverged at epoch {} (loss NaN/inf or 10x above its first epoch) with learning_rate={} "
                    "optimizer={}",
                    m, o.models[m].stopped_at_epoch, s.learning_rate, optimizer_kind_name(s.optimizer.kind)),
        fmt::format("lower learning_rate (try {:g}) or keep normalize_data=true", s.learning_rate / 10));
  }
  if (o.selected < 0) return out;
  const ModelOutcome& best = o.models[static_cast<std::size_t>(o.selected)];
  const ModelSettings& settings = config.models[static_cast<std::size_t>(o.selected)];
  // The epochs in which the selected model trained; later ones did not compute it.
  const std::size_t trained =
      std::min(o.epochs.size(), static_cast<std::size_t>(std::max(best.stopped_at_epoch, 0)) + 1);

  // Loss rising for several epochs in a row (a slow divergence).
  int rising = 0, longest_rise = 0;
  for (std::size_t e = 1; e < trained; ++e) {
    const ModelEpoch* now = selected_epoch(o, e);
    const ModelEpoch* before = selected_epoch(o, e - 1);
    rising = now->progressive_loss > before->progressive_loss * 1.001 ? rising + 1 : 0;
    longest_rise = std::max(longest_rise, rising);
  }
  if (longest_rise >= 3)
    add("divergence", Severity::kWarning,
        fmt::format("training loss of the selected model rose for {} epochs in a row (learning_rate={}, optimizer={})",
                    longest_rise, settings.learning_rate, optimizer_kind_name(settings.optimizer.kind)),
        fmt::format("lower learning_rate (try {:g}) or enable use_lr_scheduler", settings.learning_rate / 3));

  // Plateau: the loss hardly moved from the first epoch to the end.
  if (trained >= 3) {
    const double first = selected_epoch(o, 0)->progressive_loss;
    const double last = selected_epoch(o, trained - 1)->progressive_loss;
    const double change = first > 0 ? (first - last) / first : 0;
    const ModelEpoch* zero = selected_epoch(o, 0);
    const bool barely = std::abs(change) < 0.001 && zero->progressive_loss > 0.6 * std::log(2.0) &&
                        config.predictor_type == PredictorType::kBinary;
    if (barely || (std::abs(change) < 1e-4 && first > 0))
      add("plateau", Severity::kWarning,
          fmt::format("training loss moved {:.3g}% between the first and last epoch ({:.6g} -> {:.6g})", 100 * change,
                      first, last),
          fmt::format("raise learning_rate (now {}) or lower wd/l1 (now {}/{})", settings.learning_rate, settings.wd,
                      settings.l1));
  }

  if (best.status == ModelStatus::kMaxEpochs && o.epochs.size() >= 2) {
    const ModelEpoch* last = selected_epoch(o, o.epochs.size() - 1);
    const ModelEpoch* previous = selected_epoch(o, o.epochs.size() - 2);
    const auto criterion = [](const ModelEpoch* e) {
      return e->validation.count("objective_loss") ? e->validation.at("objective_loss") : e->train_loss;
    };
    add("not_converged", Severity::kWarning,
        fmt::format(
            "epochs={} reached while the criterion still improved by {:.3g}% in the last epoch (tolerance {:.3g}%)",
            config.epochs, 100 * (criterion(previous) - criterion(last)) / std::abs(criterion(previous)),
            100 * config.early_stopping.tolerance),
        fmt::format("raise epochs (try {}) or learning_rate", config.epochs * 2));
  }

  // Class imbalance.
  if (!p.class_counts.empty() && p.records > 0) {
    const auto minority = std::min_element(p.class_counts.begin(), p.class_counts.end());
    const double share = *minority / static_cast<double>(p.records);
    if (share < 0.05) {
      const bool weighted = config.predictor_type == PredictorType::kBinary
                                ? config.weighting.positive_mode == WeightingConfig::Positive::kBalanced ||
                                      config.weighting.positive_weight != 1.0
                                : config.weighting.balance_multiclass;
      add("class_imbalance", weighted ? Severity::kInfo : Severity::kWarning,
          fmt::format("class {} is {:.2f}% of the training records ({} of {})", minority - p.class_counts.begin(),
                      100 * share, *minority, p.records),
          config.predictor_type == PredictorType::kBinary
              ? "set positive_example_weight_mult=balanced, and pick the threshold with "
                "binary_classifier_model_selection_criteria=f_beta or precision_at_target_recall"
              : "set balance_multiclass_weights=true");
    }
  }

  // Feature scales.
  if (p.max_feature_std > 0 && p.min_feature_std > 0 && p.max_feature_std / p.min_feature_std > 1e4 &&
      !config.normalization.normalize_data)
    add("feature_scale", Severity::kWarning,
        fmt::format("feature standard deviations span {:.3g} to {:.3g} (x{:.3g}) with normalize_data=false",
                    p.min_feature_std, p.max_feature_std, p.max_feature_std / p.min_feature_std),
        "set normalize_data=true (the default)");
  if (p.constant_features > 0)
    add("constant_features", Severity::kInfo,
        fmt::format("{} features are constant in a sample of the training data", p.constant_features),
        "drop them upstream; they cannot help a linear model");
  if (p.outlier_features > 0)
    add("feature_outliers", Severity::kInfo,
        fmt::format("{} features have values more than {:.0f} standard deviations from their mean (worst: feature {} "
                    "at {:.0f})",
                    p.outlier_features, kOutlierSigmas, p.worst_feature, p.worst_feature_sigmas),
        "clip or log-transform heavy-tailed features");
  if (p.worst_label_sigmas > kOutlierSigmas)
    add("label_outliers", Severity::kWarning,
        fmt::format("a training label lies {:.0f} standard deviations from the mean label", p.worst_label_sigmas),
        "consider loss=huber_loss or absolute_loss, or clean the labels");

  // Overfitting: training loss falling while validation loss rises over the last epochs.
  if (trained >= 3 && !selected_epoch(o, 0)->validation.empty()) {
    int streak = 0, longest = 0;
    for (std::size_t e = 1; e < trained; ++e) {
      const ModelEpoch* now = selected_epoch(o, e);
      const ModelEpoch* before = selected_epoch(o, e - 1);
      if (now->validation.empty() || before->validation.empty()) break;
      const bool diverging = now->progressive_loss < before->progressive_loss &&
                             now->validation.at("objective_loss") > before->validation.at("objective_loss");
      streak = diverging ? streak + 1 : 0;
      longest = std::max(longest, streak);
    }
    if (longest >= 2)
      add("overfitting", Severity::kWarning,
          fmt::format("for {} epochs the training loss fell while the validation loss rose; the best epoch was {}",
                      longest, best.best_epoch),
          "raise wd or l1, or add training data; early stopping kept the best epoch");
  }
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
