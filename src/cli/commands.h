#pragma once
// Each subcommand lives in its own src/cli/<name>_command.cpp: it registers its options on the
// root app and returns the action main() runs when that subcommand is chosen. Actions return the
// exit code and throw linlearn::Error (see errors.h) on failure; they never call exit().
#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace linlearn {

using CommandAction = std::function<int()>;

CommandAction add_train_command(CLI::App& root);
CommandAction add_predict_command(CLI::App& root);
CommandAction add_evaluate_command(CLI::App& root);
CommandAction add_convert_command(CLI::App& root);
CommandAction add_inspect_command(CLI::App& root);
CommandAction add_check_command(CLI::App& root);
CommandAction add_convert_model_command(CLI::App& root);
CommandAction add_serve_command(CLI::App& root);

// What `linlearn --help` and every command's --help end with (SPEC section 8).
std::string exit_codes_help();

}  // namespace linlearn
