// The inline-SVG charts: lines that leave the plot are marked at its edge, log axes tick powers of
// ten, marker labels stay inside the plot, and series titles show on hover.
#include "eval/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace linlearn::detail {
namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

ChartSpec unit_chart() {
  ChartSpec chart;
  chart.id = "t";
  chart.x_range = {0, 4};
  chart.y_range = {0, 4};
  return chart;
}

TEST(SvgChart, RunsOffThePlotAreMarkedAtItsEdge) {
  ChartSpec chart = unit_chart();
  // Two points above the top (one run: one mark), then one below the bottom.
  chart.series.push_back({{{0, 1}, {1, 10}, {2, 11}, {3, 1}, {4, -5}}, "#123456", 1.0, false, false, 1.0, ""});
  const std::string svg = render_chart_svg(chart);
  // Triangles inside the plot, pointing the way the line went, outlined so that pale lines' show.
  EXPECT_EQ(count(svg, " h10 l-5 -9 z\" fill=\"#123456\" stroke=\"#4b5563\""), 1U);
  EXPECT_EQ(count(svg, " h10 l-5 9 z\" fill=\"#123456\" stroke=\"#4b5563\""), 1U);
  // The plot area is framed, and the series clipped to exactly that frame.
  EXPECT_NE(svg.find("<clipPath id=\"t-clip\"><rect x=\"64\" y=\"14\" width=\"458\" height=\"260\"/>"),
            std::string::npos);
  EXPECT_NE(svg.find("<rect x=\"64\" y=\"14\" width=\"458\" height=\"260\" fill=\"none\""), std::string::npos);
}

TEST(SvgChart, LogAxisTicksPowersOfTenAndBreaksAtNonPositiveValues) {
  ChartSpec chart = unit_chart();
  chart.log_y = true;
  chart.y_range = {1.0, 1e6};
  chart.series.push_back({{{0, 1}, {1, 1e3}, {2, 0.0}, {3, 1e5}, {4, 1e6}}, "#000000", 1.0, false, false, 1.0, ""});
  const std::string svg = render_chart_svg(chart);
  for (const char* label : {">1</text>", ">100</text>", ">1000</text>", ">1e4</text>", ">1e6</text>"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  EXPECT_EQ(count(svg, "stroke=\"#000000\""), 2U);  // the 0 splits the line in two
  EXPECT_EQ(svg.find("nan,"), std::string::npos);
  EXPECT_EQ(svg.find(",nan"), std::string::npos);
}

TEST(SvgChart, MarkerLabelsFlipToStayInsideThePlot) {
  ChartSpec chart = unit_chart();
  chart.markers.push_back({3.9, 2.0, "threshold 0.5", "#dc2626", LabelSide::kBelowRight});
  chart.markers.push_back({0.1, 2.0, "threshold 0.5", "#dc2626", LabelSide::kBelowLeft});
  const std::string svg = render_chart_svg(chart);
  // Near the right edge a below-right label goes left (anchored at its end), near the left one right.
  const std::size_t first = svg.find("text-anchor=\"end\" font-size=\"11\" font-weight=\"600\"");
  const std::size_t second = svg.find("text-anchor=\"start\" font-size=\"11\" font-weight=\"600\"");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  EXPECT_LT(first, second);
}

TEST(SvgChart, SeriesTitlesShowOnHover) {
  ChartSpec chart = unit_chart();
  chart.series.push_back({{{0, 1}, {4, 2}}, "#000000", 1.0, false, false, 1.0, "model <3>"});
  chart.series.push_back({{{0, 1}, {4, 3}}, "#000000", 1.0, true, false, 1.0, ""});
  const std::string svg = render_chart_svg(chart);
  EXPECT_EQ(count(svg, "<title>"), 1U);
  EXPECT_NE(svg.find("<g><title>model &lt;3&gt;</title>"), std::string::npos);
  // The titled thin line gets an invisible wide stroke to point at.
  EXPECT_NE(svg.find("stroke-opacity=\"0\" stroke-width=\"9\""), std::string::npos);
}

}  // namespace
}  // namespace linlearn::detail
