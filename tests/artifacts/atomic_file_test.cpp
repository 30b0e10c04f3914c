#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(AtomicFile, PiecesAppearTogetherOnlyAtCommit) {
  testing::TempDir dir;
  const std::string path = dir.path("out.bin");
  dir.write("out.bin", "old");
  {
    AtomicFile file(path);
    file.write("first ");
    file.write("second");
    EXPECT_EQ(read_all(path), "old");  // the old content stays until the rename
    file.commit();
  }
  EXPECT_EQ(read_all(path), "first second");
  EXPECT_EQ(files_in(dir.path()), 1U);  // no temporary file left
}

TEST(AtomicFile, DroppedUncommittedLeavesTheOldFileAndNoTemporary) {
  testing::TempDir dir;
  const std::string path = dir.path("out.bin");
  dir.write("out.bin", "old");
  {
    AtomicFile file(path);
    file.write("half");
  }
  EXPECT_EQ(read_all(path), "old");
  EXPECT_EQ(files_in(dir.path()), 1U);
}

TEST(AtomicFile, MissingDirectoryIsAnOutputErrorNamingThePath) {
  testing::TempDir dir;
  const std::string path = dir.path("no/such/dir/out.bin");
  try {
    AtomicFile file(path);
    FAIL() << "opened " << path;
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), kExitOutput);
  }
}

TEST(AtomicFile, DirectoryThatIsAFileIsAnOutputError) {
  testing::TempDir dir;
  const std::string file = dir.write("a-file", "x");
  try {
    ensure_directory(file);
    FAIL() << "made a directory of " << file;
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find(file + ": cannot create output directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace linlearn
