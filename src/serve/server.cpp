// The HTTP side of `serve`: cpp-httplib's server with a fixed pool of workers, each decoding,
// scoring and encoding the requests of the connection it holds.
#include "serve/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <new>
#include <utility>

#include "linlearn/errors.h"

// Last: see server.h.
#include <httplib.h>

namespace linlearn {
namespace {

void reject(httplib::Response& response, int status, const std::string& reason) {
  response.status = status;
  response.set_content(reason + "\n", "text/plain");
}

// The Content-Length of a request, or 0 when it has none (chunked) or it cannot be read.
std::size_t content_length(const httplib::Request& request) {
  const std::string text = request.get_header_value("Content-Length");
  std::size_t length = 0;
  std::from_chars(text.data(), text.data() + text.size(), length);
  return length;
}

// The reason of an error response httplib made itself, for its empty body.
std::string default_reason(const httplib::Request& request, int status, std::size_t limit) {
  switch (status) {
    case 404:
      return fmt::format("no endpoint {} {}; expected GET /ping or POST /invocations", request.method, request.path);
    case 413:
      if (content_length(request) == 0) return fmt::format("request body over the limit of {} bytes", limit);
      return fmt::format("request body of {} bytes is over the limit of {} bytes", content_length(request), limit);
    case 400:
      return "malformed HTTP request";
    default:
      return fmt::format("HTTP {}", status);
  }
}

// A POST with neither Content-Length nor a chunked body has no body, but httplib would wait for
// the client to close the connection (its 5 s read timeout) before answering: answered at once.
httplib::Server::HandlerResponse answer_bodyless_post(const httplib::Request& request, httplib::Response& response) {
  if (request.method != "POST" || request.has_header("Content-Length") || request.has_header("Transfer-Encoding"))
    return httplib::Server::HandlerResponse::Unhandled;
  if (request.path == "/invocations") {
    reject(response, 411, "no Content-Length: send the records with a Content-Length or chunked");
  } else {
    reject(response, 404, default_reason(request, 404, 0));
  }
  return httplib::Server::HandlerResponse::Handled;
}

// What escaped a handler: 500 with its message.
void answer_exception(const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    // not a std::exception: nothing more to say
  }
  reject(response, 500, "internal error: " + what);
}

}  // namespace

InferenceServer::InferenceServer(LinearModel model, ServerOptions options, std::shared_ptr<spdlog::logger> log)
    : predictor_(std::move(model)),
      options_(std::move(options)),
      log_(std::move(log)),
      workers_(options_.workers > 0 ? options_.workers : usable_cpus()),
      http_(std::make_unique<httplib::Server>()) {
  const int workers = workers_;
  // httplib owns the queue it is handed, and deletes it when serving ends.
  http_->new_task_queue = [workers] { return std::make_unique<httplib::ThreadPool>(workers).release(); };
  http_->set_payload_max_length(options_.max_request_bytes);
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second server
  // bind the same port and take part of its connections. TCP_NODELAY, inherited by the accepted
  // sockets: httplib writes a response's headers and body apart, and Nagle's algorithm would hold
  // the body until the client's delayed ACK of the headers (40 ms on kept-alive connections). The
  // socket is kept for stop().
  http_->set_socket_options([this](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    listen_socket_ = socket;
  });
  route();
}

InferenceServer::~InferenceServer() {
  stop();
}

void InferenceServer::route() {
  http_->Get("/ping", [](const httplib::Request&, httplib::Response& response) { response.status = 200; });
  http_->Post("/invocations",
              [this](const httplib::Request& request, httplib::Response& response,
                     const httplib::ContentReader& content) { invocations(request, response, content); });
  http_->set_pre_routing_handler(answer_bodyless_post);
  http_->set_error_handler(
      [this](const httplib::Request& request, httplib::Response& response) { on_error(request, response); });
  http_->set_exception_handler(answer_exception);
  http_->set_logger([this](const httplib::Request& request, const httplib::Response& response) {
    log_->debug("{} {} {} ({} bytes in, {} out)", request.method, request.path, response.status,
                content_length(request), response.body.size());
  });
}

int InferenceServer::bind() {
  port_ = options_.port == 0 ? http_->bind_to_any_port(options_.host)
                             : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ < 0)
    throw UsageError(fmt::format("cannot listen on {}:{}: the port is taken, or the host is not an address here",
                                 options_.host, options_.port));
  // httplib listens with a backlog of 5: clients connecting at once beyond that lose their SYN and
  // retry a second later. Listening again only raises the backlog.
  ::listen(listen_socket_, SOMAXCONN);
  return port_;
}

void InferenceServer::start() {
  std::lock_guard lock(mutex_);
  listening_ = true;
  thread_ = std::thread([this] {
    const bool clean = http_->listen_after_bind();
    std::lock_guard done(mutex_);
    listening_ = false;
    if (!clean && !stopped_) log_->error("the listening socket failed; no longer serving");
  });
}

void InferenceServer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    if (listening_) {
      // accept() fails at once; httplib then closes the socket and its workers answer the
      // connections already accepted (its own stop() would drop those not yet read).
      ::shutdown(listen_socket_, SHUT_RDWR);
    } else if (!thread_.joinable() && port_ > 0) {
      ::close(listen_socket_);  // bound, never served
    }
  }
  if (thread_.joinable()) thread_.join();
}

bool InferenceServer::serving() const {
  std::lock_guard lock(mutex_);
  return listening_;
}

void InferenceServer::invocations(const httplib::Request& request, httplib::Response& response,
                                  const httplib::ContentReader& content) const {
  std::string body;
  body.reserve(std::min(content_length(request), options_.max_request_bytes));
  // A chunked body past the limit is read to its end but not kept, so that the connection stays
  // in step (httplib skips a Content-Length over the limit alike, answering 413 itself).
  bool too_large = false;
  const bool read = content([&](const char* data, std::size_t size) {
    too_large = too_large || body.size() + size > options_.max_request_bytes;
    if (too_large) {
      std::string().swap(body);
    } else {
      body.append(data, size);
    }
    return true;
  });
  if (too_large || response.status == 413)
    return reject(response, 413, default_reason(request, 413, options_.max_request_bytes));
  if (!read) return reject(response, 400, "the request body could not be read");
  const std::string type_text = request.get_header_value("Content-Type");
  const auto type = parse_media_type(type_text);
  const auto format = type ? request_format(*type) : std::nullopt;
  if (!format)
    return reject(response, 415,
                  fmt::format("Content-Type '{}' is not supported; expected {}", type_text, request_types_text()));
  const auto accept = negotiate_response_format(request.get_header_value("Accept"));
  if (!accept)
    return reject(response, 406,
                  fmt::format("Accept '{}' names no supported type; expected {}", request.get_header_value("Accept"),
                              response_types_text()));
  try {
    const Dataset data = decode_request(body, *format, predictor_.model(), "request");
    std::unique_ptr<ThreadPool> scorer = take_scorer();
    const std::vector<float> scores = predictor_.scores(data, *scorer);
    return_scorer(std::move(scorer));
    response.set_content(encode_response(predictor_.model(), scores, *accept), media_type_name(*accept));
  } catch (const InputError& e) {
    reject(response, 400, e.what());
  } catch (const std::bad_alloc&) {
    reject(response, 503, "out of memory: send fewer records at once");
  }
}

void InferenceServer::on_error(const httplib::Request& request, httplib::Response& response) const {
  if (response.body.empty())
    reject(response, response.status, default_reason(request, response.status, options_.max_request_bytes));
  std::string reason = response.body;
  if (!reason.empty() && reason.back() == '\n') reason.pop_back();
  if (response.status >= 500) {
    log_->error("{} {}: {} {}", request.method, request.path, response.status, reason);
  } else {
    log_->warn("{} {}: {} {}", request.method, request.path, response.status, reason);
  }
}

std::unique_ptr<ThreadPool> InferenceServer::take_scorer() const {
  {
    std::lock_guard lock(mutex_);
    if (!scorers_.empty()) {
      std::unique_ptr<ThreadPool> pool = std::move(scorers_.back());
      scorers_.pop_back();
      return pool;
    }
  }
  return std::make_unique<ThreadPool>(1);
}

void InferenceServer::return_scorer(std::unique_ptr<ThreadPool> pool) const {
  std::lock_guard lock(mutex_);
  scorers_.push_back(std::move(pool));
}

}  // namespace linlearn
