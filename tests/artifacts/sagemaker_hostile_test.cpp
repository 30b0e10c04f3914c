// Hostile or broken SageMaker model files: each is an InputError (exit 3) that names the file,
// never a crash, a hang or an allocation the file's bytes do not pay for.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>

#include <fmt/format.h>

#include "artifacts/sagemaker_model.h"
#include "artifacts/sagemaker_model_archive.h"
#include "artifacts/sagemaker_model_ndarray.h"
#include "artifacts/sagemaker_test_helpers.h"
#include "io/temp_dir.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"

namespace linlearn {
namespace {

using Members = std::map<std::string, std::string>;

Members real_members() {
  return testing::real_model_algo_members("teelenzi-attrition-binary/model_algo-1");
}

std::string zip_of(const Members& members) {
  std::vector<ArchiveMember> list;
  for (const auto& [name, bytes] : members) list.push_back({name, bytes});
  return write_stored_zip(list);
}

// load_model on `bytes` saved as `file_name` throws an InputError that starts with the file's path
// and says `needle`.
void expect_input_error(const std::string& bytes, const std::string& needle,
                        const std::string& file_name = "model_algo-1") {
  testing::TempDir dir;
  const std::string path = dir.write(file_name, bytes);
  try {
    load_model(path);
    ADD_FAILURE() << "no error for " << needle;
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path, 0), 0U) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

// The real params with the int32 or int64 at `offset` replaced (the weight array starts at byte 24:
// magic, stype 28, ndim 32, dims 36 and 44, device 52 and 56, dtype 60, data 64).
template <class T>
Members with_params_field(std::size_t offset, T value) {
  Members m = real_members();
  std::memcpy(m["mx-mod-0000.params"].data() + offset, &value, sizeof(T));
  return m;
}

Members with_member(const std::string& name, const std::string& bytes) {
  Members m = real_members();
  m[name] = bytes;
  return m;
}

TEST(SageMakerHostile, MemberNamesThatLeaveTheArchive) {
  const std::string algo = zip_of(real_members());
  expect_input_error(write_tar_gz({"../model_algo-1", algo}), "leaves the archive", "model.tar.gz");
  expect_input_error(write_tar_gz({"/tmp/model_algo-1", algo}), "leaves the archive", "model.tar.gz");
  Members m = real_members();
  m["dir/../../manifest.json"] = "{}";
  expect_input_error(zip_of(m), "leaves the archive");
}

TEST(SageMakerHostile, MissingMembers) {
  for (const auto& [name, bytes] : real_members()) {
    Members m = real_members();
    m.erase(name);
    expect_input_error(zip_of(m), "no member " + name);
  }
  expect_input_error(write_tar_gz({"model_algo-2", zip_of(real_members())}), "no member model_algo-1", "model.tar.gz");
}

TEST(SageMakerHostile, TruncatedFiles) {
  const std::string tar = testing::slurp(testing::sagemaker_path("romeoorg-attrition-binary/model.tar.gz"));
  expect_input_error(tar.substr(0, tar.size() / 2), "truncated", "model.tar.gz");
  const std::string algo = zip_of(real_members());
  expect_input_error(algo.substr(0, algo.size() - 30), "not a zip archive");
  const std::string params = real_members()["mx-mod-0000.params"];
  expect_input_error(zip_of(with_member("mx-mod-0000.params", params.substr(0, 100))), "truncated");
}

TEST(SageMakerHostile, EveryPrefixOfTheParamsIsAnError) {
  const std::string params = real_members()["mx-mod-0000.params"];
  for (std::size_t size = 0; size < params.size(); ++size)
    EXPECT_THROW(parse_ndarray_list(std::string_view(params).substr(0, size), "params"), InputError) << size;
  EXPECT_THROW(parse_ndarray_list(params + "x", "params"), InputError);
}

TEST(SageMakerHostile, WrongShapes) {
  const auto weight = [](std::vector<std::uint64_t> shape) {
    std::size_t count = 1;
    for (auto d : shape) count *= d;
    return NamedArray{"arg:fc0_weight", std::move(shape), std::vector<float>(count, 0.5F)};
  };
  const NamedArray bias{"arg:fc0_bias", {1, 1}, {0.25F}};
  expect_input_error(zip_of(with_member("mx-mod-0000.params", write_ndarray_list({weight({20, 2}), bias}))),
                     "fc0_weight has shape (20, 2)");
  expect_input_error(zip_of(with_member("mx-mod-0000.params", write_ndarray_list({weight({20}), bias}))),
                     "fc0_weight has shape (20)");
  expect_input_error(zip_of(with_member("mx-mod-0000.params",
                                        write_ndarray_list({weight({20, 1}), {"arg:fc0_bias", {1, 2}, {1, 2}}}))),
                     "fc0_bias has shape (1, 2)");
  // Well-formed arrays, but not the width the symbol declares.
  expect_input_error(zip_of(with_member("mx-mod-0000.params", write_ndarray_list({weight({21, 1}), bias}))),
                     "symbol declares (20, 1)");
  expect_input_error(zip_of(with_member("mx-mod-0000.params", write_ndarray_list({weight({20, 1})}))), "1 arrays");
  expect_input_error(
      zip_of(with_member("mx-mod-0000.params", write_ndarray_list({weight({20, 1}), {"arg:fc1_bias", {1, 1}, {1}}}))),
      "no array arg:fc0_bias");
}

TEST(SageMakerHostile, UnsupportedArrayEncodings) {
  expect_input_error(zip_of(with_params_field<std::int32_t>(60, 1)), "dtype 1 (float64) is not float32");
  expect_input_error(zip_of(with_params_field<std::int32_t>(60, 77)), "dtype 77 (unknown)");
  expect_input_error(zip_of(with_params_field<std::int32_t>(28, 1)), "storage type 1 is not dense");
  expect_input_error(zip_of(with_params_field<std::uint32_t>(32, 99)), "ndim 99");
  expect_input_error(zip_of(with_params_field<std::uint32_t>(24, 0xF993FACA)), "is not NDArray V2");
  expect_input_error(zip_of(with_params_field<std::uint64_t>(0, 0x113)), "not an MXNet NDArray file");
}

TEST(SageMakerHostile, SizesTheBytesDoNotPayFor) {
  // 2^40 x 1 floats, 2^62 x 4 (a product that wraps in 64 bits), a negative dimension.
  expect_input_error(zip_of(with_params_field<std::int64_t>(36, std::int64_t{1} << 40)), "needs more than");
  Members wraps = with_params_field<std::int64_t>(36, std::int64_t{1} << 62);
  std::memcpy(wraps["mx-mod-0000.params"].data() + 44, "\x04\0\0\0\0\0\0\0", 8);
  expect_input_error(zip_of(wraps), "needs more than");
  expect_input_error(zip_of(with_params_field<std::int64_t>(36, -20)), "dimension -20 is not positive");
  expect_input_error(zip_of(with_params_field<std::uint64_t>(16, std::uint64_t{1} << 60)), "array count");
  const std::string params = real_members()["mx-mod-0000.params"];
  const std::size_t name_length_at = params.size() - 14 - 8;  // "arg:fc0_bias" is the last name (12 bytes)
  expect_input_error(zip_of(with_params_field<std::uint64_t>(name_length_at - 0, std::uint64_t{1} << 50)),
                     "name length");
}

// A plain ustar header (no data) for `name` whose size field claims `size` bytes.
std::string tar_header_claiming(const std::string& name, std::uint64_t size) {
  std::string header(512, '\0');
  const auto put = [&](std::size_t at, const std::string& text) { header.replace(at, text.size(), text); };
  put(0, name);
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  put(124, fmt::format("{:011o}", size));
  put(136, "00000000000");
  put(156, "0");
  put(257, "ustar");
  put(263, "00");
  put(148, "        ");
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  put(148, fmt::format("{:06o}", sum));
  return header + std::string(1024, '\0');
}

TEST(SageMakerHostile, HugeDeclaredMemberIsNotRead) {
  expect_input_error(tar_header_claiming("model_algo-1", std::uint64_t{4} << 30), "declares 4294967296 bytes",
                     "model.tar");
  // Skipping another member would cost as much as reading it.
  expect_input_error(tar_header_claiming("padding", std::uint64_t{4} << 30), "padding: declares", "model.tar");
}

TEST(SageMakerHostile, GarbageAndBadJson) {
  expect_input_error(std::string("PK\x03\x04") + std::string(200, 'x'), "not a zip archive");
  expect_input_error(std::string("\x1f\x8b\x08\x00") + std::string(200, 'x'), "not a tar or tar.gz archive",
                     "model.tar.gz");
  expect_input_error(zip_of(with_member("additional-params.json", "{not json")),
                     "additional-params.json: not a JSON object");
  expect_input_error(zip_of(with_member("manifest.json", "[]")), "manifest.json: not a JSON object");
  expect_input_error(zip_of(with_member("manifest.json", R"({"mx-mod": "mxnet_module", "version": 2})")),
                     "manifest version 2");
  expect_input_error(zip_of(with_member("mx-mod-symbol.json", R"({"nodes": []})")), "one head");
  std::string symbol = real_members()["mx-mod-symbol.json"];
  symbol.replace(symbol.find("LogisticRegressionOutput"), 24, "SVMOutput");
  expect_input_error(zip_of(with_member("mx-mod-symbol.json", symbol)), "output op 'SVMOutput'");
  expect_input_error(zip_of(with_member("additional-params.json", R"({"predictor_type": "regressor"})")),
                     "does not fit the graph's output op LogisticRegressionOutput");
  expect_input_error(zip_of(with_member("additional-params.json",
                                        R"({"predictor_type": "binary_classifier", "loss_type": "squared_loss"})")),
                     "does not fit");
  expect_input_error(zip_of(with_member("additional-params.json", R"({"predictor_type": "binary_classifier",
                                                                     "threshold": "high"})")),
                     "threshold is not a number");
  expect_input_error(zip_of(with_member("additional-params.json", R"({"predictor_type": "binary_classifier",
                                                                     "metrics_params": {"accuracy_top_k": 1e300}})")),
                     "accuracy_top_k 1e+300 is not a positive integer");
}

TEST(SageMakerHostile, ADirectoryNamedModelAlgo1IsNotTheModel) {
  expect_input_error(write_tar_gz({"model_algo-1/", ""}), "no member model_algo-1", "model.tar.gz");
}

}  // namespace
}  // namespace linlearn
