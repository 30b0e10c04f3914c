#include "io/file_text.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "io/temp_dir.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using testing::TempDir;

TEST(FileText, GivesTheBytesOfAFileWhileEarlierPagesAreReleased) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 100000; ++i) text += std::to_string(i) + ",1\n";
  FileText file(dir.write("a.csv", text));
  ASSERT_EQ(file.bytes(), text);
  file.release_before(text.size() / 2);
  file.release_before(text.size() / 4);  // already released: nothing happens
  EXPECT_EQ(file.bytes().substr(text.size() / 2), std::string_view(text).substr(text.size() / 2));
  file.release_before(text.size());
}

TEST(FileText, ReadsEmptyAndGzippedFilesWhole) {
  TempDir dir;
  EXPECT_EQ(FileText(dir.write("empty.csv", "")).bytes(), "");
  const std::string gz = dir.path("a.csv.gz");
  gzFile out = gzopen(gz.c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, "1,2\n", 4), 4);
  ASSERT_EQ(gzclose(out), Z_OK);
  FileText file(gz);
  EXPECT_EQ(file.bytes(), "1,2\n");
  file.release_before(4);
  EXPECT_EQ(file.bytes(), "1,2\n");
}

TEST(FileText, ReportsMissingFiles) {
  TempDir dir;
  const std::string missing = dir.path("missing.csv");
  try {
    FileText file(missing);
    FAIL() << "a missing file was opened";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": no such file or directory");
  }
}

}  // namespace
}  // namespace linlearn
