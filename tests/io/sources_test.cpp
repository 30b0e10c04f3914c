#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "io/temp_dir.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

using testing::TempDir;

std::string gzip(const std::string& data) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string error_of_expand(const std::vector<std::string>& specs) {
  try {
    expand_paths(specs);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string error_of_read(const std::string& path) {
  try {
    read_file_bytes(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Sources, ExpandsFilesDirectoriesAndGlobsInOrder) {
  TempDir dir;
  const std::string b = dir.write("shards/part-b.csv", "1,2\n");
  const std::string a = dir.write("shards/part-a.csv", "1,2\n");
  dir.write("shards/.hidden", "1,2\n");
  dir.write("shards/nested/part-c.csv", "1,2\n");
  const std::string single = dir.write("single.csv", "1,2\n");

  EXPECT_EQ(expand_paths({dir.path("shards")}), (std::vector<std::string>{a, b}));
  EXPECT_EQ(expand_paths({single, dir.path("shards/part-*.csv"), "-"}), (std::vector<std::string>{single, a, b, "-"}));
}

TEST(Sources, ReportsSpecsThatMatchNothing) {
  TempDir dir;
  std::filesystem::create_directories(dir.path("empty"));
  dir.write("empty/.hidden", "x");
  const std::string missing = dir.path("missing.csv");
  EXPECT_EQ(error_of_expand({missing}), missing + ": no such file or directory");
  EXPECT_EQ(error_of_expand({dir.path("*.nothing")}), dir.path("*.nothing") + ": no files match");
  EXPECT_EQ(error_of_expand({dir.path("empty")}).rfind(dir.path("empty") + ": no files match", 0), 0u);
}

TEST(Sources, ReadsPlainFiles) {
  TempDir dir;
  const std::string content("1,2\n\0binary\xff", 13);
  EXPECT_EQ(read_file_bytes(dir.write("plain.csv", content)), content);
  EXPECT_EQ(read_file_bytes(dir.write("empty.csv", "")), "");
  const std::string missing = dir.path("missing.csv");
  EXPECT_EQ(error_of_read(missing), missing + ": no such file or directory");
}

TEST(Sources, DecompressesGzipIncludingConcatenatedMembers) {
  TempDir dir;
  std::mt19937 rng(3);
  std::string big;
  while (big.size() < (3u << 20)) big += std::to_string(rng() % 1000) + (rng() % 10 == 0 ? "\n" : ",");
  EXPECT_EQ(read_file_bytes(dir.write("big.csv.gz", gzip(big))), big);
  EXPECT_EQ(read_file_bytes(dir.write("two.csv.gz", gzip("1,2\n") + gzip("0,3\n"))), "1,2\n0,3\n");
}

// Reads "-" with `content` on standard input, restoring the real one afterwards.
std::string read_stdin_with(const TempDir& dir, const std::string& content) {
  const int file = ::open(dir.write("stdin", content).c_str(), O_RDONLY);
  const int saved = ::dup(STDIN_FILENO);
  ::dup2(file, STDIN_FILENO);
  ::close(file);
  std::string read;
  try {
    read = read_file_bytes("-");
  } catch (...) {
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    throw;
  }
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  return read;
}

TEST(Sources, ReadsStandardInputGzippedOrNot) {
  TempDir dir;
  EXPECT_EQ(read_stdin_with(dir, "1,2\n0,3\n"), "1,2\n0,3\n");
  EXPECT_EQ(read_stdin_with(dir, gzip("1 1:2\n")), "1 1:2\n");
}

TEST(Sources, ReportsBrokenGzip) {
  TempDir dir;
  const std::string whole = gzip("1,2,3\n4,5,6\n");
  const std::string truncated = dir.write("cut.csv.gz", whole.substr(0, whole.size() - 6));
  EXPECT_EQ(error_of_read(truncated), truncated + ": truncated gzip data");
  const std::string garbage = dir.write("bad.csv.gz", "1,2,3\n");
  EXPECT_EQ(error_of_read(garbage).rfind(garbage + ": not valid gzip data", 0), 0u);
}

}  // namespace
}  // namespace linlearn
