#pragma once
// A small inline-SVG chart writer for the HTML report: axes with "nice" ticks, line series that break
// at non-finite values, scatter series, labelled markers and a legend. Series are clipped to a framed
// plot area, with a small triangle at the edge wherever a line runs off it; a series' title shows on
// hover. No scripts, no external refs.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linlearn::detail {

// Escapes & < > " ' so any text can go into HTML element content or attribute values.
std::string html_escape(std::string_view text);

// Compact number for tick labels and tables: up to `digits` significant digits, no trailing zeros.
std::string format_number(double value, int digits = 4);

// Round tick positions (1, 2 or 5 times a power of ten) covering [low, high], about `count` of them.
std::vector<double> nice_ticks(double low, double high, int count);

struct ChartSeries {
  std::vector<std::pair<double, double>> points;  // a non-finite y breaks a line
  std::string color = "#2563eb";
  double stroke_width = 1.5;
  bool dashed = false;
  bool scatter = false;  // dots instead of a line
  double opacity = 1.0;
  std::string title;  // shown on hover (an SVG <title>); empty: none
};

// Where a marker's label goes relative to its dot. A chart knows which side of its curve is empty
// (below-right of a ROC curve, below-left of a precision-recall curve); the label flips to the other
// side when it would leave the plot.
enum class LabelSide { kAbove, kBelowRight, kBelowLeft };

struct ChartMarker {
  double x = 0.0;
  double y = 0.0;
  std::string label;
  std::string color = "#dc2626";
  LabelSide side = LabelSide::kAbove;
};

// kTriangle: the mark at the plot's edge where a line leaves it.
enum class LegendMark { kLine, kDashedLine, kDot, kTriangle };

struct LegendEntry {
  std::string label;
  std::string color;
  double stroke_width = 2.0;
  LegendMark mark = LegendMark::kLine;
};

struct Range {
  double low = 0.0;
  double high = 1.0;
};

struct ChartSpec {
  std::string id;  // unique within the page: names the clip path
  std::string x_label;
  std::string y_label;
  int width = 540;
  int height = 320;
  Range x_range;
  Range y_range;       // points outside are clipped at the plot edge
  bool log_y = false;  // a log10 y axis: y_range and the points in data units, values <= 0 break lines
  bool integer_x_ticks = false;
  std::vector<ChartSeries> series;  // drawn in order, so the highlighted one goes last
  std::vector<ChartMarker> markers;
  std::vector<LegendEntry> legend;
};

std::string render_chart_svg(const ChartSpec& chart);

}  // namespace linlearn::detail
