// The live progress line on a real pseudo-terminal (util-linux `script`): it is drawn, log lines
// never share a row with it, and it is gone when the run ends.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"

namespace linlearn {
namespace {

using testing::data_path;

constexpr const char* kScript = "/usr/bin/script";

// The rows a terminal shows after `bytes`: \r returns to column 0, ESC[K erases to the end of the
// row, \n starts the next row, other characters overwrite what is under the cursor.
std::vector<std::string> screen_rows(const std::string& bytes) {
  std::vector<std::string> rows{""};
  std::size_t column = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string& row = rows.back();
    if (bytes[i] == '\r') {
      column = 0;
    } else if (bytes[i] == '\n') {
      rows.emplace_back();
      column = 0;
    } else if (bytes.compare(i, 3, "\033[K") == 0) {
      row.resize(column);
      i += 2;
    } else {
      if (column < row.size()) {
        row[column] = bytes[i];
      } else {
        row += bytes[i];
      }
      ++column;
    }
  }
  return rows;
}

TEST(ProgressPty, LogLinesNeverShareARowWithTheProgressLine) {
  if (!std::filesystem::exists(kScript)) GTEST_SKIP() << kScript << " (util-linux) is not installed";
  testing::TempDir dir;
  // --verbose logs the pruning line while the epoch's finished progress line is still drawn.
  const std::string train = std::string(LINLEARN_EXE) + " train --predictor_type binary_classifier --train " +
                            data_path("churn/train.csv") + " --validation " + data_path("churn/validation.csv") +
                            " --epochs 3 --verbose --output-dir " + dir.path("out");
  const auto r = testing::run_command(std::string(kScript) + " -qfec '" + train + "' /dev/null", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& bytes = r.out;  // the terminal's output: the command's stdout and stderr
  const std::regex progress(R"(epoch [1-3]/3 \[[#.]{20}\] +\d+%  \S+ records/s  loss \S+  at most \S+ left)");
  ASSERT_NE(bytes.find("epoch 1/3 ["), std::string::npos) << "no progress line was drawn:\n" << bytes;
  // Drawn only over an erased row, and erased before anything else is written.
  for (std::size_t at = bytes.find("epoch "); at != std::string::npos; at = bytes.find("epoch ", at + 1)) {
    if (bytes.compare(at, 8, "epoch 1/") != 0 && bytes.compare(at, 8, "epoch 2/") != 0 &&
        bytes.compare(at, 8, "epoch 3/") != 0)
      continue;
    EXPECT_TRUE(at >= 3 && (bytes.compare(at - 3, 3, "\033[K") == 0 || bytes[at - 1] == '\n'))
        << "progress line drawn over text at byte " << at;
    const std::size_t end = bytes.find("left", at);
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(bytes.compare(end + 4, 4, "\r\033[K"), 0) << "not erased before what follows, at byte " << at;
  }
  std::size_t log_rows = 0;
  const std::vector<std::string> rows = screen_rows(bytes);
  for (const std::string& row : rows) {
    if (std::regex_match(row, progress)) continue;
    ++log_rows;
    EXPECT_EQ(row.find(" records/s  loss "), std::string::npos) << "a log line glued to a progress line: " << row;
    EXPECT_EQ(row.find("at most"), std::string::npos) << "a log line glued to a progress line: " << row;
  }
  EXPECT_GE(log_rows, 10U) << bytes;
  EXPECT_EQ(rows.back(), "") << "the progress line is left on the screen";
  EXPECT_NE(std::find(rows.begin(), rows.end(), "  epoch  seconds  records/s  best  train loss  valid loss  training"),
            rows.end())
      << bytes;
}

}  // namespace
}  // namespace linlearn
