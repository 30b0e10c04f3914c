#pragma once
// SageMaker's inference contract over HTTP (SPEC section 11): GET /ping, POST /invocations. The
// server binds, serves on a thread of its own with a fixed pool of workers, and stops cleanly, so
// that tests run it in-process on an ephemeral port.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "linlearn/inference.h"
#include "linlearn/thread_pool.h"

// httplib.h stays out of headers: it includes <resolv.h>, whose `_res` macro breaks Eigen's headers
// when they come after it. Files that include it do so after every other header.
namespace httplib {
class ContentReader;
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace linlearn {

// SageMaker's batch transform sends up to 100 MB (MaxPayloadInMB); real-time endpoints 6 MB.
inline constexpr std::size_t kDefaultMaxRequestBytes = std::size_t{100} << 20;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port
  int workers = 0;  // requests served at once; 0: usable_cpus()
  std::size_t max_request_bytes = kDefaultMaxRequestBytes;
};

class InferenceServer {
 public:
  InferenceServer(LinearModel model, ServerOptions options, std::shared_ptr<spdlog::logger> log);
  ~InferenceServer();
  InferenceServer(const InferenceServer&) = delete;
  InferenceServer& operator=(const InferenceServer&) = delete;

  // Binds host:port; returns the port bound. UsageError when the address cannot be bound.
  int bind();
  // Serves on a thread of its own until stop(); bind() first.
  void start();
  // Stops accepting connections, answers the requests already accepted, and returns when the last
  // one is answered. Idempotent.
  void stop();
  // False once serving ended (stopped, or the listening socket failed).
  bool serving() const;

  int port() const { return port_; }
  int workers() const { return workers_; }

 private:
  void route();
  void invocations(const httplib::Request& request, httplib::Response& response,
                   const httplib::ContentReader& content) const;
  // One-line reasons for errors httplib answers itself (404, 413, ...), and the error log.
  void on_error(const httplib::Request& request, httplib::Response& response) const;
  std::unique_ptr<ThreadPool> take_scorer() const;
  void return_scorer(std::unique_ptr<ThreadPool> pool) const;

  Predictor predictor_;
  ServerOptions options_;
  std::shared_ptr<spdlog::logger> log_;
  int workers_;
  int port_ = 0;
  std::unique_ptr<httplib::Server> http_;
  int listen_socket_ = -1;
  std::thread thread_;
  mutable std::mutex mutex_;  // guards the fields below
  bool listening_ = false;
  bool stopped_ = false;
  // Single-thread pools for compute_margins, one per request in flight: scoring a request on the
  // worker that reads it keeps the workers independent.
  mutable std::vector<std::unique_ptr<ThreadPool>> scorers_;
};

}  // namespace linlearn
