// `linlearn convert --input PATH... --output PATH [--to recordio|csv|libsvm] [--sparse] [--shards N]`:
// a thin CLI11 wrapper over include/linlearn/convert.h.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "linlearn/convert.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

CommandAction add_convert_command(CLI::App& root) {
  auto options = std::make_shared<ConvertOptions>();
  CLI::App* command = root.add_subcommand(
      "convert", "Convert CSV or LIBSVM <-> SageMaker RecordIO-protobuf (Float32Tensor features and label)");
  command->footer("Example:\n  linlearn convert --input data/churn/train.csv --output churn.recordio\n\n" +
                  exit_codes_help());
  command->add_option("--input", options->inputs, "input files, directories, globs or - (stdin)")->required();
  command->add_option("--output", options->output, "output file (or the name the shards are derived from)")->required();
  command
      ->add_option("--to", options->to,
                   "output format; default: from the --output extension "
                   "(.recordio, .csv, .libsvm)")
      ->check(CLI::IsMember({"recordio", "csv", "libsvm"}));
  command->add_flag("--sparse", options->sparse,
                    "write sparse RecordIO tensors (keys + shape); always so when the input is sparse (LIBSVM)");
  command
      ->add_option("--shards", options->shards,
                   "split the records, in order, into N files named OUTPUT's stem + -IIIII-of-NNNNN + its "
                   "extension (out.recordio -> out-00000-of-00002.recordio, out-00001-of-00002.recordio)")
      ->check(CLI::PositiveNumber);
  command->add_option("--content-type", options->content_type,
                      "input format: text/csv, text/libsvm or application/x-recordio-protobuf; default: detected");
  command->add_option("--feature_dim,--feature-dim", options->feature_dim,
                      "number of features; wider records are errors (default: inferred)");
  return [options]() {
    options->threads = threads_for(0);
    const ConvertResult result = run_convert(*options);
    for (const std::string& file : result.files) std::cerr << "wrote " << file << "\n";
    std::cerr << result.records << " records\n";
    return 0;
  };
}

}  // namespace linlearn
