#pragma once
// Synthetic metrics.json and evaluation predictions for the report tests: several models over a few
// epochs, one diverging, the selected one in the middle; seeded, so every run builds the same page.
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "linlearn/report.h"

namespace linlearn::testing {

struct SampleReport {
  nlohmann::json metrics;
  std::vector<float> scores;
  std::vector<float> labels;
  std::vector<float> weights;
  int num_classes = 0;
  double threshold = 0.5;

  ReportCurves curves() const {
    ReportCurves c;
    c.predictor_type = metrics["predictor_type"].get<std::string>();
    c.num_classes = num_classes;
    c.threshold = threshold;
    c.scores = scores;
    c.labels = labels;
    c.weights = weights;
    return c;
  }
};

inline nlohmann::json sample_epochs(const std::string& criterion) {
  nlohmann::json epochs = nlohmann::json::array();
  for (int epoch = 0; epoch < 12; ++epoch) {
    nlohmann::json models = nlohmann::json::array();
    for (int model = 0; model < 4; ++model) {
      const double base = 0.25 + 0.05 * model + 0.5 * std::exp(-0.35 * epoch * (1.0 + 0.3 * model));
      nlohmann::json entry{{"index", model}, {"status", "training"}};
      if (model == 3 && epoch >= 4) {
        // A diverging model: its loss runs away and then turns NaN (written as null).
        entry["train:objective_loss"] = epoch < 7 ? nlohmann::json(base * std::pow(6.0, epoch - 3)) : nlohmann::json();
        entry["validation:objective_loss"] =
            epoch < 7 ? nlohmann::json(base * std::pow(6.5, epoch - 3)) : nlohmann::json();
        entry["status"] = epoch < 7 ? "training" : "diverged";
      } else {
        entry["train:objective_loss"] = base;
        entry["validation:objective_loss"] = base + 0.02 + 0.002 * epoch;
      }
      if (!criterion.empty())
        entry["validation:" + criterion] = 0.7 + 0.2 * (1.0 - std::exp(-0.4 * epoch)) - 0.02 * model;
      models.push_back(entry);
    }
    epochs.push_back({{"epoch", epoch}, {"seconds", 0.12}, {"records_per_second", 80000.0}, {"models", models}});
  }
  return epochs;
}

// Model 1 is selected; 0 was pruned, 3 diverged; they differ in learning_rate (and 2 in optimizer).
inline nlohmann::json sample_models(const std::string& predictor_type) {
  const std::vector<std::tuple<const char*, int, double, const char*>> outcomes{{"pruned", 3, 0.1, "adam"},
                                                                                {"early_stopped", 11, 0.05, "adam"},
                                                                                {"max_epochs", 11, 0.02, "sgd"},
                                                                                {"diverged", 7, 0.4, "adam"}};
  nlohmann::json models = nlohmann::json::array();
  for (std::size_t m = 0; m < outcomes.size(); ++m) {
    const auto& [status, stopped, learning_rate, optimizer] = outcomes[m];
    models.push_back(
        {{"index", m},
         {"status", status},
         {"stopped_at_epoch", stopped},
         {"best_epoch", std::string(status) == "diverged" ? -1 : stopped - 2},
         {"best_criterion", std::string(status) == "diverged" ? nlohmann::json() : nlohmann::json(0.3 + 0.01 * m)},
         {"hyperparameters",
          {{"predictor_type", predictor_type},
           {"loss", "logistic"},
           {"learning_rate", learning_rate},
           {"optimizer", optimizer},
           {"momentum", 0.9},
           {"beta_1", 0.9},
           {"wd", 0.0}}}});
  }
  return models;
}

inline nlohmann::json sample_metrics(const std::string& predictor_type, const std::string& criterion) {
  return {
      {"linlearn_version", "0.1.0"},
      {"predictor_type", predictor_type},
      {"seed", 7},
      {"threads", 2},
      {"world_size", 1},
      {"hyperparameters", {{"predictor_type", predictor_type}, {"learning_rate", 0.1}, {"epochs", 12}}},
      {"data",
       {{"train", {{"records", 4000}, {"feature_dim", 20}, {"sparse", false}, {"files", {"train.csv"}}}},
        {"validation", {{"records", 1000}, {"feature_dim", 20}, {"sparse", false}, {"files", {"validation.csv"}}}}}},
      {"selected_model",
       {{"index", 1},
        {"epoch", 9},
        {"threshold", 0.42},
        {"hyperparameters",
         {{"predictor_type", predictor_type},
          {"learning_rate", 0.05},
          {"wd", 0.0001},
          {"l1", 0.0},
          {"optimizer", "adam"},
          {"mini_batch_size", 1000},
          {"epochs", 12},
          {"use_bias", true},
          {"loss", "auto <resolved> & \"logistic\""},
          // None of these has an effect on an adam model with that loss (the report leaves them out).
          {"momentum", 0.9},
          {"quantile", 0.5},
          {"huber_delta", 1.0},
          {"binary_classifier_model_selection_criteria", "accuracy"},
          {"accuracy_top_k", 3},
          {"num_classes", predictor_type == "multiclass_classifier" ? 5 : 1},
          {"target_precision", 0.8},
          // A long value: a list, as JSON.
          {"grid", {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0}}}}}},
      {"models", sample_models(predictor_type)},
      {"final_metrics",
       {{"train:objective_loss", 0.31}, {"validation:objective_loss", 0.335}, {"validation:" + criterion, 0.874}}},
      {"epochs", sample_epochs(criterion)},
      {"early_stopping", {{"criterion", criterion}, {"best_epoch", 9}, {"stopped_at_epoch", 11}}},
      {"convergence",
       {{"status", "early_stopped"},
        {"diagnostics",
         {{{"code", "model_diverged"},
           {"severity", "warning"},
           {"message", "model 3 diverged at epoch 7 (loss <script>alert(1)</script> > 10x)"},
           {"suggestion", "lower the learning_rate for that model's grid point"}},
          {{"code", "early_stopped"},
           {"severity", "info"},
           {"message", "stopped after 3 epochs without improvement"},
           {"suggestion", ""}}}}}},
      {"timing", {{"total_seconds", 1.84}, {"read_seconds", 0.2}, {"train_seconds", 1.6}}},
  };
}

inline SampleReport sample_binary_report() {
  SampleReport report{sample_metrics("binary_classifier", "binary_classification_accuracy"), {}, {}, {}, 0, 0.42};
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (int i = 0; i < 1000; ++i) {
    const float label = (i % 3 == 0) ? 1.0f : 0.0f;
    const float margin = 1.6f * (2.0f * label - 1.0f) + 1.1f * noise(rng);
    report.scores.push_back(1.0f / (1.0f + std::exp(-margin)));
    report.labels.push_back(label);
    report.weights.push_back(label > 0.5f ? 2.0f : 1.0f);
  }
  return report;
}

inline SampleReport sample_multiclass_report() {
  SampleReport report{sample_metrics("multiclass_classifier", "multiclass_accuracy"), {}, {}, {}, 5, 0.5};
  std::mt19937 rng(43);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (int i = 0; i < 600; ++i) {
    const int label = i % report.num_classes;
    std::vector<float> logits(static_cast<std::size_t>(report.num_classes));
    float total = 0.0f;
    for (int c = 0; c < report.num_classes; ++c) {
      logits[static_cast<std::size_t>(c)] = std::exp((c == label ? 1.5f : 0.0f) + noise(rng));
      total += logits[static_cast<std::size_t>(c)];
    }
    for (const float logit : logits) report.scores.push_back(logit / total);
    report.labels.push_back(static_cast<float>(label));
  }
  return report;
}

inline SampleReport sample_regression_report(int records) {
  SampleReport report{sample_metrics("regressor", "mse"), {}, {}, {}, 0, 0.5};
  std::mt19937 rng(44);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  for (int i = 0; i < records; ++i) {
    const float truth = 10.0f + 3.0f * noise(rng);
    report.labels.push_back(truth);
    report.scores.push_back(truth + 0.8f * noise(rng));
  }
  return report;
}

}  // namespace linlearn::testing
