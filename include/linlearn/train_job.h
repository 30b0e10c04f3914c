#pragma once
// A training job as a few named stages, each callable (and testable) on its own; `train` on the
// command line and SageMaker's container mode build a TrainRequest and run them:
//
//   start_job        the processes the job runs on (one, or the ranks of an MPI launch)
//   resolve_config   every hyperparameter checked before any data is read (config.h)
//   load_channels    the channels read (in memory, streamed through a cache, or a rank's share),
//                    their shapes agreed, summaries and the facts the data-dependent autos need
//   finalize_config  the data-dependent autos resolved; warnings for options without effect
//   train_models     epochs, early stopping, selection (trainer.h)
//   final_metrics    the selected model's metrics per channel, scored once
//   write_artifacts  model.pb, model.json, metrics.json, report.html
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "linlearn/communicator.h"
#include "linlearn/config.h"
#include "linlearn/dataset.h"
#include "linlearn/diagnostics.h"
#include "linlearn/hyperparameters.h"
#include "linlearn/out_of_core.h"
#include "linlearn/report.h"
#include "linlearn/run_summary.h"
#include "linlearn/trainer.h"
#include "linlearn/warm_start.h"

namespace linlearn {

// What a job is asked to do.
struct TrainRequest {
  std::vector<std::string> train, validation, test;  // files, directories, globs or "-"
  std::string output_dir = "./output";
  std::string report_dir;  // metrics.json and report.html ("": output_dir)
  HyperparameterValues hyperparameters;
  std::string content_type;                                // "" detects the format per file
  std::string validation_content_type, test_content_type;  // "": content_type
  int threads = 0;                                         // 0: the CPUs this process may use
  std::string checkpoint_dir;                              // "": OUTPUT/checkpoint, removed after a successful run
  bool resume = false;     // from the checkpoint when there is one; from the start otherwise
  std::string max_memory;  // "": half of physical memory
  std::string cache_dir;   // "": OUTPUT/cache
  std::size_t shuffle_buffer = 100000;
  std::string distribution = "sharded";
  bool distribution_given = false;  // warned about when the job runs alone
  bool fail_on_nonconvergence = false;
  std::string initial_model;  // warm start from this model ("": none)
  double peer_timeout = 10;   // under MPI: seconds of silence after which a rank counts as lost
};

// The processes a job runs on. Started by an MPI launcher with several ranks, this process is one
// rank of a data-parallel job; otherwise it trains alone.
class JobProcesses {
 public:
  JobProcesses();
  ~JobProcesses();
  JobProcesses(const JobProcesses&) = delete;
  JobProcesses& operator=(const JobProcesses&) = delete;

  Communicator& comm() { return *comm_; }
  bool lead() const { return comm_->rank() == 0; }
  // Under several ranks: every rank watches the previous one (heartbeats on a thread of its own)
  // and ends the job when it has been silent for `timeout_seconds` (0: no watch). Collective.
  // False when the MPI library cannot take calls from a second thread (no watch then).
  bool watch_peers(double timeout_seconds);

 private:
  struct Mpi;
  std::unique_ptr<Mpi> mpi_;
  LocalCommunicator alone_;
  Communicator* comm_ = &alone_;
};

// The channels as read, with what describes them.
struct DataSummary {
  std::size_t train_records = 0;  // over all ranks
  std::size_t validation_records = 0;
  std::size_t test_records = 0;
  std::size_t feature_dim = 0;
  bool sparse = false;
  double read_seconds = 0;
  std::string cache_path;  // streamed through this on-disk cache; empty: in memory
};

// A channel over every rank: its records, and under MPI the files of all ranks.
struct ChannelCounts {
  std::size_t records = 0;
  std::vector<std::string> all_files;  // empty: those of this process's Dataset
};

struct LoadedChannels {
  Dataset train;  // this rank's share; only the shape when streamed
  Dataset validation;
  Dataset test;
  std::optional<StreamedTrain> streamed;  // training data larger than --max-memory
  ChannelCounts train_counts, validation_counts, test_counts;
  DataSummary summary;
  DataFacts facts;

  const Dataset* validation_or_null() const { return validation_counts.records > 0 ? &validation : nullptr; }
  const Dataset* test_or_null() const { return test_counts.records > 0 ? &test : nullptr; }
  Channels channels() const;
  // For metrics.json: train, then validation and test when they have records. They point into
  // this object.
  std::vector<ChannelSummary> summaries() const;
};

// The scores of the channel the report charts, with what they are judged against.
struct ChartedScores {
  std::string channel;
  std::vector<float> scores;
  std::vector<float> labels;
  std::vector<float> weights;
  std::size_t channel_records = 0;  // when the scores are a uniform sample of the channel: its size
};

struct FinalMetrics {
  MetricMap metrics;  // train:..., validation:..., test:...
  ChartedScores charted;
};

// The end of a run, as people read it.
struct JobResult {
  int selected = -1;
  int best_epoch = -1;  // 0-based, as in metrics.json
  std::string status;
  MetricMap final_metrics;
  std::string output_dir;
  std::vector<Diagnostic> diagnostics;
  std::string report_dir;  // where metrics.json and report.html are ("": output_dir)
};

// What a job tells whoever runs it, in order; the command line's console prints it.
class JobObserver : public TrainingObserver {
 public:
  virtual void on_data(const DataSummary&) {}
  virtual void on_config(const TrainConfig&, bool /*has_validation*/) {}
  virtual void on_diagnostics(const std::vector<Diagnostic>&) {}
  virtual void on_result(const JobResult&) {}
};

// Reads the channels of `request` with the pre-data `config`; every rank of `comm` reads its share
// and the ranks agree on bad input (InputError on all of them) and on the data's shape.
LoadedChannels load_channels(const TrainRequest& request, const TrainConfig& config, int threads, Communicator& comm,
                             spdlog::logger& log);

// The final configuration from the data's facts, with warnings for options that have no effect.
TrainConfig finalize_config(const TrainRequest& request, const LoadedChannels& data, int threads, spdlog::logger& log);

// The selected model's metrics on every channel; the channel it was selected on is not scored
// again: its metrics come from the selection's scores.
FinalMetrics final_metrics(const TrainConfig& config, const TrainOutcome& outcome, const LoadedChannels& data,
                           ThreadPool& pool, Communicator& comm);

// With a selected model model.pb and model.json into request.output_dir; metrics.json and
// report.html into request.report_dir (or output_dir) (rank 0 only); returns metrics.json's content.
nlohmann::json write_artifacts(const TrainRequest& request, const TrainConfig& config, const TrainOutcome& outcome,
                               const LoadedChannels& data, const FinalMetrics& metrics,
                               const std::vector<Diagnostic>& diagnostics, const Timing& timing, Communicator& comm);

// Runs every stage; returns the exit code (errors are thrown as linlearn::Error).
int run_train_job(const TrainRequest& request, JobProcesses& processes, spdlog::logger& log, JobObserver& observer,
                  const std::atomic<int>* stop_signal);

// SageMaker's training container mode (SPEC section 9): a job read from SageMaker's layout under a
// root, as "How Amazon SageMaker Runs Your Training Image" lays it out:
//   input/config/hyperparameters.json  the hyperparameters (strings), SageMaker's own keys included
//   input/config/inputdataconfig.json  channels train, validation, test (and model: a warm start),
//                                      each with its ContentType and TrainingInputMode
//   input/config/resourceconfig.json   current_host and hosts: one host trains, several are refused
//   input/data/<channel>/              File mode: a folder of shards
//   input/data/<channel>_0             Pipe mode: a FIFO, read once (the later passes' FIFOs unused)
//   model/                             model.pb, model.json and SageMaker's model_algo-1
//   output/data/                       metrics.json, report.html
//   output/failure                     a failed job's reason, one line
//   checkpoints/                       the state after every epoch (or checkpointconfig.json's LocalPath);
//                                      a restarted job resumes from it
struct SageMakerJob {
  std::string root;
  TrainRequest request;
  std::vector<std::string> notes;     // what the layout says, for the log
  std::vector<std::string> warnings;  // what looks wrong but does not stop the job
};

// $SAGEMAKER_BASE_DIR, as SageMaker's own toolkits read it, else /opt/ml.
std::string default_sagemaker_root();

// Whether `root` holds a training job: root/input/config/hyperparameters.json exists.
bool has_sagemaker_training_job(const std::string& root);

// The job under `root`. `run` carries the options of the run (threads, memory, ...) and the
// hyperparameters given on the command line, which win over hyperparameters.json. UsageError
// naming the file for anything in the layout that cannot run.
SageMakerJob read_sagemaker_job(const std::string& root, const TrainRequest& run);

// Runs the job (run_train_job), then writes model_algo-1 beside model.pb (SageMaker's format:
// SageMaker's own Linear Learner image can host it).
int run_sagemaker_job(const SageMakerJob& job, JobProcesses& processes, spdlog::logger& log, JobObserver& observer,
                      const std::atomic<int>* stop_signal);

// Runs `job`; when it throws or exits non-zero, its reason goes to root/output/failure first (one
// line: SageMaker shows it as the job's FailureReason), and the error goes on.
int reporting_sagemaker_failure(const std::string& root, const std::function<int()>& job);

}  // namespace linlearn
