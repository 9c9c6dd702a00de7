// gbrt-soak: the long-run check (bench/soak drives it; not in CI).
//   gbrt-soak serve             gbrt-server's example handlers plus a `soak_fault` handler
//                               that always throws (the injected failures); prints its port,
//                               the final stats line at SIGTERM.
//   gbrt-soak drive PORT SECONDS [RATE]
//                               mixed traffic: valid events of every type in both formats,
//                               5 % bad input, slow clients, disconnects, 1 % soak_fault.
//                               RATE 0: closed loop (as fast as answered) to measure the
//                               maximum; else open loop at RATE requests/s. Prints one JSON
//                               line with the counts.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/runtime/read_file.hpp>

#include "example_handlers.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

using gbrt::runtime::read_file;

int serve() {
  gbrt::Runtime runtime({.threads = 1});
  auto views = gbrt::examples::register_example_handlers(runtime);
  runtime.on("soak_fault",
             [](const gbrt::events::GenericEvent&, gbrt::Context&) -> asio::awaitable<void> {
               throw std::runtime_error("injected failure");
               co_return;
             });
  asio::io_context signals_io;
  asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  gbrt::net::Server server(runtime, {.port = 0});
  runtime.start();
  server.start();
  std::cout << "listening on 127.0.0.1:" << server.port() << std::endl;
  signals.async_wait([&](auto, int) { server.stop(); });
  signals_io.run();
  runtime.drain(std::chrono::seconds(20), [&] { return server.busy_connections() == 0; });
  runtime.stop();
  std::cerr << "{\"event\":\"stopped\",\"stats\":" << runtime.stats_json() << "}" << std::endl;
  return 0;
}

// One request of the mix, and what its answer should be.
struct Request {
  std::string bytes;
  enum Kind { valid, bad, fault, slow, disconnect } kind;
};

class Mix {
 public:
  explicit Mix(const std::filesystem::path& fixtures) {
    std::string environment = read_file(fixtures / "environment.json");
    for (const auto& entry : std::filesystem::directory_iterator(fixtures)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".json" || name == "environment.json") continue;
      if (name.rfind("ui_render", 0) == 0 && name != "ui_render-3.json") continue;  // 404s
      std::string event = read_file(entry.path());
      valid_.push_back(post("application/json", event));
      const std::string boundary = "soakBoundary";
      std::string form =
          "--" + boundary + "\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n" + event +
          "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"environment\"\r\n\r\n" +
          environment + "\r\n--" + boundary + "--\r\n";
      valid_.push_back(post("multipart/form-data; boundary=" + boundary, form));
    }
    for (const auto& entry : std::filesystem::directory_iterator(fixtures / "bad")) {
      bad_.push_back(post("application/json", read_file(entry.path())));
    }
    bad_.push_back("POST /v1 HTTP/1.1\r\nHost: s\r\nContent-Length: x\r\n\r\n");
    bad_.push_back(post("text/plain", "hello"));
    fault_ =
        post("application/json", R"({"type":"soak_fault","eventId":"f","installationId":"i"})");
  }

  Request next(std::mt19937& rng) {
    const unsigned roll = rng() % 100;
    if (roll < 5) return {bad_[rng() % bad_.size()], Request::bad};
    if (roll < 6) return {fault_, Request::fault};
    const std::string& event = valid_[rng() % valid_.size()];
    if (roll < 8) return {event, Request::slow};
    if (roll < 10) return {event, Request::disconnect};
    return {event, Request::valid};
  }

 private:
  static std::string post(const std::string& content_type, const std::string& body) {
    return "POST /v1 HTTP/1.1\r\nHost: soak\r\nContent-Type: " + content_type +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  std::vector<std::string> valid_, bad_;
  std::string fault_;
};

struct Counts {
  std::map<std::string, std::uint64_t> by_kind_and_class;  // "valid 2xx", "fault 5xx", ...
  std::uint64_t sent = 0, errors = 0, unexpected_5xx = 0;
};

asio::awaitable<void> connection(tcp::endpoint endpoint, Mix& mix, std::uint32_t seed,
                                 Clock::time_point end, double interval_s, Counts& counts) {
  constexpr auto token = asio::as_tuple(asio::use_awaitable);
  auto ex = co_await asio::this_coro::executor;
  std::mt19937 rng(seed);
  asio::steady_timer pace(ex);
  auto next_send = Clock::now();
  while (Clock::now() < end) {
    beast::tcp_stream stream(ex);
    auto [connect_ec] = co_await stream.async_connect(endpoint, token);
    if (connect_ec) {
      ++counts.errors;
      pace.expires_after(std::chrono::milliseconds(100));
      co_await pace.async_wait(token);
      continue;
    }
    beast::flat_buffer buffer;
    while (Clock::now() < end) {
      if (interval_s > 0) {
        next_send +=
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s));
        pace.expires_at(next_send);
        co_await pace.async_wait(token);
      }
      Request request = mix.next(rng);
      ++counts.sent;
      boost::system::error_code ec;
      if (request.kind == Request::slow) {  // the header a few bytes at a time
        std::size_t split = std::min<std::size_t>(request.bytes.size(), 40);
        for (std::size_t i = 0; i < split && !ec; i += 8) {
          std::tie(ec, std::ignore) = co_await asio::async_write(
              stream, asio::buffer(request.bytes.data() + i, std::min<std::size_t>(8, split - i)),
              token);
          pace.expires_after(std::chrono::milliseconds(20));
          co_await pace.async_wait(token);
        }
        if (!ec) {
          std::tie(ec, std::ignore) = co_await asio::async_write(
              stream, asio::buffer(request.bytes.data() + split, request.bytes.size() - split),
              token);
        }
      } else {
        std::tie(ec, std::ignore) =
            co_await asio::async_write(stream, asio::buffer(request.bytes), token);
      }
      if (request.kind == Request::disconnect) {
        ++counts.by_kind_and_class["disconnect sent"];
        break;  // closes without reading the answer
      }
      http::response<http::string_body> response;
      if (!ec)
        std::tie(ec, std::ignore) = co_await http::async_read(stream, buffer, response, token);
      if (ec) {
        ++counts.errors;
        break;
      }
      static const char* kinds[] = {"valid", "bad", "fault", "slow", "disconnect"};
      unsigned status = response.result_int();
      ++counts.by_kind_and_class[std::string(kinds[request.kind]) + " " +
                                 std::to_string(status / 100) + "xx"];
      if (status >= 500 && request.kind != Request::fault) ++counts.unexpected_5xx;
      if (!response.keep_alive()) break;
    }
  }
}

int drive(std::uint16_t port, double seconds, double rate, const std::filesystem::path& fixtures) {
  Mix mix(fixtures);
  Counts counts;
  asio::io_context io(1);
  const std::size_t connections = 32;
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const double interval = rate > 0 ? double(connections) / rate : 0;
  for (std::size_t c = 0; c < connections; ++c) {
    asio::co_spawn(io,
                   connection(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), mix,
                              std::uint32_t(1234 + c), end, interval, counts),
                   asio::detached);
  }
  io.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "{\"sent\":" << counts.sent << ",\"rate\":" << double(counts.sent) / elapsed
            << ",\"errors\":" << counts.errors << ",\"unexpected_5xx\":" << counts.unexpected_5xx;
  for (const auto& [key, n] : counts.by_kind_and_class) std::cout << ",\"" << key << "\":" << n;
  std::cout << "}" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "serve") return serve();
  if (mode == "drive" && argc >= 4) {
    return drive(static_cast<std::uint16_t>(std::stoi(argv[2])), std::stod(argv[3]),
                 argc > 4 ? std::stod(argv[4]) : 0, GBRT_FIXTURES_DIR);
  }
  std::cerr << "usage: gbrt-soak serve | gbrt-soak drive PORT SECONDS [RATE]\n";
  return 2;
}
