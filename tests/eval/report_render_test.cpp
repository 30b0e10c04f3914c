// Renders a sample report with headless Chromium, when it is installed, to prove the page loads and
// paints: the screenshot is decoded and must have the window's size, be mostly not the page's
// background, and show the selected model's blue lines and the red threshold dots.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "eval/sample_report.h"
#include "linlearn/report.h"

namespace linlearn {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

struct Image {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<std::uint8_t> rgb;  // 3 bytes a pixel, row by row
};

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<std::uint8_t>(bytes[at + i]);
  return value;
}

std::uint8_t paeth(int left, int up, int up_left) {
  const int p = left + up - up_left;
  const int a = std::abs(p - left), b = std::abs(p - up), c = std::abs(p - up_left);
  return static_cast<std::uint8_t>(a <= b && a <= c ? left : b <= c ? up : up_left);
}

// Just enough PNG for Chromium's screenshots: 8-bit RGB or RGBA, not interlaced.
Image decode_png(const std::string& png) {
  Image image;
  std::string compressed;
  std::size_t channels = 0;
  for (std::size_t at = 8; at + 8 <= png.size();) {
    const std::uint32_t length = big_endian(png, at);
    const std::string type = png.substr(at + 4, 4);
    if (type == "IHDR") {
      image.width = big_endian(png, at + 8);
      image.height = big_endian(png, at + 12);
      channels = png[at + 17] == 6 ? 4 : png[at + 17] == 2 ? 3 : 0;
      if (png[at + 16] != 8 || png[at + 20] != 0) channels = 0;
    } else if (type == "IDAT") {
      compressed += png.substr(at + 8, length);
    }
    at += 12 + length;
  }
  if (channels == 0) return {};
  const std::size_t stride = image.width * channels;
  std::vector<std::uint8_t> raw(image.height * (stride + 1));
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()) != Z_OK)
    return {};
  std::vector<std::uint8_t> previous(stride, 0), row(stride);
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int left = i >= channels ? row[i - channels] : 0;
      const int up_left = i >= channels ? previous[i - channels] : 0;
      const int predictor = filter == 1   ? left
                            : filter == 2 ? previous[i]
                            : filter == 3 ? (left + previous[i]) / 2
                            : filter == 4 ? paeth(left, previous[i], up_left)
                                          : 0;
      row[i] = static_cast<std::uint8_t>(in[i] + predictor);
    }
    for (std::size_t x = 0; x < image.width; ++x)
      image.rgb.insert(image.rgb.end(), &row[x * channels], &row[x * channels] + 3);
    previous.swap(row);
  }
  return image;
}

// Pixels within a few levels of a colour (anti-aliasing shifts edges only).
std::size_t pixels_near(const Image& image, std::uint32_t rgb) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3) {
    const int dr = image.rgb[i] - static_cast<int>(rgb >> 16 & 0xff);
    const int dg = image.rgb[i + 1] - static_cast<int>(rgb >> 8 & 0xff);
    const int db = image.rgb[i + 2] - static_cast<int>(rgb & 0xff);
    if (std::abs(dr) <= 6 && std::abs(dg) <= 6 && std::abs(db) <= 6) ++n;
  }
  return n;
}

TEST(ReportRenderTest, ChromiumScreenshotIsNonTrivial) {
  if (!std::filesystem::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "linlearn_report_render_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "profile");
  const testing::SampleReport sample = testing::sample_binary_report();
  std::ofstream(dir / "report.html") << render_report_html(sample.metrics, sample.curves());

  const std::filesystem::path png = dir / "report.png";
  // Every network-facing feature off: the page must render from the file alone.
  const std::string command = std::string("timeout 60 ") + kChromium +
                              " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                              " --disable-background-networking --disable-component-update --disable-sync"
                              " --hide-scrollbars --user-data-dir=" +
                              (dir / "profile").string() + " --screenshot=" + png.string() +
                              " --window-size=1200,2400 file://" + (dir / "report.html").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const Image image = decode_png(testing::slurp(png.string()));
  ASSERT_EQ(image.width, 1200U);
  ASSERT_EQ(image.height, 2400U);
  const std::size_t pixels = std::size_t{image.width} * image.height;
  // The grey page background shows only in the margins and between the cards; white cards fill most.
  EXPECT_LT(pixels_near(image, 0xf4f5f7), pixels / 2);
  EXPECT_GT(pixels_near(image, 0xffffff), pixels / 3);
  // Three training charts' selected lines plus the ROC and precision-recall curves, in blue ...
  EXPECT_GT(pixels_near(image, 0x2563eb), 3000U);
  // ... and the two red threshold dots (radius 5) with their labels.
  EXPECT_GT(pixels_near(image, 0xdc2626), 100U);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace linlearn
