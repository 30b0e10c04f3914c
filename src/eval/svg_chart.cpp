// Inline-SVG line and scatter charts for the HTML report (see svg_chart.h).
#include "eval/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace linlearn::detail {
namespace {

constexpr int kMarginLeft = 64;
constexpr int kMarginRight = 18;
constexpr int kMarginBottom = 46;
constexpr int kMarginTopPlain = 14;
constexpr int kMarginTopWithLegend = 34;
constexpr int kLegendRowHeight = 18;
// Keeps coordinates of far-off points finite and short; the clip path hides them anyway.
constexpr double kMaxOffset = 1e4;

// A range with room in it: a single value gets a small band around it.
Range widened(Range range) {
  if (!std::isfinite(range.low) || !std::isfinite(range.high)) return {0.0, 1.0};
  if (range.high > range.low) return range;
  const double pad = std::max(std::abs(range.low) * 0.05, 0.5);
  return {range.low - pad, range.high + pad};
}

double log_or_nan(double y) {
  return y > 0.0 ? std::log10(y) : NAN;
}

// Pixel positions of data values. On a log axis y_range() and the tick values are powers of ten
// (exponents); data values go through ty() first.
class Frame {
 public:
  Frame(const ChartSpec& chart, int top)
      : left_(kMarginLeft),
        top_(top),
        width_(chart.width - kMarginLeft - kMarginRight),
        height_(chart.height - top - kMarginBottom),
        log_y_(chart.log_y),
        x_(widened(chart.x_range)),
        y_(widened(log_y_ ? Range{log_or_nan(chart.y_range.low), log_or_nan(chart.y_range.high)} : chart.y_range)) {}

  double ty(double y) const { return log_y_ ? log_or_nan(y) : y; }
  bool plottable(double x, double y) const { return std::isfinite(x) && std::isfinite(ty(y)); }
  double px(double x) const { return clamp(left_ + (x - x_.low) / (x_.high - x_.low) * width_); }
  double py(double y) const { return pixel_y(ty(y)); }
  // For an axis position (a tick): already an exponent on a log axis.
  double pixel_y(double axis_y) const {
    return clamp(top_ + height_ - (axis_y - y_.low) / (y_.high - y_.low) * height_);
  }
  bool log_y() const { return log_y_; }
  int left() const { return left_; }
  int top() const { return top_; }
  int right() const { return left_ + width_; }
  int bottom() const { return top_ + height_; }
  int width() const { return width_; }
  int height() const { return height_; }
  const Range& x_range() const { return x_; }
  const Range& y_range() const { return y_; }

 private:
  static double clamp(double v) { return std::clamp(v, -kMaxOffset, kMaxOffset); }
  int left_, top_, width_, height_;
  bool log_y_;
  Range x_, y_;
};

std::string polyline(const std::string& points, const ChartSeries& series) {
  std::string svg = fmt::format(
      "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\" stroke-opacity=\"{}\" "
      "stroke-linejoin=\"round\" stroke-linecap=\"round\"{}/>\n",
      points, html_escape(series.color), series.stroke_width, series.opacity,
      series.dashed ? " stroke-dasharray=\"5 4\"" : "");
  // A thin line is hard to point at: an invisible wide stroke over it catches the hover for the title
  // (thick ones, such as the selected model's, are easy enough and would double the page's size).
  if (!series.title.empty() && series.stroke_width < 2.0) {
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#000\" stroke-opacity=\"0\" stroke-width=\"9\"/>\n", points);
  }
  return svg;
}

std::string render_scatter(const ChartSeries& series, const Frame& frame) {
  std::string svg;
  for (const auto& [x, y] : series.points) {
    if (!frame.plottable(x, y)) continue;
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.2\" fill=\"{}\" fill-opacity=\"{}\"/>\n", frame.px(x),
                       frame.py(y), html_escape(series.color), series.opacity);
  }
  return svg;
}

// A triangle pointing up (down) with its base on `y`, in the series' colour with a dark outline, so
// that the mark of a pale line shows too.
std::string edge_triangle(double x, double y, int direction, const std::string& color) {
  return fmt::format("<path d=\"M{:.1f} {:.1f} h10 l-5 {} z\" fill=\"{}\" stroke=\"#4b5563\" stroke-width=\"0.8\"/>\n",
                     x - 5, y, direction > 0 ? -9 : 9, html_escape(color));
}

// A triangle on the plot's top (bottom) edge where a run of the line's points lies above (below)
// the y range, so a clipped line does not look as if it just stopped.
std::string render_off_chart_marks(const ChartSeries& series, const Frame& frame) {
  std::string svg;
  int previous_side = 0;
  for (const auto& [x, y] : series.points) {
    const double axis_y = frame.ty(y);
    const int side = !frame.plottable(x, y)          ? 0
                     : axis_y > frame.y_range().high ? 1
                     : axis_y < frame.y_range().low  ? -1
                                                     : 0;
    if (side != 0 && side != previous_side) {
      // Inside the plot, pointing the way the line went.
      svg += edge_triangle(frame.px(x), side > 0 ? frame.top() + 9 : frame.bottom() - 9, side, series.color);
    }
    previous_side = side;
  }
  return svg;
}

std::string render_series(const ChartSeries& series, const Frame& frame) {
  std::string svg = series.title.empty() ? "" : "<g><title>" + html_escape(series.title) + "</title>\n";
  const std::string close = series.title.empty() ? "" : "</g>\n";
  if (series.scatter) return svg + render_scatter(series, frame) + close;
  std::vector<std::pair<double, double>> segment;  // pixel coordinates of one unbroken run
  const auto flush = [&] {
    if (segment.size() == 1) {
      // A lone point has no line to be part of; a dot keeps it visible.
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"/>\n", segment[0].first,
                         segment[0].second, series.stroke_width + 1.5, html_escape(series.color));
    } else if (segment.size() > 1) {
      std::string points;
      for (const auto& [x, y] : segment) points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", x, y);
      svg += polyline(points, series);
    }
    segment.clear();
  };
  for (const auto& [x, y] : series.points) {
    if (frame.plottable(x, y)) {
      segment.emplace_back(frame.px(x), frame.py(y));
    } else {
      flush();
    }
  }
  flush();
  return svg + render_off_chart_marks(series, frame) + close;
}

// A log axis ticks whole powers of ten when it spans at least two.
std::vector<double> y_ticks(const Frame& frame) {
  std::vector<double> ticks = nice_ticks(frame.y_range().low, frame.y_range().high, 5);
  if (!frame.log_y()) return ticks;
  std::vector<double> whole = ticks;
  std::erase_if(whole, [](double t) { return t != std::round(t); });
  return whole.size() >= 2 ? whole : ticks;
}

// 10^exponent as a tick label: plain from 0.001 to 1000, else 1e<k>.
std::string power_of_ten(double exponent) {
  if (exponent != std::round(exponent)) return format_number(std::pow(10.0, exponent), 2);
  if (std::abs(exponent) <= 3) return format_number(std::pow(10.0, exponent));
  return fmt::format("1e{}", static_cast<int>(exponent));
}

std::string render_axes(const ChartSpec& chart, const Frame& frame) {
  std::string svg;
  std::vector<double> x_ticks = nice_ticks(frame.x_range().low, frame.x_range().high, 6);
  if (chart.integer_x_ticks) {
    std::erase_if(x_ticks, [](double t) { return t != std::round(t); });
  }
  for (const double tick : y_ticks(frame)) {
    const double y = frame.pixel_y(tick);
    svg += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#e8eaee\"/>\n", frame.left(), y,
                       frame.right(), y);
    svg += fmt::format(
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" dominant-baseline=\"middle\" "
        "font-size=\"11\" fill=\"#5b6270\">{}</text>\n",
        frame.left() - 6, y, html_escape(frame.log_y() ? power_of_ten(tick) : format_number(tick)));
  }
  for (const double tick : x_ticks) {
    const double x = frame.px(tick);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#e8eaee\"/>\n", x, frame.top(),
                       x, frame.bottom());
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#5b6270\">{}</text>\n",
                    x, frame.bottom() + 16, html_escape(format_number(tick)));
  }
  // The frame marks where series are clipped; the axes themselves are darker.
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#e3e6eb\"/>\n",
                     frame.left(), frame.top(), frame.width(), frame.height());
  svg += fmt::format("<path d=\"M{} {} V{} H{}\" fill=\"none\" stroke=\"#9aa1ac\"/>\n", frame.left(), frame.top(),
                     frame.bottom(), frame.right());
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#374151\">{}</text>\n",
                     frame.left() + frame.width() / 2, chart.height - 8, html_escape(chart.x_label));
  svg += fmt::format(
      "<text transform=\"translate(14 {}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" "
      "fill=\"#374151\">{}</text>\n",
      frame.top() + frame.height() / 2, html_escape(chart.y_label));
  return svg;
}

// Where each legend entry starts: left to right from the plot's left edge, on a new row of
// kLegendRowHeight when the next would pass the chart's right edge.
std::vector<std::pair<double, double>> legend_places(const ChartSpec& chart) {
  std::vector<std::pair<double, double>> places;
  double x = kMarginLeft;
  double y = 16.0;
  for (const LegendEntry& entry : chart.legend) {
    // Roughly 6.5px per character at 11px: good enough to keep entries apart.
    const double width = 24 + 6.5 * static_cast<double>(entry.label.size());
    if (x > kMarginLeft && x + width > chart.width) {
      x = kMarginLeft;
      y += kLegendRowHeight;
    }
    places.emplace_back(x, y);
    x += width + 18;
  }
  return places;
}

int top_margin(const ChartSpec& chart) {
  if (chart.legend.empty()) return kMarginTopPlain;
  return kMarginTopWithLegend + static_cast<int>(legend_places(chart).back().second - 16.0);
}

std::string render_legend(const ChartSpec& chart) {
  std::string svg;
  const std::vector<std::pair<double, double>> places = legend_places(chart);
  for (std::size_t i = 0; i < chart.legend.size(); ++i) {
    const LegendEntry& entry = chart.legend[i];
    const auto [x, y] = places[i];
    if (entry.mark == LegendMark::kDot) {
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{}\" r=\"5\" fill=\"{}\"/>\n", x + 9, y, html_escape(entry.color));
    } else if (entry.mark == LegendMark::kTriangle) {
      svg += edge_triangle(x + 9, y + 4, 1, entry.color);
    } else {
      svg +=
          fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n",
                      x, y, x + 18, y, html_escape(entry.color), entry.stroke_width,
                      entry.mark == LegendMark::kDashedLine ? " stroke-dasharray=\"4 3\"" : "");
    }
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{}\" dominant-baseline=\"middle\" font-size=\"11\" fill=\"#374151\">{}</text>\n",
        x + 24, y, html_escape(entry.label));
  }
  return svg;
}

// Label position (text x, baseline y, anchor) for a marker's dot at (x, y), kept inside the plot.
struct LabelPlace {
  double x;
  double y;
  const char* anchor;
};

LabelPlace place_label(const ChartMarker& marker, double x, double y, const Frame& frame) {
  // Roughly 6.6px per character of 11px bold text.
  const double width = 6.6 * static_cast<double>(marker.label.size());
  bool right = marker.side == LabelSide::kBelowRight ||
               (marker.side == LabelSide::kAbove && x < frame.left() + 0.7 * frame.width());
  if (right && x + 9 + width > frame.right()) right = false;
  if (!right && x - 9 - width < frame.left()) right = true;
  bool below = marker.side != LabelSide::kAbove || y < frame.top() + 20;
  if (below && y + 18 > frame.bottom()) below = false;
  return {right ? x + 9 : x - 9, below ? y + 17 : y - 9, right ? "start" : "end"};
}

std::string render_marker(const ChartMarker& marker, const Frame& frame) {
  const double x = frame.px(marker.x);
  const double y = frame.py(marker.y);
  std::string svg =
      fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1.5\"/>\n",
                  x, y, html_escape(marker.color));
  if (!marker.label.empty()) {
    const LabelPlace place = place_label(marker, x, y, frame);
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"11\" font-weight=\"600\" "
        "fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>\n",
        place.x, place.y, place.anchor, html_escape(marker.color), html_escape(marker.label));
  }
  return svg;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string format_number(double value, int digits) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0.0) return "0";  // also turns -0 into 0
  return fmt::format("{:.{}g}", value, digits);
}

std::vector<double> nice_ticks(double low, double high, int count) {
  if (!std::isfinite(low) || !std::isfinite(high) || high <= low || count < 1) return {low};
  const double raw_step = (high - low) / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  const double normalized = raw_step / magnitude;
  const double step = (normalized < 1.5 ? 1.0 : normalized < 3.0 ? 2.0 : normalized < 7.0 ? 5.0 : 10.0) * magnitude;
  std::vector<double> ticks;
  for (double k = std::ceil(low / step - 1e-9); k * step <= high + step * 1e-9; k += 1.0) {
    // Multiplying (not accumulating) keeps ticks like 0.3 free of drift.
    ticks.push_back(std::abs(k) < 1e-9 ? 0.0 : k * step);
  }
  return ticks;
}

std::string render_chart_svg(const ChartSpec& chart) {
  const Frame frame(chart, top_margin(chart));
  const std::string clip_id = html_escape(chart.id) + "-clip";
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" "
      "role=\"img\">\n",
      chart.width, chart.height);
  svg +=
      fmt::format("<defs><clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath></defs>\n",
                  clip_id, frame.left(), frame.top(), frame.width(), frame.height());
  svg += render_legend(chart);
  svg += render_axes(chart, frame);
  svg += fmt::format("<g clip-path=\"url(#{})\">\n", clip_id);
  for (const ChartSeries& series : chart.series) svg += render_series(series, frame);
  svg += "</g>\n";
  for (const ChartMarker& marker : chart.markers) svg += render_marker(marker, frame);
  svg += "</svg>\n";
  return svg;
}

}  // namespace linlearn::detail
