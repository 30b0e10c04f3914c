#pragma once
// SageMaker's layout for a training job under a scratch directory, as SageMaker lays it out ("How
// Amazon SageMaker Runs Your Training Image"): input/config/{hyperparameters,inputdataconfig,
// resourceconfig}.json and input/data/<channel>/. The churn data is in it as SageMaker would
// deliver it: training CSV in two shards, validation in RecordIO-protobuf.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "io/temp_dir.h"
#include "linlearn/convert.h"

namespace linlearn::testing {

class SageMakerRoot {
 public:
  explicit SageMakerRoot(const TempDir& dir, const std::string& name = "ml") : root_(dir.path(name)) {
    std::filesystem::create_directories(root_ / "input" / "config");
    std::filesystem::create_directories(root_ / "input" / "data");
  }

  std::string path(const std::string& relative = "") const {
    return relative.empty() ? root_.string() : (root_ / relative).string();
  }

  // input/config/hyperparameters.json: every value a string, as SageMaker writes them.
  void hyperparameters(const nlohmann::json& values) const { write_json("input/config/hyperparameters.json", values); }

  // An entry of input/config/inputdataconfig.json.
  void channel(const std::string& name, const std::string& content_type, const std::string& mode = "File") {
    channels_[name] = {{"ContentType", content_type},
                       {"TrainingInputMode", mode},
                       {"S3DistributionType", "FullyReplicated"},
                       {"RecordWrapperType", "None"}};
    write_json("input/config/inputdataconfig.json", channels_);
  }

  void hosts(const std::vector<std::string>& names) const {
    write_json("input/config/resourceconfig.json",
               {{"current_host", names.front()}, {"hosts", names}, {"network_interface_name", "eth0"}});
  }

  // Converts `source` into input/data/<channel>/<file>, in `shards` shards.
  void data(const std::string& channel, const std::string& source, const std::string& file,
            std::size_t shards = 1) const {
    ConvertOptions convert;
    convert.inputs = {source};
    convert.output = path("input/data/" + channel + "/" + file);
    convert.shards = shards;
    run_convert(convert);
  }

  // The churn job: binary classifier, CSV training data in two shards, RecordIO validation.
  void churn(const nlohmann::json& hyperparameters) {
    this->hyperparameters(hyperparameters);
    channel("train", "text/csv;label_size=1");
    channel("validation", "application/x-recordio-protobuf");
    hosts({"algo-1"});
    data("train", data_path("churn/train.csv"), "part.csv", 2);
    data("validation", data_path("churn/validation.csv"), "validation.recordio");
  }

 private:
  void write_json(const std::string& relative, const nlohmann::json& doc) const {
    std::ofstream(root_ / relative) << doc.dump(2);
  }

  std::filesystem::path root_;
  nlohmann::json channels_ = nlohmann::json::object();
};

}  // namespace linlearn::testing
