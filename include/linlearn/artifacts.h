#pragma once
// Reading and writing the artifacts of `train`: model.pb, model.json, metrics.json. Every file is
// written atomically (temporary file in the same directory, flushed, then renamed).
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "linlearn/linear_model.h"

namespace google::protobuf {
class MessageLite;
}  // namespace google::protobuf

namespace linlearn {

// A file written piece by piece to a temporary name and renamed into place by commit(); dropped
// uncommitted (an exception on the way), it removes the temporary file. InputError (exit 3) naming
// the path when the directory is not writable or the disk is full; nothing is left half-written.
class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);
  // Serializes `message` straight to the file through a small buffer: a model of 2^20 features x
  // several parts is never held a second time as one string.
  void write(const google::protobuf::MessageLite& message);
  void commit();

 private:
  [[noreturn]] void fail(int error);

  std::string path_;
  std::string temp_;
  int fd_ = -1;
};

// Writes `content` to `path` with an AtomicFile.
void write_file_atomically(const std::string& path, std::string_view content);

// Creates the directory (and parents); InputError naming it when impossible.
void ensure_directory(const std::string& path);

// model.pb and model.json (SPEC section 5), each written atomically; model.json also piece by piece
// to `sink`.
std::string serialize_model_pb(const LinearModel& model);
void write_model_pb(const std::string& path, const LinearModel& model);
void write_model_json(const LinearModel& model, const std::function<void(std::string_view)>& sink);
void write_model_json(const std::string& path, const LinearModel& model);

// Loads DIR/model.pb (or a model.pb file path), or a SageMaker Linear Learner model.tar.gz or
// model_algo-1 (told by content; taken from DIR when it has no model.pb). InputError naming the
// file when it is missing, truncated, not a linlearn model or of an unknown format version; a
// model.json path is refused with a message pointing at the model.pb beside it.
LinearModel load_model(const std::string& path);

// The model.pb `bytes` (read from `name`, which error messages start with); the same checks as load_model.
LinearModel parse_model_pb(std::string_view bytes, const std::string& name);

}  // namespace linlearn
