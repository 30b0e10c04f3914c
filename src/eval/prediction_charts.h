#pragma once
// The report section about the selected model's predictions on the evaluation channel: ROC and
// precision-recall curves (binary), a confusion matrix (multiclass), residuals (regression).
#include <string>

#include "linlearn/report.h"

namespace linlearn::detail {

// At most this many points go into the residual scatter, so the page stays small.
inline constexpr std::size_t kMaxScatterPoints = 2000;

// An HTML <section>; a short note instead of charts when there are no records to show.
std::string render_prediction_section(const ReportCurves& curves);

}  // namespace linlearn::detail
