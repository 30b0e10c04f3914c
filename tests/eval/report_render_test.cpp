// Renders a sample report with headless Chromium, when it is installed, to prove the page loads and
// paints: the screenshot must exist and be far larger than a blank page's.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "eval/sample_report.h"
#include "linlearn/report.h"

namespace linlearn {
namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

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
                              " --user-data-dir=" + (dir / "profile").string() + " --screenshot=" + png.string() +
                              " --window-size=1200,2400 file://" + (dir / "report.html").string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_TRUE(std::filesystem::exists(png));
  // A blank 1200x2400 PNG compresses to a few kilobytes; charts and text take far more.
  EXPECT_GT(std::filesystem::file_size(png), 50000U);
  std::ifstream in(png, std::ios::binary);
  char signature[8] = {};
  in.read(signature, sizeof signature);
  EXPECT_EQ(std::string(signature, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace linlearn
