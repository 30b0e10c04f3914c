// `linlearn convert`: option checks, shard naming, and writing a data set in the chosen format.
#include <fmt/format.h>
#include <filesystem>

#include "linlearn/artifacts.h"
#include "linlearn/convert.h"
#include "linlearn/errors.h"
#include "linlearn/reader.h"
#include "linlearn/recordio.h"

namespace linlearn {

OutputFormat parse_output_format(const std::string& name) {
  if (name == "recordio") return OutputFormat::kRecordIO;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "libsvm") return OutputFormat::kLibsvm;
  throw UsageError(fmt::format("--to '{}': expected recordio, csv or libsvm", name));
}

OutputFormat output_format_for_path(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".recordio") return OutputFormat::kRecordIO;
  if (extension == ".csv") return OutputFormat::kCsv;
  if (extension == ".libsvm") return OutputFormat::kLibsvm;
  throw UsageError(
      fmt::format("--output '{}': cannot tell the format from the extension '{}'; use --to "
                  "recordio|csv|libsvm or a .recordio, .csv or .libsvm name",
                  path, extension));
}

std::vector<std::string> shard_paths(const std::string& output, std::size_t shards) {
  if (shards <= 1) return {output};
  const std::filesystem::path path(output);
  const std::string stem = (path.parent_path() / path.stem()).string();
  const std::string extension = path.extension().string();
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < shards; ++i)
    paths.push_back(fmt::format("{}-{:05}-of-{:05}{}", stem, i, shards, extension));
  return paths;
}

ConvertResult run_convert(const ConvertOptions& options) {
  if (options.inputs.empty()) throw UsageError("convert: --input is required");
  if (options.output.empty()) throw UsageError("convert: --output is required");
  if (options.shards == 0) throw UsageError("--shards 0: expected at least 1");
  const OutputFormat format =
      options.to.empty() ? output_format_for_path(options.output) : parse_output_format(options.to);
  if (options.sparse && format != OutputFormat::kRecordIO) {
    throw UsageError("--sparse applies to RecordIO output only (--to recordio or a .recordio output)");
  }
  ReadOptions read;
  read.content_type = parse_content_type(options.content_type);
  read.feature_dim = options.feature_dim;
  read.threads = options.threads;
  const Dataset data = read_channel(options.inputs, read);

  ConvertResult result;
  result.records = data.rows();
  result.files = shard_paths(options.output, options.shards);
  const std::string parent = std::filesystem::path(options.output).parent_path().string();
  if (!parent.empty()) ensure_directory(parent);
  for (std::size_t shard = 0; shard < options.shards; ++shard) {
    const std::size_t begin = data.rows() * shard / options.shards;
    const std::size_t end = data.rows() * (shard + 1) / options.shards;
    switch (format) {
      case OutputFormat::kRecordIO:
        write_file_atomically(result.files[shard], encode_recordio(data, options.sparse || data.sparse, begin, end));
        break;
      case OutputFormat::kCsv:
        write_file_atomically(result.files[shard], format_csv(data, begin, end));
        break;
      case OutputFormat::kLibsvm:
        write_file_atomically(result.files[shard], format_libsvm(data, begin, end));
        break;
    }
  }
  return result;
}

}  // namespace linlearn
