// The console of `train` without running it: the epoch table, the #quality_metric lines (logged
// with --log-format sagemaker, on stdout in container mode), the summary under --quiet, the live
// line that log lines never share a row with, and the progress line's time left.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "cli/console.h"
#include "cli/console_sink.h"
#include "cli/training_log.h"
#include "linlearn/config.h"

namespace linlearn {
namespace {

using testing::lines_of;

// A file standing in for a stream; text() reads back what was written.
class Capture {
 public:
  Capture() : file_(std::tmpfile(), &std::fclose) {}
  std::FILE* get() const { return file_.get(); }
  std::string text() const {
    std::fflush(file_.get());
    std::string text;
    std::rewind(file_.get());
    for (int c = std::fgetc(file_.get()); c != EOF; c = std::fgetc(file_.get())) text += static_cast<char>(c);
    return text;
  }

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
};

TrainConfig binary_config() {
  const DataFacts facts{1000, 5, false, {500, 500}};
  TrainConfig config =
      resolve_config({{"predictor_type", "binary_classifier"}, {"num_models", "2"}, {"epochs", "4"}}, &facts);
  config.threads = 1;
  return config;
}

EpochRecord epoch_record(int epoch, double validation_loss) {
  EpochRecord r;
  r.epoch = epoch;
  r.seconds = 0.25;
  r.records_per_second = 4000;
  ModelEpoch good;
  good.progressive_loss = 0.5;
  good.validation = {{"objective_loss", validation_loss}, {"binary_classification_accuracy", 0.75}};
  ModelEpoch stopped = good;
  stopped.validation["objective_loss"] = validation_loss + 1;
  stopped.status = ModelStatus::kEarlyStopped;
  r.models = {stopped, good};
  return r;
}

struct Fixture {
  Capture err, out;
  LiveTerminal terminal;
  std::shared_ptr<ConsoleSink> sink;
  std::shared_ptr<spdlog::logger> log;
  Console console;

  Fixture(LogFormat format, spdlog::level::level_enum level, bool container = false, bool live = false)
      : terminal(err.get(), out.get(), live),
        sink(std::make_shared<ConsoleSink>(terminal, format)),
        log(make_console_logger(sink, level)),
        console(*log, *sink, terminal, container) {}
};

TEST(Console, EpochRowsLineUpUnderTheirHeadingAndCountFromOne) {
  Fixture f(LogFormat::kText, spdlog::level::info);
  const TrainConfig config = binary_config();
  f.console.settings(config, true);
  f.console.epoch(epoch_record(0, 0.4));
  f.console.epoch(epoch_record(1, 0.3));
  const std::vector<std::string> lines = lines_of(f.err.text());
  ASSERT_EQ(lines.size(), 6U) << f.err.text();
  EXPECT_EQ(lines[0].rfind("settings: binary_classifier, loss logistic, adam", 0), 0U) << lines[0];
  EXPECT_EQ(lines[1], "stopping: up to 4 epochs, early on validation objective_loss (patience 3)");
  EXPECT_EQ(lines[2], "models: 2, halved after epochs 2, 4, 8, ...; selected by validation accuracy");
  EXPECT_EQ(lines[3], "  epoch  seconds  records/s  best  train loss  valid loss  training");
  // The best model is the one still training (lower validation loss); one of two still trains.
  EXPECT_EQ(lines[4], "    1/4    0.250         4k     1         0.5         0.4       1/2");
  EXPECT_EQ(lines[5], "    2/4    0.250         4k     1         0.5         0.3       1/2");
  for (const std::string& line : lines) EXPECT_EQ(line.find("#quality_metric"), std::string::npos) << line;
  EXPECT_TRUE(f.out.text().empty());
}

TEST(Console, SageMakerFormatLogsQualityMetricsCountingEpochsFromZero) {
  Fixture f(LogFormat::kSageMaker, spdlog::level::info);
  const TrainConfig config = binary_config();
  f.console.settings(config, true);
  f.console.epoch(epoch_record(0, 0.4));
  const std::string err = f.err.text();
  const std::regex stamp(R"(\[\d\d/\d\d/\d{4} \d\d:\d\d:\d\d INFO \d+\] .*)");
  for (const std::string& line : lines_of(err)) EXPECT_TRUE(std::regex_match(line, stamp)) << line;
  // The objective as SageMaker's Linear Learner names it, which its metric definitions match.
  EXPECT_NE(err.find("] #quality_metric: host=algo-1, epoch=0, train binary_classification_cross_entropy_objective "
                     "<loss>=0.5\n"),
            std::string::npos)
      << err;
  EXPECT_NE(
      err.find("] #quality_metric: host=algo-1, epoch=0, validation binary_classification_cross_entropy_objective "
               "<loss>=0.4\n"),
      std::string::npos)
      << err;
  EXPECT_NE(
      err.find("] #quality_metric: host=algo-1, epoch=0, validation binary_classification_accuracy <score>=0.75\n"),
      std::string::npos)
      << err;
}

TEST(Console, ContainerModeWritesQualityMetricsToStdout) {
  Fixture f(LogFormat::kText, spdlog::level::err, /*container=*/true);
  const TrainConfig config = binary_config();
  f.console.settings(config, true);
  f.console.epoch(epoch_record(2, 0.4));
  EXPECT_EQ(f.out.text(),
            "#quality_metric: host=algo-1, epoch=2, train binary_classification_cross_entropy_objective <loss>=0.5\n"
            "#quality_metric: host=algo-1, epoch=2, validation binary_classification_cross_entropy_objective "
            "<loss>=0.4\n"
            "#quality_metric: host=algo-1, epoch=2, validation binary_classification_accuracy <score>=0.75\n"
            "#progress_metric: host=algo-1, completed 75 %\n"
            "#throughput_metric: host=algo-1, train throughput=4000 records/second\n");
  EXPECT_TRUE(f.err.text().empty()) << f.err.text();
}

// The final lines name metrics as SageMaker's Linear Learner does, so that its metric definitions
// (test binary_f_\S+, multiclass_top_k_accuracy_\S+, \S+_objective) find them.
TEST(Console, ContainerModeWritesTheFinalMetricsInLinearLearnersNames) {
  Fixture f(LogFormat::kText, spdlog::level::err, /*container=*/true);
  const TrainConfig config = binary_config();
  f.console.settings(config, true);
  const MetricMap metrics{
      {"train:objective_loss", 0.31}, {"test:objective_loss", 0.3}, {"test:binary_f_beta", 0.8}, {"test:recall", 0.7}};
  f.console.summary({1, 2, "converged", metrics, "root/model", {}, "root/output/data"});
  EXPECT_EQ(f.out.text(),
            "#quality_metric: host=algo-1, train binary_classification_cross_entropy_objective <loss>=0.31\n"
            "#quality_metric: host=algo-1, test binary_classification_cross_entropy_objective <loss>=0.3\n"
            "#quality_metric: host=algo-1, test binary_f_1.000 <score>=0.8\n"
            "#quality_metric: host=algo-1, test recall <score>=0.7\n");
  EXPECT_NE(f.err.text().find("artifacts in root/model: model.pb, model.json; in root/output/data: metrics.json, "
                              "report.html"),
            std::string::npos)
      << f.err.text();
}

TEST(Console, MulticlassAndRegressionMetricsInLinearLearnersNames) {
  Fixture f(LogFormat::kText, spdlog::level::err, /*container=*/true);
  const TrainConfig multiclass = resolve_config({{"predictor_type", "multiclass_classifier"}, {"num_classes", "3"}});
  f.console.settings(multiclass, false);
  const MetricMap metrics{{"validation:objective_loss", 0.5},
                          {"validation:multiclass_top_k_accuracy", 1},
                          {"validation:macro_f_beta", 0.5}};
  f.console.summary({0, 1, "converged", metrics, "m", {}, ""});
  Fixture g(LogFormat::kText, spdlog::level::err, /*container=*/true);
  const TrainConfig regressor = resolve_config({{"predictor_type", "regressor"}, {"loss", "huber_loss"}});
  g.console.settings(regressor, false);
  g.console.summary(
      {0, 1, "converged", {{"test:objective_loss", 2}, {"test:rmse", 1.5}, {"test:r2", 0.5}}, "m", {}, ""});
  EXPECT_EQ(f.out.text(),
            "#quality_metric: host=algo-1, validation multiclass_cross_entropy_objective <loss>=0.5\n"
            "#quality_metric: host=algo-1, validation macro_f_1.000 <score>=0.5\n"
            "#quality_metric: host=algo-1, validation multiclass_top_k_accuracy_3 <score>=1\n");
  EXPECT_EQ(g.out.text(),
            "#quality_metric: host=algo-1, test huber_loss_objective <loss>=2\n"
            "#quality_metric: host=algo-1, test r2 <score>=0.5\n"
            "#quality_metric: host=algo-1, test rmse <loss>=1.5\n");
}

TEST(Console, QuietShowsTheSummaryAndErrorsOnly) {
  Fixture f(LogFormat::kText, parse_log_level("info", Verbosity::kQuiet));
  const TrainConfig config = binary_config();
  f.console.data({1000, 200, 0, 5, false, 0.01, ""});
  f.console.settings(config, true);
  f.console.epoch(epoch_record(0, 0.4));
  const std::vector<Diagnostic> diagnostics{{"not_converged", Severity::kWarning, "still improving", "raise epochs"},
                                            {"constant_features", Severity::kInfo, "2 constant", "drop them"}};
  f.console.diagnostics(diagnostics);
  const MetricMap metrics{{"train:objective_loss", 0.31},
                          {"validation:objective_loss", 0.3},
                          {"validation:binary_classification_accuracy", 0.875}};
  f.console.summary({1, 2, "max_epochs", metrics, "out", diagnostics, ""});
  f.log->error("something failed");
  EXPECT_EQ(f.err.text(),
            "selected model 1 (epoch 3), status max_epochs; warnings: not_converged\n"
            "validation: binary_classification_accuracy 0.875, objective_loss 0.3\n"
            "artifacts in out: model.pb, model.json, metrics.json, report.html\n"
            "error: something failed\n");
}

TEST(Console, LongMetricListsWrapUnderTheirChannel) {
  Fixture f(LogFormat::kText, spdlog::level::info);
  TrainConfig config = resolve_config({{"predictor_type", "multiclass_classifier"}, {"num_classes", "3"}});
  f.console.settings(config, false);
  const MetricMap metrics{{"test:multiclass_accuracy", 0.9}, {"test:dcg", 0.95},
                          {"test:macro_f_beta", 0.89},       {"test:macro_precision", 0.9},
                          {"test:macro_recall", 0.88},       {"test:multiclass_top_k_accuracy", 1.0},
                          {"test:objective_loss", 0.25},     {"train:objective_loss", 0.2}};
  const std::string before = f.err.text();
  f.console.summary({0, 4, "converged", metrics, "out", {}, ""});
  const std::vector<std::string> lines = lines_of(f.err.text().substr(before.size()));
  ASSERT_EQ(lines.size(), 4U) << f.err.text();
  EXPECT_EQ(lines[1].rfind("test: multiclass_accuracy 0.9, dcg 0.95,", 0), 0U) << lines[1];
  EXPECT_EQ(lines[2].rfind("      ", 0), 0U) << lines[2];
  for (const std::string& line : lines) EXPECT_LE(line.size(), 100U) << line;
}

TEST(LiveTerminal, ALogLineErasesTheProgressLineAndRedrawsItAfter) {
  Capture err, out;
  LiveTerminal terminal(err.get(), out.get(), true);
  terminal.draw("epoch 1/3 [....] 10%");
  terminal.write_err("a log line");
  terminal.clear();
  terminal.write_err("another");
  EXPECT_EQ(err.text(),
            "\r\033[Kepoch 1/3 [....] 10%"
            "\r\033[Ka log line\nepoch 1/3 [....] 10%"
            "\r\033[K"
            "another\n");
}

TEST(LiveTerminal, NothingIsDrawnWhenNotLive) {
  Capture err, out;
  {
    LiveTerminal terminal(err.get(), out.get(), false);
    terminal.draw("epoch 1/3");
    terminal.write_err("line");
  }
  EXPECT_EQ(err.text(), "line\n");
}

TEST(ProgressText, TimeLeftIsBoundedByTheEpochsLeft) {
  BatchProgress p;
  p.epoch = 1;  // the second of 5
  p.records_done = 250;
  p.records_total = 1000;
  p.seconds = 2.5;
  p.running_loss = 0.25;
  // Epochs of 10 s: 7.5 s left of this one, 30 s for the three after it.
  EXPECT_EQ(progress_text(p, 5, 10.0),
            "epoch 2/5 [#####...............]  25%  100 records/s  loss 0.25  at most 38s left");
  // Before an epoch has ended, this one's pace stands for all.
  p.epoch = 0;
  EXPECT_NE(progress_text(p, 2, 0.0).find("at most 18s left"), std::string::npos) << progress_text(p, 2, 0.0);
}

// --quiet drops the progress line unless --progress always asks for it.
TEST(ProgressText, QuietKeepsTheLineOnlyWhenAskedFor) {
  EXPECT_TRUE(live_progress(ProgressMode::kAlways, true));
  EXPECT_FALSE(live_progress(ProgressMode::kAuto, true));
  EXPECT_FALSE(live_progress(ProgressMode::kNever, false));
}

}  // namespace
}  // namespace linlearn
