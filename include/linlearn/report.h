#pragma once
// The self-contained HTML training report (SPEC section 5): summary, diagnostics, final metrics,
// per-epoch metrics of every model with the selected one highlighted, a table of the models, the
// hyperparameters that apply, and charts of one channel's predictions. Inline SVG and CSS only: no
// scripts, fonts or network references.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string>

namespace linlearn {

// The selected model's predictions on one channel: `train` passes the test channel when there is one
// (multiclass, regression), else validation, else train; a binary model's ROC and precision-recall
// curves use validation, else train (where its threshold was calibrated). The spans are views: the
// data must outlive the render_report_html call.
struct ReportCurves {
  std::string predictor_type;          // binary_classifier, multiclass_classifier or regressor
  std::string channel = "validation";  // where the records come from, for captions
  int num_classes = 0;
  double threshold = 0.5;  // binary decision threshold: positive when score > threshold
  // binary: P(y=1) or the margin per record; multiclass: records x num_classes probabilities,
  // row-major; regression: the prediction per record.
  std::span<const float> scores;
  std::span<const float> labels;
  std::span<const float> weights;  // empty: every record weighs 1
  // When more than the records given: the channel's size, of which they are a uniform sample.
  std::size_t channel_records = 0;
};

// `metrics` is the metrics.json object of SPEC section 7; missing parts are left out of the report.
// When its selected_model is null (every model diverged) the page says so, shows what diverged and
// charts no predictions: `curves` may then be empty.
std::string render_report_html(const nlohmann::json& metrics, const ReportCurves& curves);

}  // namespace linlearn
