#pragma once
// A request that is surely in flight at the server for a while, for the tests of stopping. Include
// it after every other header (see serve/server.h).
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <httplib.h>

namespace linlearn::testing {

// Posts `body` as text/csv on a connection the server has already accepted (a GET /ping on it
// first): half of it, then `half_sent` is told, then the rest after `pause`.
inline httplib::Result post_slowly(int port, const std::string& body, std::promise<void>& half_sent,
                                   std::chrono::milliseconds pause) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  auto ping = client.Get("/ping");
  if (!ping) {
    half_sent.set_value();
    return ping;
  }
  return client.Post(
      "/invocations", body.size(),
      [&](std::size_t offset, std::size_t, httplib::DataSink& sink) {
        const std::size_t half = body.size() / 2;
        if (offset == half) {
          half_sent.set_value();
          std::this_thread::sleep_for(pause);
        }
        const std::size_t end = offset < half ? half : body.size();
        sink.write(body.data() + offset, end - offset);
        return true;
      },
      "text/csv");
}

}  // namespace linlearn::testing
