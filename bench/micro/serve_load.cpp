// Load generator for `linlearn serve`: N clients (threads, each with its own httplib client) post
// one body to /invocations until the requests are spent, then print the latency percentiles and
// the throughput. Usage:
//   linlearn_serve_load --port P [--host 127.0.0.1] [--requests 2000] [--clients 8]
//                       [--body FILE] [--content-type text/csv] [--accept application/json] [--keep-alive]
// Without --body, one CSV row of 12 features (the churn sample's width) is sent.
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8080;
  int requests = 2000;
  int clients = 8;
  std::string body = "0.5,1,0,3.25,120,0,1,0,2,45.5,0,1\n";
  std::string content_type = "text/csv";
  std::string accept = "application/json";
  bool keep_alive = false;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const bool has_value = i + 1 < argc;
    if (flag == "--keep-alive") {
      o.keep_alive = true;
    } else if (has_value && flag == "--host") {
      o.host = argv[++i];
    } else if (has_value && flag == "--port") {
      o.port = std::stoi(argv[++i]);
    } else if (has_value && flag == "--requests") {
      o.requests = std::stoi(argv[++i]);
    } else if (has_value && flag == "--clients") {
      o.clients = std::stoi(argv[++i]);
    } else if (has_value && flag == "--body") {
      std::ifstream in(argv[++i], std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      o.body = text.str();
    } else if (has_value && flag == "--content-type") {
      o.content_type = argv[++i];
    } else if (has_value && flag == "--accept") {
      o.accept = argv[++i];
    } else {
      std::fprintf(stderr, "serve_load: unknown option %s\n", flag.c_str());
      return false;
    }
  }
  return o.requests > 0 && o.clients > 0;
}

struct Outcome {
  std::vector<double> latencies_ms;
  std::map<int, int> statuses;  // -1: no answer
};

// One client's share of the requests, each timed from send to the last byte of the answer.
void run_client(const Options& o, std::atomic<int>& left, Outcome& out) {
  httplib::Client client(o.host, o.port);
  client.set_keep_alive(o.keep_alive);
  // As curl and Python's clients behave: httplib writes headers and body apart, and with Nagle's
  // algorithm the body would wait for the server's delayed ACK of the headers.
  client.set_tcp_nodelay(true);
  const httplib::Headers headers{{"Accept", o.accept}};
  while (left.fetch_sub(1) > 0) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = client.Post("/invocations", headers, o.body, o.content_type);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    out.latencies_ms.push_back(took.count());
    ++out.statuses[r ? r->status : -1];
  }
}

// " 200x1999" for a status and how many times it came (-1: no answer).
std::string fmt_status(int status, int count) {
  char text[32];
  std::snprintf(text, sizeof text, " %dx%d", status, count);
  return text;
}

double percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  std::atomic<int> left{o.requests};
  std::vector<Outcome> outcomes(static_cast<std::size_t>(o.clients));
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (auto& outcome : outcomes) clients.emplace_back([&] { run_client(o, left, outcome); });
  for (auto& client : clients) client.join();
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - start;

  std::vector<double> latencies;
  std::map<int, int> statuses;
  for (const auto& outcome : outcomes) {
    latencies.insert(latencies.end(), outcome.latencies_ms.begin(), outcome.latencies_ms.end());
    for (const auto& [status, count] : outcome.statuses) statuses[status] += count;
  }
  std::sort(latencies.begin(), latencies.end());
  std::string status_text;
  for (const auto& [status, count] : statuses) status_text += fmt_status(status, count);
  std::printf(
      "requests %zu clients %d keep-alive %s: %.0f requests/s (%.3f s); latency ms p50 %.3f p90 %.3f p99 %.3f max "
      "%.3f; status%s\n",
      latencies.size(), o.clients, o.keep_alive ? "on" : "off", static_cast<double>(latencies.size()) / wall.count(),
      wall.count(), percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99), latencies.back(),
      status_text.c_str());
  return statuses.size() == 1 && statuses.count(200) == 1 ? 0 : 1;
}
