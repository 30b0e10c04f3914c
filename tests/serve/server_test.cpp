// The inference server in-process on an ephemeral port, against `predict`'s output byte for byte.
#include "serve/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include "cli/cli_runner.h"
#include "linlearn/artifacts.h"
#include "linlearn/errors.h"
#include "serve/inference_test_data.h"

// Last: see serve/server.h.
#include "serve/slow_client.h"

namespace linlearn::testing {
namespace {

constexpr std::size_t kRows = 40;

std::shared_ptr<spdlog::logger> quiet_log() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

// One model served on an ephemeral port of the loopback interface.
class ServedModel {
 public:
  explicit ServedModel(const std::string& model, ServerOptions options = {"127.0.0.1", 0, 2},
                       std::shared_ptr<spdlog::logger> log = quiet_log())
      : server_(load_model(model), options, std::move(log)), port_(server_.bind()), client_("127.0.0.1", port_) {
    server_.start();
  }

  httplib::Result post(const std::string& body, const std::string& content_type, const std::string& accept = "") {
    httplib::Headers headers;
    if (!accept.empty()) headers.emplace("Accept", accept);
    return client_.Post("/invocations", headers, body, content_type.c_str());
  }

  InferenceServer& server() { return server_; }
  httplib::Client& client() { return client_; }
  int port() const { return port_; }

 private:
  InferenceServer server_;
  int port_;
  httplib::Client client_;
};

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = (std::filesystem::temp_directory_path() / ("linlearn-serve-test-" + std::to_string(::getpid()))).string();
    std::filesystem::create_directories(root_);
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(root_); }

  // The tiny model `name`, trained on first use (ctest runs each test in a process of its own).
  static const std::string& model_dir(const std::string& name) {
    if (models_.count(name) == 0) {
      const TinyModel model = train_tiny_model(root_, name);
      models_[name] = model.dir;
      rows_[name] = read_feature_rows(model.data, kRows);
    }
    return models_.at(name);
  }
  static const Rows& rows(const std::string& name) {
    model_dir(name);
    return rows_.at(name);
  }
  // What `predict --accept ACCEPT` writes for the rows of the model.
  static const std::string& expected(const std::string& name, const std::string& accept) {
    std::string& out = expected_[name][accept];
    if (out.empty()) {
      const std::string input = root_ + "/" + name + "-input.csv";
      std::ofstream(input) << csv_body(rows(name));
      const CliResult r =
          run_linlearn("predict --model " + model_dir(name) + " --input " + input + " --accept " + accept, root_);
      EXPECT_EQ(r.exit_code, 0) << r.err;
      out = r.out;
    }
    return out;
  }

  static inline std::string root_;
  static inline std::map<std::string, std::string> models_;
  static inline std::map<std::string, Rows> rows_;
  static inline std::map<std::string, std::map<std::string, std::string>> expected_;
};

// A 4xx answer: its status and its one-line reason.
void expect_rejected(const httplib::Result& r, int status, const std::string& words) {
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->status, status) << r->body;
  EXPECT_NE(r->body.find(words), std::string::npos) << r->body;
  ASSERT_FALSE(r->body.empty());
  EXPECT_EQ(r->body.find('\n'), r->body.size() - 1) << "one line: " << r->body;
}

TEST_F(ServeTest, PingAnswers200) {
  ServedModel served(model_dir("binary"));
  const auto r = served.client().Get("/ping");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServeTest, EveryRequestFormatAndAcceptAnswersAsPredictDoes) {
  for (const std::string& model : tiny_model_names()) {
    ServedModel served(model_dir(model));
    for (const RequestBody& request : request_bodies(rows(model))) {
      for (const std::string& accept : accept_types()) {
        const auto r = served.post(request.body, request.content_type, accept);
        ASSERT_TRUE(r) << httplib::to_string(r.error());
        ASSERT_EQ(r->status, 200) << model << " " << request.name << " -> " << accept << ": " << r->body;
        EXPECT_EQ(r->get_header_value("Content-Type"), accept);
        EXPECT_EQ(r->body, expected(model, accept)) << model << " " << request.name << " -> " << accept;
      }
    }
  }
}

TEST_F(ServeTest, AcceptIsNegotiated) {
  ServedModel served(model_dir("multiclass"));
  const std::string body = csv_body(rows("multiclass"));
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "application/json"},
      {"*/*", "application/json"},
      {"application/json; verbose=True", "application/json"},
      {"text/csv;q=0.5, application/jsonlines", "application/jsonlines"},
      {"application/xml, text/csv;q=0.2", "text/csv"},
  };
  for (const auto& [accept, chosen] : cases) {
    const auto r = served.post(body, "text/csv; charset=utf-8", accept);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << accept;
    EXPECT_EQ(r->body, expected("multiclass", chosen)) << accept;
  }
}

TEST_F(ServeTest, ARecordScoresAloneAsInABatch) {
  ServedModel served(model_dir("binary"));
  const Rows& records = rows("binary");
  std::istringstream lines(expected("binary", "application/jsonlines"));
  for (std::size_t r = 0; r < 5; ++r) {
    std::string line;
    std::getline(lines, line);
    const auto alone = served.post(csv_body({records[r]}), "text/csv", "application/jsonlines");
    ASSERT_TRUE(alone);
    EXPECT_EQ(alone->body, line + "\n") << "record " << r;
  }
}

TEST_F(ServeTest, ServesASageMakerModelArtifact) {
  const std::string dir = std::string(LINLEARN_TEST_DATA_DIR) + "/sagemaker/";
  const std::string model = dir + "romeoorg-attrition-binary/model.tar.gz";
  const std::string input = dir + "teelenzi-attrition-binary/TestData_first5.csv";
  const CliResult predicted = run_linlearn("predict --model " + model + " --input " + input, root_);
  ASSERT_EQ(predicted.exit_code, 0) << predicted.err;
  ServedModel served(model);
  const auto r = served.post(slurp(input), "text/csv", "application/jsonlines");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, predicted.out);
}

TEST_F(ServeTest, BadRequestsGet4xxWithAReasonAndServingGoesOn) {
  std::ostringstream logged;
  auto log = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(logged));
  ServedModel served(model_dir("binary"), {"127.0.0.1", 0, 2}, log);
  const std::string good = csv_body({rows("binary")[0]});
  const auto still_serving = [&] {
    const auto r = served.post(good, "text/csv");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  };
  expect_rejected(served.post("{\"instances\": [", "application/json"), 400, "request:1:16: malformed JSON");
  still_serving();
  expect_rejected(served.post("1,2,3\n", "text/csv"), 400, "request:1:");
  still_serving();
  expect_rejected(served.post("{\"instances\":[{\"features\":[1,2]}]}", "application/json"), 400,
                  "request: instance 0: found 2 features, expected the model's feature_dim 12");
  expect_rejected(served.post("{\"features\":[\"a\"]}\n", "application/jsonlines"), 400,
                  "request:1:1: found a string, expected a number");
  expect_rejected(served.post(good, "text/libsvm"), 415, "Content-Type 'text/libsvm' is not supported");
  expect_rejected(served.post(good, ""), 415, "is not supported");
  expect_rejected(served.post(good, "text/csv", "application/xml"), 406, "Accept 'application/xml'");
  expect_rejected(served.client().Get("/invocations"), 404, "no endpoint GET /invocations");
  still_serving();
  EXPECT_NE(logged.str().find("[warning] POST /invocations: 415"), std::string::npos) << logged.str();
}

// The status line of the answer to `request` sent as it is on a new connection.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size())) {
    char buffer[256];
    const ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got > 0) answer.assign(buffer, static_cast<std::size_t>(got));
  }
  close(fd);
  return answer.substr(0, answer.find("\r\n"));
}

TEST_F(ServeTest, APostWithoutALengthIsAnsweredAtOnce) {
  ServedModel served(model_dir("binary"));
  EXPECT_EQ(raw_exchange(served.port(), "POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n\r\n"),
            "HTTP/1.1 411 Length Required");
  EXPECT_EQ(raw_exchange(served.port(), "POST /nope HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 404 Not Found");
}

TEST_F(ServeTest, ARequestOverTheLimitGets413) {
  ServedModel served(model_dir("binary"), {"127.0.0.1", 0, 2, 1000});
  const std::string big = csv_body(Rows(100, rows("binary")[0]));
  ASSERT_GT(big.size(), 1000u);
  expect_rejected(served.post(big, "text/csv"), 413, "over the limit of 1000 bytes");
  // Without a Content-Length (chunked), the limit holds as the body arrives.
  const auto chunked = served.client().Post(
      "/invocations",
      [&](std::size_t offset, httplib::DataSink& sink) {
        if (offset < big.size()) {
          sink.write(big.data() + offset, std::min<std::size_t>(100, big.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "text/csv");
  expect_rejected(chunked, 413, "over the limit");
  const auto r = served.post(csv_body({rows("binary")[0]}), "text/csv");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(ServeTest, ConcurrentClientsGetTheirOwnAnswers) {
  ServedModel served(model_dir("regressor"), {"127.0.0.1", 0, 3});
  const std::vector<RequestBody> bodies = request_bodies(rows("regressor"));
  for (const std::string& accept : accept_types()) expected("regressor", accept);  // before the threads read them
  std::vector<std::future<int>> clients;
  for (int c = 0; c < 8; ++c) {
    clients.push_back(std::async(std::launch::async, [&, c] {
      httplib::Client client("127.0.0.1", served.port());
      int matched = 0;
      for (int i = 0; i < 20; ++i) {
        const RequestBody& request = bodies[static_cast<std::size_t>(c + i) % bodies.size()];
        const std::string& accept = accept_types()[static_cast<std::size_t>(i) % accept_types().size()];
        const auto r = client.Post("/invocations", {{"Accept", accept}}, request.body, request.content_type.c_str());
        matched += r && r->status == 200 && r->body == expected("regressor", accept);
      }
      return matched;
    }));
  }
  for (auto& client : clients) EXPECT_EQ(client.get(), 20);
}

TEST_F(ServeTest, StopAnswersTheRequestInFlightAndStopsAccepting) {
  ServedModel served(model_dir("binary"));
  const std::string body = csv_body(rows("binary"));
  std::promise<void> half_sent;
  auto request = std::async(
      std::launch::async, [&] { return post_slowly(served.port(), body, half_sent, std::chrono::milliseconds(200)); });
  half_sent.get_future().wait();
  served.server().stop();
  EXPECT_FALSE(served.server().serving());
  const auto answer = request.get();
  ASSERT_TRUE(answer) << httplib::to_string(answer.error());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, expected("binary", "application/json"));
  EXPECT_FALSE(served.client().Get("/ping"));
}

TEST_F(ServeTest, APortInUseIsAUsageError) {
  ServedModel first(model_dir("binary"));
  InferenceServer second(load_model(model_dir("binary")), {"127.0.0.1", first.port(), 1}, quiet_log());
  EXPECT_THROW(second.bind(), UsageError);
}

}  // namespace
}  // namespace linlearn::testing
