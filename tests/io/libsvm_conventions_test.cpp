#include "io/libsvm_conventions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/channel_reader.h"
#include "io/temp_dir.h"
#include "linlearn/chunked_reader.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

using testing::TempDir;

// Options that collect what the reader tells the log.
struct Noted {
  std::vector<std::string> notes;
  ReadOptions opts;
  Noted() {
    opts.note = [this](const std::string& note) { notes.push_back(note); };
  }
};

std::string error_of(const std::vector<std::string>& specs, const ReadOptions& opts) {
  try {
    read_channel(specs, opts);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LibsvmConventions, OneBasedFilesMoveDownByOne) {
  TempDir dir;
  Noted n;
  const Dataset data = read_channel({dir.write("a.svm", "1 1:0.5 3:2\n0 2:1\n")}, n.opts);
  EXPECT_EQ(data.libsvm_base, IndexBase::kOneBased);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{0, 2, 1}));
  EXPECT_EQ(data.feature_dim, 3u);
  EXPECT_TRUE(n.notes.empty());
}

TEST(LibsvmConventions, AnIndexZeroMakesTheWholeChannelZeroBasedAndIsLogged) {
  TempDir dir;
  const std::string a = dir.write("shards/a.svm", "1 1:0.5 3:2\n");
  const std::string b = dir.write("shards/b.svm", "0 0:1 2:1\n");
  Noted n;
  const Dataset data = read_channel({dir.path("shards")}, n.opts);
  EXPECT_EQ(data.libsvm_base, IndexBase::kZeroBased);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1, 3, 0, 2}));  // a.svm's indices are kept too
  EXPECT_EQ(data.feature_dim, 4u);
  ASSERT_EQ(n.notes.size(), 1u);
  EXPECT_EQ(n.notes[0], b + " holds index 0: the channel's LIBSVM indices are read as 0-based");
}

TEST(LibsvmConventions, ZeroBasedIndicesAreCheckedAgainstADeclaredFeatureDim) {
  TempDir dir;
  ReadOptions opts;
  opts.feature_dim = 3;
  const std::string file = dir.write("a.svm", "1 0:1\n0 1:1 3:1\n");
  EXPECT_EQ(error_of({file}, opts), file + ":2:7: found '3', expected an index below feature_dim 3 (0-based indices)");
  EXPECT_EQ(read_channel({dir.write("b.svm", "1 0:1\n0 1:1 2:1\n")}, opts).feature_dim, 3u);
}

TEST(LibsvmConventions, ABaseGivenByTheTrainingDataIsKept) {
  TempDir dir;
  ReadOptions opts;
  opts.libsvm_base = IndexBase::kZeroBased;
  const Dataset data = read_channel({dir.write("v.svm", "1 1:1 2:1\n")}, opts);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(data.libsvm_base, IndexBase::kZeroBased);
  opts.libsvm_base = IndexBase::kOneBased;
  const std::string zero = dir.write("w.svm", "1 1:1\n0 0:1\n");
  EXPECT_EQ(error_of({zero}, opts), zero +
                                        ":2:3: found '0', expected a feature index >= 1 (this job's LIBSVM indices are "
                                        "1-based, as its training data's)");
}

TEST(LibsvmConventions, MinusOneLabelsOfABinaryTaskReadAsZero) {
  TempDir dir;
  const std::string pm = dir.write("pm.svm", "+1 1:1\n-1 2:1\n");
  const std::string zo = dir.write("zo.svm", "1 1:1\n0 2:1\n");
  Noted n;
  n.opts.minus_one_is_zero = true;
  n.opts.label_ok = [](float y) { return y == 0.0F || y == 1.0F; };
  const Dataset a = read_channel({pm}, n.opts);
  const Dataset b = read_channel({zo}, n.opts);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.col_idx, b.col_idx);
  EXPECT_EQ(n.notes, (std::vector<std::string>{pm + ": binary LIBSVM labels -1/+1 read as 0/1"}));
  n.opts.minus_one_is_zero = false;
  EXPECT_NE(error_of({pm}, n.opts), "(no error)");
}

TEST(LibsvmConventions, BlocksSettleTheBaseBeforeTheFirstBlock) {
  TempDir dir;
  std::string text = "1 1:1 2:1\n";
  for (int i = 0; i < 200; ++i) text += "0 " + std::to_string(i % 7 + 1) + ":1\n";
  text += "1 0:2\n";  // the only index 0, in the last block
  const std::string file = dir.write("late_zero.svm", text);
  Noted n;
  const Dataset whole = read_channel({file}, n.opts);
  Dataset blocks;
  read_channel_in_blocks({file}, n.opts, 64, [&](Dataset&& block) {
    EXPECT_EQ(block.libsvm_base, IndexBase::kZeroBased);
    blocks.append(std::move(block));
  });
  EXPECT_EQ(whole.libsvm_base, IndexBase::kZeroBased);
  EXPECT_EQ(blocks.col_idx, whole.col_idx);
  EXPECT_EQ(blocks.labels, whole.labels);
  EXPECT_EQ(n.notes.size(), 2u);
}

TEST(LibsvmConventions, FindsIndexZeroTokensOnly) {
  EXPECT_TRUE(lines_hold_index_zero("1 0:1\n"));
  EXPECT_TRUE(lines_hold_index_zero("1 3:1\n0\t00:2.5\n"));
  EXPECT_FALSE(lines_hold_index_zero("1 10:0 20:0.0\n"));
  EXPECT_FALSE(lines_hold_index_zero("1 qid:0 1:1\n"));
  EXPECT_FALSE(lines_hold_index_zero(""));
}

TEST(ChannelShape, ANarrowerDenseChannelIsRefusedNamingBothWidths) {
  TempDir dir;
  const std::string narrow = dir.write("v.csv", "1,2\n0,3\n");
  ReadOptions opts;
  opts.feature_dim = 3;
  opts.feature_dim_owner = "the training data's";
  opts.exact_width = true;
  EXPECT_EQ(error_of({narrow}, opts), narrow + ":1:1: found 1 feature, expected the training data's feature_dim 3");
  const std::string wide = dir.write("w.csv", "1,2,3,4,5\n");
  EXPECT_EQ(error_of({wide}, opts),
            wide + ":1:9: found 4 features, expected at most the training data's feature_dim 3");
  opts.exact_width = false;
  EXPECT_EQ(read_channel({narrow}, opts).feature_dim, 3u);  // a declared feature_dim pads
}

TEST(ChannelShape, SparkAndHadoopMarkersInAShardFolderAreSkippedAndLogged) {
  TempDir dir;
  const std::string part = dir.write("out/part-00000.csv", "1,2\n0,3\n");
  dir.write("out/_SUCCESS", "");
  dir.write("out/_committed_123", "{}");
  dir.write("out/.part-00000.csv.crc", "crc");
  Noted n;
  const Dataset data = read_channel({dir.path("out")}, n.opts);
  EXPECT_EQ(data.files, (std::vector<std::string>{part}));
  EXPECT_EQ(n.notes, (std::vector<std::string>{dir.path("out") +
                                               ": skipped .part-00000.csv.crc, _SUCCESS, _committed_123 (names "
                                               "starting with '.' or '_' are not data)"}));
}

}  // namespace
}  // namespace linlearn
