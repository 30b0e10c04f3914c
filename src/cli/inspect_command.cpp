// `linlearn inspect PATH... [--head N] [--content-type T]`: a thin CLI11 wrapper over
// include/linlearn/inspect.h.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "linlearn/inspect.h"
#include "linlearn/thread_pool.h"

namespace linlearn {

CommandAction add_inspect_command(CLI::App& root) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* command =
      root.add_subcommand("inspect",
                          "Summarize data files (records, feature_dim, dense/sparse, label histogram) and print the "
                          "first records as JSON lines with their byte offsets");
  command->footer("Example:\n  linlearn inspect data/churn/train.csv --head 3\n\n" + exit_codes_help());
  command->add_option("paths", options->inputs, "files, directories, globs or - (stdin)")->required();
  command->add_option("--head", options->head, "records to print after the summary")->capture_default_str();
  command->add_option("--content-type", options->content_type,
                      "input format: text/csv, text/libsvm or application/x-recordio-protobuf; default: detected");
  return [options]() {
    options->threads = threads_for(0);
    inspect_data(*options, std::cout);
    std::cout.flush();
    return 0;
  };
}

}  // namespace linlearn
