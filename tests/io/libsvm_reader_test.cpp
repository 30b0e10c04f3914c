#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "linlearn/errors.h"
#include "linlearn/reader.h"

namespace linlearn {
namespace {

Dataset parse(std::string_view text, int threads = 1, IndexBase base = IndexBase::kOneBased) {
  ReadOptions opts;
  opts.threads = threads;
  opts.libsvm_base = base;
  Dataset out;
  parse_libsvm(text, "t.svm", out, opts);
  return out;
}

ReadOptions one_based() {
  ReadOptions opts;
  opts.libsvm_base = IndexBase::kOneBased;
  return opts;
}

std::string error_of(std::string_view text, const ReadOptions& opts = one_based()) {
  Dataset out;
  try {
    parse_libsvm(text, "t.svm", out, opts);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(LibsvmReader, ParsesOneBasedIndicesIntoCsr) {
  const Dataset data = parse("1 1:0.5 3:2\n0 2:1 # a comment\n-1 qid:3 4:1e1\n");
  EXPECT_TRUE(data.sparse);
  EXPECT_EQ(data.rows(), 3u);
  EXPECT_EQ(data.feature_dim, 4u);
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0, -1}));
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 2, 3, 4}));
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{0, 2, 1, 3}));
  EXPECT_EQ(data.values, (std::vector<float>{0.5f, 2, 1, 10}));
  EXPECT_EQ(data.at(0, 2), 2.0f);
  EXPECT_EQ(data.at(0, 1), 0.0f);
  EXPECT_EQ(data.files, (std::vector<std::string>{"t.svm"}));
}

TEST(LibsvmReader, AcceptsRecordsWithoutFeaturesCommentLinesCrlfAndBom) {
  const Dataset data = parse("\xEF\xBB\xBF# header comment\r\n1\r\n\r\n0\t2:1 \r\n");
  EXPECT_EQ(data.labels, (std::vector<float>{1, 0}));
  EXPECT_EQ(data.row_ptr, (std::vector<std::uint64_t>{0, 0, 1}));
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(data.feature_dim, 2u);
}

TEST(LibsvmReader, ReportsMalformedTokens) {
  EXPECT_EQ(error_of("1 1:1\n1 3\n"), "t.svm:2:3: found '3', expected INDEX:VALUE");
  EXPECT_EQ(error_of("1 0:1\n"),
            "t.svm:1:3: found '0', expected a feature index >= 1 (this job's LIBSVM indices are 1-based, as its "
            "training data's)");
  EXPECT_EQ(error_of("1 a:1\n"), "t.svm:1:3: found 'a', expected a feature index (an integer below 4294967296)");
  EXPECT_EQ(error_of("1 4294967296:1\n"),
            "t.svm:1:3: found '4294967296', expected a feature index (an integer below 4294967296)");
  EXPECT_EQ(error_of("1 3:1 2:1\n"),
            "t.svm:1:7: found '2', expected an index above 3 (indices must increase along a line)");
  EXPECT_EQ(error_of("1 3:1 3:1\n"),
            "t.svm:1:7: found '3', expected an index above 3 (indices must increase along a line)");
}

TEST(LibsvmReader, ReportsBadValuesAndLabels) {
  EXPECT_EQ(error_of("1 2:x\n"), "t.svm:1:5: found 'x', expected a number");
  EXPECT_EQ(error_of("1 2:\n"), "t.svm:1:5: found '', expected a number");
  EXPECT_EQ(error_of("1 2:nan\n"), "t.svm:1:5: found 'nan', expected a finite number");
  EXPECT_EQ(error_of("1 1:1\n\nyes 2:1\n"), "t.svm:3:1: found 'yes', expected a number");
  EXPECT_EQ(error_of("inf 2:1\n"), "t.svm:1:1: found 'inf', expected a finite number");
}

TEST(LibsvmReader, KeepsIndicesAsWrittenWhileTheBaseIsUndecided) {
  const Dataset data = parse("1 0:0.5 3:2\n0 2:1\n", 1, IndexBase::kAuto);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{0, 3, 2}));
  EXPECT_EQ(data.feature_dim, 3u);  // as if 1-based: the channel reader settles it
}

TEST(LibsvmReader, ReadsZeroBasedIndices) {
  const Dataset data = parse("1 0:0.5 3:2\n0 2:1\n", 1, IndexBase::kZeroBased);
  EXPECT_EQ(data.col_idx, (std::vector<std::uint32_t>{0, 3, 2}));
  EXPECT_EQ(data.feature_dim, 4u);
  ReadOptions opts;
  opts.libsvm_base = IndexBase::kZeroBased;
  opts.feature_dim = 3;
  opts.feature_dim_owner = "the training data's";
  EXPECT_EQ(error_of("1 0:1 3:1\n", opts),
            "t.svm:1:7: found '3', expected an index below the training data's feature_dim 3 (0-based indices)");
}

TEST(LibsvmReader, MinusOneLabelsPassTheBinaryLabelCheck) {
  ReadOptions opts = one_based();
  opts.label_ok = [](float label) { return label == 0.0f || label == 1.0f; };
  opts.label_expected = "a label 0 or 1";
  opts.minus_one_is_zero = true;
  Dataset out;
  parse_libsvm("+1 1:1\n-1 1:1\n", "t.svm", out, opts);
  EXPECT_EQ(out.labels, (std::vector<float>{1, -1}));  // the channel reader makes them 0
  EXPECT_EQ(error_of("1 1:1\n-2 1:1\n", opts), "t.svm:2:1: found '-2', expected a label 0 or 1");
}

TEST(LibsvmReader, ReportsRejectedLabels) {
  ReadOptions opts = one_based();
  opts.label_ok = [](float label) { return label == 0.0f || label == 1.0f; };
  opts.label_expected = "a label 0 or 1";
  EXPECT_EQ(error_of("1 1:1\n-1 1:1\n", opts), "t.svm:2:1: found '-1', expected a label 0 or 1");
}

TEST(LibsvmReader, ReportsIndicesBeyondFeatureDim) {
  ReadOptions opts = one_based();
  opts.feature_dim = 3;
  EXPECT_EQ(error_of("1 1:1 3:1\n0 2:1 4:1\n", opts), "t.svm:2:7: found '4', expected an index at most feature_dim 3");
}

TEST(LibsvmReader, ReportsFilesWithoutRecords) {
  EXPECT_EQ(error_of(""), "t.svm: no records found, expected at least one LIBSVM line");
  EXPECT_EQ(error_of("# only a comment\n\n"), "t.svm: no records found, expected at least one LIBSVM line");
}

std::string generate_libsvm(std::size_t rows) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> gap(1, 40);
  std::uniform_int_distribution<int> value(-500, 500);
  std::string text;
  for (std::size_t r = 0; r < rows; ++r) {
    text.append(std::to_string(r % 2)).append(r % 5 == 0 ? " qid:1" : "");
    for (int index = gap(rng); index < 2000; index += gap(rng)) {
      text.append(" ").append(std::to_string(index)).append(":").append(std::to_string(value(rng) / 8.0));
    }
    text += r % 7 == 0 ? " # note\n" : "\n";
  }
  return text;
}

TEST(LibsvmReader, ChunksOnThreadsGiveTheSameResultAsOneThread) {
  const std::string text = generate_libsvm(2500);
  ASSERT_GT(text.size(), 2u << 20);
  const Dataset one = parse(text, 1);
  EXPECT_EQ(one.rows(), 2500u);
  for (const int threads : {2, 5}) {
    const Dataset many = parse(text, threads);
    EXPECT_EQ(many.labels, one.labels);
    EXPECT_EQ(many.row_ptr, one.row_ptr);
    EXPECT_EQ(many.col_idx, one.col_idx);
    EXPECT_EQ(many.values, one.values);
    EXPECT_EQ(many.feature_dim, one.feature_dim);
  }
}

TEST(LibsvmReader, ChunksOnThreadsReportTheFirstBadLineOfTheFile) {
  std::string text = generate_libsvm(2500);
  // Break lines 2000 and 2400: both past the first of 4 chunks.
  std::size_t pos = 0;
  for (int line = 1; line < 2400; ++line) {
    pos = text.find('\n', pos) + 1;
    if (line + 1 == 2000) text[pos] = 'x';
  }
  text[pos] = 'y';
  ReadOptions opts = one_based();
  opts.threads = 4;
  const std::string message = error_of(text, opts);
  EXPECT_EQ(message.substr(0, message.find(" found")), "t.svm:2000:1:");
}

}  // namespace
}  // namespace linlearn
