// convert-model's SageMaker layout next to the real artifacts: the same tar, the same zip members,
// the same JSON and the same arrays, so SageMaker's inference image finds what it expects.
#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "artifacts/sagemaker_model.h"
#include "artifacts/sagemaker_model_ndarray.h"
#include "artifacts/sagemaker_test_helpers.h"
#include "io/temp_dir.h"
#include "linlearn/artifacts.h"

namespace linlearn {
namespace {

using nlohmann::json;
using testing::real_model_algo_members;
using testing::sagemaker_path;

std::uint32_t le(const std::string& bytes, std::size_t at, int width) {
  std::uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

// Name -> compression method of each central directory entry of a zip.
std::map<std::string, std::uint32_t> zip_methods(const std::string& zip) {
  const std::size_t end = zip.rfind("PK\x05\x06");
  EXPECT_NE(end, std::string::npos);
  std::map<std::string, std::uint32_t> methods;
  std::size_t at = le(zip, end + 16, 4);
  for (std::uint32_t i = 0; i < le(zip, end + 10, 2); ++i) {
    EXPECT_EQ(zip.compare(at, 4, "PK\x01\x02"), 0);
    const std::size_t name_length = le(zip, at + 28, 2);
    methods[zip.substr(at + 46, name_length)] = le(zip, at + 10, 2);
    at += 46 + name_length + le(zip, at + 30, 2) + le(zip, at + 32, 2);
  }
  return methods;
}

struct TarEntry {
  std::string name;
  int format = 0;
  int mode = 0;
  std::int64_t uid = -1;
  std::string data;
};

std::vector<TarEntry> tar_entries(const std::string& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_tar(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), path.c_str(), 4096), ARCHIVE_OK);
  std::vector<TarEntry> entries;
  archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    TarEntry t{archive_entry_pathname(e), archive_format(a.get()), static_cast<int>(archive_entry_mode(e)),
               archive_entry_uid(e), std::string(static_cast<std::size_t>(archive_entry_size(e)), '\0')};
    archive_read_data(a.get(), t.data.data(), t.data.size());
    entries.push_back(std::move(t));
  }
  return entries;
}

// A graph with the counters dropped from the op nodes' names (dot42 -> dot).
json without_name_counters(json symbol) {
  for (json& node : symbol["nodes"])
    node["name"] = std::regex_replace(node["name"].get<std::string>(), std::regex("[0-9]+$"), "");
  symbol["attrs"].erase("mxnet_version");
  return symbol;
}

std::map<std::string, NamedArray> arrays_by_name(const std::string& params) {
  std::map<std::string, NamedArray> by_name;
  for (NamedArray& a : parse_ndarray_list(params, "params")) by_name[a.name] = std::move(a);
  return by_name;
}

const std::vector<std::string> kRealModelAlgos{"teelenzi-attrition-binary/model_algo-1",
                                               "romeoorg-attrition-binary/model_algo-1",
                                               "joseanpz-titanic-binary-algo/model_algo-1"};

TEST(SageMakerExport, TarHoldsOneUstarMemberModelAlgo1AsSageMakersDo) {
  testing::TempDir dir;
  write_sagemaker_model_tar_gz(dir.path("model.tar.gz"), load_model(sagemaker_path(kRealModelAlgos[0])));
  const auto entries = tar_entries(dir.path("model.tar.gz"));
  const auto real = tar_entries(sagemaker_path("joseanpz-titanic-binary-tar/model.tar.gz"));
  ASSERT_EQ(entries.size(), 1U);
  ASSERT_EQ(real.size(), 1U);
  EXPECT_EQ(entries[0].name, real[0].name);
  EXPECT_EQ(entries[0].format, real[0].format);
  EXPECT_EQ(entries[0].mode, real[0].mode);
  EXPECT_EQ(entries[0].uid, real[0].uid);
  EXPECT_EQ(entries[0].data.substr(0, 4), "PK\x03\x04");
}

TEST(SageMakerExport, ModelAlgoMembersMatchTheRealOnes) {
  for (const std::string& name : kRealModelAlgos) {
    SCOPED_TRACE(name);
    const auto real = real_model_algo_members(name);
    const std::string zip = sagemaker_model_algo_bytes(load_model(sagemaker_path(name)));
    std::map<std::string, std::string> ours;
    for (ArchiveMember& m : read_zip_members(zip, "export")) ours[m.name] = std::move(m.bytes);
    ASSERT_EQ(ours.size(), real.size());
    for (const auto& [member, method] : zip_methods(zip)) {
      EXPECT_TRUE(real.contains(member)) << member;
      EXPECT_EQ(method, 0U) << member << " is not STORED";
    }
    EXPECT_EQ(json::parse(ours["manifest.json"]), json::parse(real.at("manifest.json")));
    EXPECT_EQ(json::parse(ours["additional-params.json"]), json::parse(real.at("additional-params.json")));
    EXPECT_EQ(without_name_counters(json::parse(ours["mx-mod-symbol.json"])),
              without_name_counters(json::parse(real.at("mx-mod-symbol.json"))));
    const auto our_arrays = arrays_by_name(ours["mx-mod-0000.params"]);
    const auto real_arrays = arrays_by_name(real.at("mx-mod-0000.params"));
    ASSERT_EQ(our_arrays.size(), 2U);
    for (const auto& [array, values] : real_arrays) {
      ASSERT_TRUE(our_arrays.contains(array)) << array;
      EXPECT_EQ(our_arrays.at(array).shape, values.shape) << array;
      EXPECT_EQ(our_arrays.at(array).values, values.values) << array;
    }
  }
}

TEST(SageMakerExport, ParamsOfA2024ModelAreByteForByteSageMakers) {
  // The 2024 files store weight then bias, the order the export uses, so the bytes agree.
  const std::string name = "teelenzi-attrition-binary/model_algo-1";
  const std::string zip = sagemaker_model_algo_bytes(load_model(sagemaker_path(name)));
  const auto members = read_zip_members(zip, "export");
  const auto params = std::find_if(members.begin(), members.end(),
                                   [](const ArchiveMember& m) { return m.name == "mx-mod-0000.params"; });
  ASSERT_NE(params, members.end());
  EXPECT_EQ(params->bytes, real_model_algo_members(name).at("mx-mod-0000.params"));
}

TEST(SageMakerExport, RegressorMatchesTheRealRegressor) {
  const std::string tar = sagemaker_path("nschmeller-covid-regressor/model.tar.gz");
  testing::TempDir dir;
  write_sagemaker_model_tar_gz(dir.path("model.tar.gz"), load_model(tar));
  std::map<std::string, std::string> ours, real;
  for (ArchiveMember& m : read_zip_members(tar_entries(dir.path("model.tar.gz"))[0].data, "ours"))
    ours[m.name] = m.bytes;
  for (ArchiveMember& m : read_zip_members(tar_entries(tar)[0].data, "real")) real[m.name] = m.bytes;
  EXPECT_EQ(json::parse(ours["additional-params.json"]), json::parse(real["additional-params.json"]));
  EXPECT_EQ(without_name_counters(json::parse(ours["mx-mod-symbol.json"])),
            without_name_counters(json::parse(real["mx-mod-symbol.json"])));
  const auto our_arrays = arrays_by_name(ours["mx-mod-0000.params"]);
  const auto real_arrays = arrays_by_name(real["mx-mod-0000.params"]);
  EXPECT_EQ(our_arrays.at("arg:fc0_weight").values, real_arrays.at("arg:fc0_weight").values);
  EXPECT_EQ(our_arrays.at("arg:fc0_bias").values, real_arrays.at("arg:fc0_bias").values);
}

}  // namespace
}  // namespace linlearn
