#pragma once
// A small inline-SVG chart writer for the HTML report: axes with "nice" ticks, line series that break
// at non-finite values, scatter series, labelled markers and a legend. No scripts, no external refs.
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
};

struct ChartMarker {
  double x = 0.0;
  double y = 0.0;
  std::string label;
  std::string color = "#dc2626";
};

struct LegendEntry {
  std::string label;
  std::string color;
  double stroke_width = 2.0;
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
  Range y_range;  // points outside are clipped at the plot edge
  bool integer_x_ticks = false;
  std::vector<ChartSeries> series;  // drawn in order, so the highlighted one goes last
  std::vector<ChartMarker> markers;
  std::vector<LegendEntry> legend;
};

std::string render_chart_svg(const ChartSpec& chart);

}  // namespace linlearn::detail
