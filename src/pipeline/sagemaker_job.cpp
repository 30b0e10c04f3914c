// run_sagemaker_job and its failure file: a job of SageMaker's container mode (see train_job.h).
#include <filesystem>
#include <new>

#include <fmt/format.h>

#include "artifacts/sagemaker_model.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "linlearn/train_job.h"

namespace linlearn {
namespace {

namespace fs = std::filesystem;

// SageMaker cuts a FailureReason at 1024 characters.
constexpr std::size_t kFailureReasonBytes = 1024;

// Removes the job's on-disk cache of streamed data when the job ends, however it ends: the cache is
// scratch, and a restarted job builds it again.
class CacheRemoval {
 public:
  explicit CacheRemoval(std::string dir) : dir_(std::move(dir)) {}
  ~CacheRemoval() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  CacheRemoval(const CacheRemoval&) = delete;
  CacheRemoval& operator=(const CacheRemoval&) = delete;

 private:
  std::string dir_;
};

// model_algo-1 beside model.pb, so that SageMaker's own Linear Learner image can host the model
// too; a model its graph cannot express (a binary classifier trained with hinge_loss) keeps
// model.pb only, which `linlearn serve` reads.
void write_model_algo(const std::string& model_dir, spdlog::logger& log) {
  const LinearModel model = load_model(model_dir);
  std::string bytes;
  try {
    bytes = sagemaker_model_algo_bytes(model);
  } catch (const UsageError& e) {
    log.warn("{}/model_algo-1 not written: {}; linlearn serve reads model.pb", model_dir, e.what());
    return;
  }
  write_file_atomically((fs::path(model_dir) / "model_algo-1").string(), bytes);
}

void write_failure(const std::string& root, std::string reason) {
  for (char& c : reason)
    if (c == '\n' || c == '\r') c = ' ';
  if (reason.size() > kFailureReasonBytes) reason.resize(kFailureReasonBytes);
  try {
    const fs::path output = fs::path(root) / "output";
    ensure_directory(output.string());
    write_file_atomically((output / "failure").string(), reason + "\n");
  } catch (const Error&) {
    // The job's own error is what matters; it goes on to stderr and the exit code.
  }
}

}  // namespace

int run_sagemaker_job(const SageMakerJob& job, JobProcesses& processes, spdlog::logger& log, JobObserver& observer,
                      const std::atomic<int>* stop_signal) {
  for (const std::string& note : job.notes) log.info("{}", note);
  for (const std::string& warning : job.warnings) log.warn("{}", warning);
  if (processes.lead()) {
    // A failure of an earlier attempt (a spot interruption) is not this job's.
    std::error_code ignored;
    fs::remove(fs::path(job.root) / "output" / "failure", ignored);
  }
  const CacheRemoval cache(job.request.cache_dir);
  const int code = run_train_job(job.request, processes, log, observer, stop_signal);
  if (processes.lead()) write_model_algo(job.request.output_dir, log);
  return code;
}

int reporting_sagemaker_failure(const std::string& root, const std::function<int()>& job) {
  int code = kExitInternal;
  try {
    code = job();
  } catch (const Error& e) {
    write_failure(root, e.what());
    throw;
  } catch (const std::bad_alloc&) {
    write_failure(root, "out of memory");
    throw;
  } catch (const std::exception& e) {
    write_failure(root, fmt::format("internal error: {}", e.what()));
    throw;
  }
  if (code == kExitNotConverged) {
    write_failure(root, "the selected model did not converge (--fail-on-nonconvergence; see output/data/metrics.json)");
  } else if (code != kExitOk) {
    write_failure(root, fmt::format("the job ended with exit code {}", code));
  }
  return code;
}

}  // namespace linlearn
