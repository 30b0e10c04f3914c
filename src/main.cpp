// Thin entry point: builds the command line, runs the chosen subcommand, maps errors to exit codes.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <string>

#include <malloc.h>

#include "cli/commands.h"
#include "linlearn/errors.h"

namespace {

std::string command_list(const std::map<std::string, linlearn::CommandAction>& actions) {
  std::string names;
  for (const auto& [name, action] : actions) names += (names.empty() ? "" : ", ") + name;
  return names;
}

// Parses the command line; an exit code when parsing ends the run (help, version, a usage error).
std::optional<int> parse(CLI::App& app, int argc, char** argv,
                         const std::map<std::string, linlearn::CommandAction>& actions) {
  if (argc > 1 && argv[1][0] != '-' && actions.count(argv[1]) == 0) {
    std::cerr << "linlearn: unknown command '" << argv[1] << "'; the commands are " << command_list(actions)
              << " (linlearn --help)\n";
    return linlearn::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    if (app.get_subcommands().empty()) {
      std::cerr << "linlearn: a command is required: " << command_list(actions) << " (linlearn --help)\n";
    } else {
      std::cerr << "linlearn: " << e.what() << "\n";
    }
    return linlearn::kExitUsage;
  } catch (const CLI::ParseError& e) {
    // One line naming the option and what is allowed.
    std::cerr << "linlearn: " << e.what() << "\n";
    return linlearn::kExitUsage;
  }
  return std::nullopt;
}

// Runs the chosen command; the one place where errors become exit codes.
int run(const CLI::App& app, const std::map<std::string, linlearn::CommandAction>& actions) {
  try {
    for (const auto* sub : app.get_subcommands()) return actions.at(sub->get_name())();
  } catch (const linlearn::InputError& e) {
    // Input errors start with their place (FILE:LINE:COLUMN: or FILE: record N at byte B:) so that
    // editors and scripts can jump to it.
    std::cerr << e.what() << "\n";
    return e.exit_code();
  } catch (const linlearn::Error& e) {
    std::cerr << "linlearn: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "linlearn: out of memory\n";
    return linlearn::kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << "linlearn: internal error: " << e.what() << "\n";
    return linlearn::kExitInternal;
  }
  return linlearn::kExitInternal;
}

}  // namespace

int main(int argc, char** argv) {
  // A fixed threshold: glibc otherwise raises it after the first large free, and later buffers of a
  // few MB (wide models' per-model state, checkpoint copies) stay in the heap after they are freed,
  // adding to peak memory.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  CLI::App app{"linlearn: train linear models from the command line (SageMaker Linear Learner compatible)"};
  app.set_version_flag("--version", LINLEARN_VERSION);
  app.require_subcommand(1);
  app.footer("Run `linlearn COMMAND --help` for a command's options and an example.\n\n" + linlearn::exit_codes_help());
  // Wrappers append overrides to a user's command line, so a repeated option takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const std::map<std::string, linlearn::CommandAction> actions{
      {"train", linlearn::add_train_command(app)},
      {"predict", linlearn::add_predict_command(app)},
      {"evaluate", linlearn::add_evaluate_command(app)},
      {"convert", linlearn::add_convert_command(app)},
      {"inspect", linlearn::add_inspect_command(app)},
      {"check", linlearn::add_check_command(app)},
      {"convert-model", linlearn::add_convert_model_command(app)},
      {"serve", linlearn::add_serve_command(app)},
  };
  if (const std::optional<int> code = parse(app, argc, argv, actions)) return *code;
  return run(app, actions);
}
