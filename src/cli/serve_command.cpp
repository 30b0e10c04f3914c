// `linlearn serve`: SageMaker's inference contract over HTTP until SIGTERM or SIGINT.
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/logging.h"
#include "linlearn/artifacts.h"
#include "linlearn/config.h"
#include "linlearn/errors.h"
#include "linlearn/train_job.h"
#include "serve/server.h"

namespace linlearn {
namespace {

struct ServeOptions {
  std::string model;
  std::string sagemaker_root;
  std::string host;
  int port = 8080;
  int workers = 0;
  std::string log_level = "info";
};

// Where the model comes from and the host to bind. Container mode (SageMaker's hosting): the model
// in ROOT/model, on every interface; it applies with --sagemaker-root, or without --model when
// /opt/ml/model ($SAGEMAKER_BASE_DIR/model) exists.
struct Placement {
  std::string model;
  std::string host;
  bool container = false;
};

Placement place(const ServeOptions& o) {
  Placement p;
  const std::string default_model = default_sagemaker_root() + "/model";
  if (!o.sagemaker_root.empty()) {
    p = {(std::filesystem::path(o.sagemaker_root) / "model").string(), "0.0.0.0", true};
  } else if (!o.model.empty()) {
    p = {o.model, "127.0.0.1", false};
  } else if (std::filesystem::exists(default_model)) {
    p = {default_model, "0.0.0.0", true};
  } else {
    throw UsageError("serve: no model; give --model PATH, or --sagemaker-root DIR holding model/ (" + default_model +
                     " does not exist)");
  }
  if (!o.host.empty()) p.host = o.host;
  return p;
}

// Blocks SIGINT and SIGTERM in this thread and every thread it starts from now on, so that only
// wait_for_stop() sees them; restores the mask when dropped.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &previous_);
  }
  ~StopSignals() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal that arrived, or 0 when the server stopped serving by itself first.
  int wait_for_stop(const InferenceServer& server) const {
    const timespec poll{0, 200'000'000};
    while (server.serving()) {
      const int signal = sigtimedwait(&set_, nullptr, &poll);
      if (signal > 0) return signal;
    }
    return 0;
  }

 private:
  sigset_t set_;
  sigset_t previous_;
};

std::string describe(const LinearModel& model) {
  return fmt::format(
      "{}, feature_dim {}{}", predictor_type_name(model.predictor_type), model.feature_dim,
      model.predictor_type == PredictorType::kMulticlass ? fmt::format(", {} classes", model.num_classes) : "");
}

int run_serve(const ServeOptions& o) {
  const auto log = make_stderr_logger(o.log_level);
  const Placement placement = place(o);
  LinearModel model = load_model(placement.model);
  const std::string what = describe(model);
  const StopSignals signals;
  InferenceServer server(std::move(model), {placement.host, o.port, o.workers, kDefaultMaxRequestBytes}, log);
  const int port = server.bind();
  server.start();
  log->info("serving {} ({}){} on http://{}:{} with {} workers", placement.model, what,
            placement.container ? " in SageMaker container mode" : "", placement.host, port, server.workers());
  const int signal = signals.wait_for_stop(server);
  if (signal == 0) throw Error("serve: the server stopped listening", kExitInternal);
  log->info("{}: answering the requests in flight, then exiting", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  server.stop();
  return kExitOk;
}

}  // namespace

CommandAction add_serve_command(CLI::App& root) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd =
      root.add_subcommand("serve", "Answer SageMaker inference requests over HTTP (GET /ping, POST /invocations)");
  auto* model =
      cmd->add_option("--model", o->model, "Model directory, model.pb, or SageMaker model.tar.gz / model_algo-1");
  cmd->add_option("--sagemaker-root,--sagemaker_root", o->sagemaker_root,
                  "SageMaker container mode: the model in DIR/model, host 0.0.0.0 (default without --model when "
                  "/opt/ml/model exists: /opt/ml, or $SAGEMAKER_BASE_DIR)")
      ->excludes(model);
  cmd->add_option("--host", o->host, "Address to listen on (default 127.0.0.1; 0.0.0.0 in container mode)");
  cmd->add_option("--port", o->port, "Port to listen on; 0 picks a free one (logged)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--workers", o->workers, "Requests served at once (default: the CPUs this process may use)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--log-level,--log_level", o->log_level,
                  "trace, debug (one line per request), info, warn, error or off")
      ->capture_default_str();
  return [o] { return run_serve(*o); };
}

}  // namespace linlearn
