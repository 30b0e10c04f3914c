// The hostile input corpus (issue 7): the real executable on broken data, models and
// hyperparameter files. Each case must end with its documented exit code, one stderr line that
// starts with the place, no artifact left behind, and neither a crash nor a hang.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "model.pb.h"

namespace linlearn {
namespace {

using testing::CliResult;
using testing::data_path;
using testing::slurp;

const std::string kHostile = std::string(LINLEARN_TEST_DATA_DIR) + "/hostile/";
constexpr const char* kTimeBinary = "/usr/bin/time";
constexpr int kTimedOut = 124;  // what `timeout` exits with

struct GuardedResult : CliResult {
  long peak_rss_kb = -1;  // of the child, when /usr/bin/time is there to measure it
};

bool can_measure_memory() {
  return ::access(kTimeBinary, X_OK) == 0;
}

// run_linlearn under `timeout 60` (a hang fails the test instead of stalling it) and, when
// installed, /usr/bin/time to record the child's peak resident memory.
GuardedResult run_guarded(const std::string& args, const std::string& scratch) {
  const std::string out = scratch + "/stdout.txt";
  const std::string err = scratch + "/stderr.txt";
  const std::string peak = scratch + "/peak_rss_kb.txt";
  std::filesystem::remove(peak);
  const std::string meter = can_measure_memory() ? std::string(kTimeBinary) + " -q -f %M -o " + peak + " " : "";
  const std::string command =
      "timeout 60 " + meter + LINLEARN_EXE + " " + args + " >" + out + " 2>" + err + " </dev/null";
  const int status = std::system(command.c_str());
  GuardedResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  if (!meter.empty()) {
    std::ifstream in(peak);
    // /usr/bin/time writes "Command exited with non-zero status N" before the number when it fails.
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && std::isdigit(static_cast<unsigned char>(line.front()))) r.peak_rss_kb = std::stol(line);
    }
  }
  return r;
}

std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  std::size_t done = 0;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, done)) {
    out.append(text, done, at - done).append(to);
    done = at + from.size();
  }
  return out.append(text, done);
}

// The checks every hostile case shares.
void expect_clean_failure(const GuardedResult& r, int expected_exit, const std::string& place) {
  ASSERT_NE(r.exit_code, kTimedOut) << "hung";
  EXPECT_EQ(r.exit_code, expected_exit) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected exactly one stderr line:\n" << r.err;
  // Input errors start with the place; other errors with the program name.
  const std::string prefix = expected_exit == 3 ? "" : "linlearn: ";
  EXPECT_EQ(r.err.rfind(prefix + place, 0), 0U) << "expected the message to start with '" << place << "':\n" << r.err;
}

void expect_no_artifacts(const std::string& out_dir) {
  for (const char* artifact : {"model.pb", "model.json", "metrics.json"})
    EXPECT_FALSE(std::filesystem::exists(out_dir + "/" + artifact)) << artifact << " left in " << out_dir;
}

struct HostileCase {
  const char* name;
  // Shell words after the executable; {H} is the corpus directory, {OUT} an output directory
  // that must stay free of artifacts.
  const char* args;
  int exit_code;
  const char* place;  // expected start of the message (after "linlearn: " unless an input error)
};

constexpr const char* kBinary = "train --predictor_type binary_classifier --epochs 1 --quiet --output-dir {OUT} ";
constexpr const char* kMulticlass =
    "train --predictor_type multiclass_classifier --num_classes 3 --epochs 1 --quiet --output-dir {OUT} ";

std::vector<HostileCase> training_cases() {
  const std::string b = kBinary;
  const std::string m = kMulticlass;
  // Strings live as long as the process: the table keeps pointers into them.
  static const std::vector<std::string> args = {
      b + "--train {H}ragged.csv",
      b + "--train {H}text_cell.csv",
      b + "--train {H}nan.csv",
      b + "--train {H}inf.csv",
      b + "--train {H}empty.csv",
      b + "--train {H}only_blank_lines.csv",
      b + "--train {H}header.csv",
      b + "--train {H}crlf_ragged.csv",
      b + "--train {H}bom_text_cell.csv",
      b + "--train {H}trailing_comma.csv",
      b + "--train {H}label_binary_out_of_range.csv",
      m + "--train {H}label_multiclass_out_of_range.csv",
      m + "--train {H}label_multiclass_fraction.csv",
      b + "--train " + data_path("churn/train.csv") + " --validation {H}ragged.csv",
      b + "--train {H}bad_index.libsvm",
      b + "--train {H}one_class.libsvm",
      b + "--train {H}decreasing_indices.libsvm",
      b + "--train {H}missing_colon.libsvm",
      b + "--train {H}bad_magic.recordio",
      b + "--train {H}truncated_frame.recordio",
      b + "--train {H}length_past_eof.recordio",
      b + "--train {H}malformed_protobuf.recordio",
      b + "--train {H}missing_values.recordio",
      b + "--train {H}sparse_key_ge_shape.recordio",
      b + "--train {H}missing_shape.recordio",
      b + "--train {H}mixed_feature_dim.recordio",
      b + "--train {H}bom.csv --feature_dim 1",
      "train --hyperparameters {H}hyperparameters_not_json.json --train {H}crlf.csv --quiet --output-dir {OUT}",
      "train --hyperparameters {H}hyperparameters_wrong_type.json --train {H}crlf.csv --quiet --output-dir {OUT}",
      "train --hyperparameters {H}hyperparameters_unknown_key.json --train {H}crlf.csv --quiet --output-dir {OUT}",
      "train --hyperparameters {H}hyperparameters_bad_value.json --train {H}crlf.csv --quiet --output-dir {OUT}",
  };
  return {
      {"ragged row", args[0].c_str(), kExitInput, "{H}ragged.csv:3:"},
      {"text cell", args[1].c_str(), kExitInput, "{H}text_cell.csv:2:"},
      {"NaN", args[2].c_str(), kExitInput, "{H}nan.csv:2:"},
      {"inf", args[3].c_str(), kExitInput, "{H}inf.csv:2:"},
      {"empty file", args[4].c_str(), kExitInput, "{H}empty.csv:"},
      {"only blank lines", args[5].c_str(), kExitInput, "{H}only_blank_lines.csv:"},
      {"header line", args[6].c_str(), kExitInput, "{H}header.csv:1:"},
      {"CRLF ragged row", args[7].c_str(), kExitInput, "{H}crlf_ragged.csv:3:"},
      {"UTF-8 BOM, text cell", args[8].c_str(), kExitInput, "{H}bom_text_cell.csv:2:"},
      {"trailing comma", args[9].c_str(), kExitInput, "{H}trailing_comma.csv:2:"},
      {"binary label 2", args[10].c_str(), kExitInput, "{H}label_binary_out_of_range.csv:3:"},
      {"multiclass label 3 of 3 classes", args[11].c_str(), kExitInput, "{H}label_multiclass_out_of_range.csv:4:"},
      {"multiclass label 1.5", args[12].c_str(), kExitInput, "{H}label_multiclass_fraction.csv:2:"},
      {"ragged validation channel", args[13].c_str(), kExitInput, "{H}ragged.csv:3:"},
      {"LIBSVM bad index", args[14].c_str(), kExitInput, "{H}bad_index.libsvm:2:"},
      {"one class only", args[15].c_str(), kExitInput, "{H}one_class.libsvm: class 0 never occurs"},
      {"LIBSVM decreasing indices", args[16].c_str(), kExitInput, "{H}decreasing_indices.libsvm:2:"},
      {"LIBSVM missing colon", args[17].c_str(), kExitInput, "{H}missing_colon.libsvm:2:"},
      {"RecordIO bad magic", args[18].c_str(), kExitInput, "{H}bad_magic.recordio: record 1 at byte 56:"},
      {"RecordIO truncated frame", args[19].c_str(), kExitInput, "{H}truncated_frame.recordio: record 1 at byte 56:"},
      {"RecordIO length past EOF", args[20].c_str(), kExitInput, "{H}length_past_eof.recordio: record 1 at byte 56:"},
      {"RecordIO malformed protobuf", args[21].c_str(), kExitInput,
       "{H}malformed_protobuf.recordio: record 1 at byte 56:"},
      {"RecordIO missing values", args[22].c_str(), kExitInput, "{H}missing_values.recordio: record 1 at byte 56:"},
      {"RecordIO sparse key >= shape", args[23].c_str(), kExitInput,
       "{H}sparse_key_ge_shape.recordio: record 1 at byte 60:"},
      {"RecordIO missing shape", args[24].c_str(), kExitInput, "{H}missing_shape.recordio: record 0 at byte 0:"},
      {"RecordIO mixed feature_dim", args[25].c_str(), kExitInput,
       "{H}mixed_feature_dim.recordio: record 1 at byte 56:"},
      {"CSV wider than --feature_dim", args[26].c_str(), kExitInput, "{H}bom.csv:1:"},
      {"hyperparameters not JSON", args[27].c_str(), kExitUsage, "{H}hyperparameters_not_json.json:"},
      {"hyperparameter of wrong type", args[28].c_str(), kExitUsage, "{H}hyperparameters_wrong_type.json:"},
      {"unknown hyperparameter", args[29].c_str(), kExitUsage, "{H}hyperparameters_unknown_key.json:"},
      {"hyperparameter out of range", args[30].c_str(), kExitUsage, "{H}hyperparameters_bad_value.json:"},
  };
}

TEST(HostileCorpus, TrainingInputFailsCleanlyWithThePlace) {
  testing::TempDir dir;
  const std::string out_dir = dir.path("out");
  for (const auto& c : training_cases()) {
    SCOPED_TRACE(c.name);
    std::filesystem::remove_all(out_dir);
    const auto r = run_guarded(replace_all(replace_all(c.args, "{H}", kHostile), "{OUT}", out_dir), dir.path());
    expect_clean_failure(r, c.exit_code, replace_all(c.place, "{H}", kHostile));
    expect_no_artifacts(out_dir);
  }
}

TEST(HostileCorpus, LegalOdditiesTrain) {
  testing::TempDir dir;
  struct Oddity {
    const char* name;
    int records;
    int feature_dim;
  };
  // index_zero.libsvm is 0-based (its indices 0..2 are 3 features); plus_minus_one.libsvm has -1/+1 labels.
  for (const Oddity& o : {Oddity{"crlf.csv", 4, 2}, Oddity{"bom.csv", 4, 2}, Oddity{"index_zero.libsvm", 2, 3},
                          Oddity{"plus_minus_one.libsvm", 4, 2}}) {
    SCOPED_TRACE(o.name);
    const std::string out_dir = dir.path(o.name);
    const auto r = run_guarded(replace_all(kBinary, "{OUT}", out_dir) + "--train " + kHostile + o.name, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto metrics = nlohmann::json::parse(slurp(out_dir + "/metrics.json"));
    EXPECT_EQ(metrics["data"]["train"]["records"], o.records);
    EXPECT_EQ(metrics["data"]["train"]["feature_dim"], o.feature_dim);
  }
}

// A model trained on churn (12 features) and broken copies of its model.pb.
class HostileModels : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto r = run_guarded("train --predictor_type binary_classifier --epochs 1 --quiet --train " +
                                   data_path("churn/train.csv") + " --output-dir " + dir_.path("good"),
                               dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    good_bytes_ = slurp(dir_.path("good/model.pb"));
    ASSERT_FALSE(good_bytes_.empty());
  }

  // A model directory holding `bytes` as model.pb.
  std::string model_dir(const std::string& name, const std::string& bytes) const {
    dir_.write(name + "/model.pb", bytes);
    return dir_.path(name);
  }

  std::string edited(void (*edit)(pb::Model&)) const {
    const google::protobuf::LogSilencer quiet;  // some edits are invalid on purpose
    pb::Model m;
    EXPECT_TRUE(m.ParseFromString(good_bytes_));
    edit(m);
    return m.SerializeAsString();
  }

  // predict must fail before writing its output file.
  void expect_predict_fails(const std::string& model, const std::string& input, int exit_code,
                            const std::string& place) const {
    const std::string output = dir_.path("predictions.jsonl");
    const auto r = run_guarded("predict --model " + model + " --input " + input + " --output " + output, dir_.path());
    expect_clean_failure(r, exit_code, place);
    EXPECT_FALSE(std::filesystem::exists(output));
  }

  testing::TempDir dir_;
  std::string good_bytes_;
};

TEST_F(HostileModels, TruncatedModelPb) {
  const std::string dir = model_dir("truncated", good_bytes_.substr(0, good_bytes_.size() / 2));
  expect_predict_fails(dir, data_path("churn/test.csv") + " --has-label", kExitInput, dir + "/model.pb:");
}

TEST_F(HostileModels, EveryTruncationIsRefused) {
  // Protobuf parses a message cut at a field boundary; the loader must still notice.
  for (std::size_t size = 0; size < good_bytes_.size(); ++size) {
    try {
      parse_model_pb(std::string_view(good_bytes_).substr(0, size), "model.pb");
      ADD_FAILURE() << "a model.pb cut to " << size << " of " << good_bytes_.size() << " bytes loaded";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("model.pb: ", 0), 0U) << e.what();
    }
  }
  EXPECT_EQ(parse_model_pb(good_bytes_, "model.pb").feature_dim, 12U);
}

TEST_F(HostileModels, WrongMagic) {
  const std::string dir = model_dir("magic", edited([](pb::Model& m) { m.set_magic("NOTAMODL"); }));
  expect_predict_fails(dir, data_path("churn/test.csv") + " --has-label", kExitInput, dir + "/model.pb:");
}

TEST_F(HostileModels, InvalidUtf8InAStringField) {
  // protobuf refuses it, and would say so on stderr too unless silenced.
  const std::string dir = model_dir("utf8", edited([](pb::Model& m) { m.set_hyperparameters_json("{\"\xff\":1}"); }));
  expect_predict_fails(dir, data_path("churn/test.csv") + " --has-label", kExitInput, dir + "/model.pb:");
}

TEST_F(HostileModels, WrongFormatVersion) {
  const std::string dir = model_dir("version", edited([](pb::Model& m) { m.set_format_version(99); }));
  expect_predict_fails(dir, data_path("churn/test.csv") + " --has-label", kExitInput, dir + "/model.pb:");
}

TEST_F(HostileModels, WeightsThatDoNotFitFeatureDim) {
  // 12 weights and a feature_dim of 2^63 with 2 outputs: the product wraps to 0 in 64 bits.
  const std::string dir = model_dir("wrapped", edited([](pb::Model& m) {
                                      m.set_feature_dim(std::uint64_t{1} << 63);
                                      m.set_outputs(2);
                                    }));
  expect_predict_fails(dir, data_path("churn/test.csv") + " --has-label", kExitInput, dir + "/model.pb:");
}

TEST_F(HostileModels, ModelJsonIsNotLoadable) {
  const std::string json = dir_.path("good/model.json");
  expect_predict_fails(json, data_path("churn/test.csv") + " --has-label", kExitInput, json + ":");
}

TEST_F(HostileModels, MissingModelPb) {
  std::filesystem::create_directories(dir_.path("empty"));
  expect_predict_fails(dir_.path("empty"), data_path("churn/test.csv") + " --has-label", kExitInput,
                       dir_.path("empty") + "/model.pb:");
}

TEST_F(HostileModels, NarrowerDataAtPredict) {
  // Five features for a model of twelve: the first record shows the width.
  expect_predict_fails(dir_.path("good"), kHostile + "five_features.csv", kExitInput,
                       kHostile + "five_features.csv:1:");
}

TEST_F(HostileModels, WiderDataAtPredict) {
  // Without --has-label, churn's label column is a 13th feature.
  expect_predict_fails(dir_.path("good"), data_path("churn/test.csv"), kExitInput, data_path("churn/test.csv") + ":1:");
}

TEST_F(HostileModels, SparseKeyPastFeatureDimAtPredict) {
  const std::string input = dir_.write("wide.libsvm", "1 1:0.5 12:1\n0 1:0.5 13:1\n");
  expect_predict_fails(dir_.path("good"), input, kExitInput, input + ":2:");
}

TEST_F(HostileModels, BadLabelAtEvaluate) {
  const std::string input = kHostile + "label_binary_out_of_range.csv";
  const auto r = run_guarded("evaluate --model " + dir_.path("good") + " --input " + input, dir_.path());
  expect_clean_failure(r, kExitInput, input + ":3:");
}

TEST_F(HostileModels, UnlabelledCsvPredicts) {
  // Rows of features only, exactly feature_dim wide: the default predict input.
  std::string rows;
  for (int r = 0; r < 3; ++r) rows += "1000,2,300,4,5,6,7,8,9,10,11,12\n";
  const std::string input = dir_.write("unlabelled.csv", rows);
  const auto r = run_guarded("predict --model " + dir_.path("good") + " --input " + input, dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
}

TEST(HostileCorpus, HundredMegabyteSingleLineCsv) {
  testing::TempDir dir;
  const std::string file = dir.path("one_line.csv");
  {
    std::ofstream out(file, std::ios::binary);
    out << "1,";
    const std::string block(1 << 20, 'a');
    for (int mb = 0; mb < 100; ++mb) out << block;
  }
  const auto r = run_guarded(replace_all(kBinary, "{OUT}", dir.path("out")) + "--train " + file, dir.path());
  expect_clean_failure(r, kExitInput, file + ":1:");
  EXPECT_LT(r.err.size(), 300U) << "the message must not echo the line";
  expect_no_artifacts(dir.path("out"));
}

TEST(HostileCorpus, LengthFieldOfHalfAGigabyteFailsFast) {
  testing::TempDir dir;
  const auto r = run_guarded(
      replace_all(kBinary, "{OUT}", dir.path("out")) + "--train " + kHostile + "claims_500mb.recordio", dir.path());
  expect_clean_failure(r, kExitInput, kHostile + "claims_500mb.recordio: record 0 at byte 0:");
  expect_no_artifacts(dir.path("out"));
  if (!can_measure_memory()) GTEST_SKIP() << kTimeBinary << " is not installed: peak memory not measured";
  // The baseline is the same command failing on the first frame's magic: what the process costs
  // before any frame is read (shared libraries, MPI, threads) differs between machines, the
  // claimed 500 MB must not add to it.
  const std::string no_magic = dir.path("no_magic.recordio");
  std::ofstream(no_magic, std::ios::binary) << std::string(16, '\0');
  const auto baseline = run_guarded(replace_all(kBinary, "{OUT}", dir.path("out")) +
                                        "--content-type application/x-recordio-protobuf --train " + no_magic,
                                    dir.path());
  expect_clean_failure(baseline, kExitInput, no_magic + ": record 0 at byte 0:");
  ASSERT_GT(r.peak_rss_kb, 0);
  ASSERT_GT(baseline.peak_rss_kb, 0);
  EXPECT_LT(r.peak_rss_kb, baseline.peak_rss_kb + 16 * 1024) << "peak RSS in KiB; baseline " << baseline.peak_rss_kb;
}

}  // namespace
}  // namespace linlearn
