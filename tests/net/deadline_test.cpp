// Connection timeouts come from the shard's coarse sweep (net/src/deadline.hpp): a phase's
// timeout cuts the connection off no earlier than its length, and within a few sweep ticks.
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace {

namespace asio = boost::asio;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

class Deadline : public ::testing::Test {
 protected:
  void start(gbrt::net::ServerOptions options) {
    server_.emplace(runtime_, std::move(options));
    runtime_.start();
    server_->start();
  }
  ~Deadline() override {
    if (server_) server_->stop();
    runtime_.shutdown(seconds(1));
  }

  // Connects, writes `bytes`, and reads until the server closes: the time that took (a
  // 10 s receive timeout bounds it) and what the server sent.
  std::pair<Clock::duration, std::string> time_until_closed(const std::string& bytes) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    const timeval ten_seconds{10, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &ten_seconds, sizeof ten_seconds);
    const auto sent = Clock::now();
    asio::write(socket, asio::buffer(bytes));
    std::string answer;
    boost::system::error_code ec;
    asio::read(socket, asio::dynamic_buffer(answer), ec);  // to EOF, a reset or the timeout
    return {Clock::now() - sent, answer};
  }

  gbrt::Runtime runtime_{{.threads = 1}};
  std::optional<gbrt::net::Server> server_;
};

TEST_F(Deadline, ABodyThatStallsIsCutOffAfterTheBodyTimeoutWithoutAnAnswer) {
  start({.port = 0, .body_timeout = seconds(1)});
  auto [took, answer] = time_until_closed(
      "POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"type\":");
  EXPECT_GE(took, seconds(1));
  EXPECT_LT(took, seconds(4));  // the timeout plus a few 250 ms ticks, with room for a busy CI
  EXPECT_EQ(answer, "");        // too slow to answer at all, as before the sweep
}

TEST_F(Deadline, AHeaderThatStallsIsCutOffAfterTheHeaderTimeout) {
  start({.port = 0, .header_timeout = seconds(1)});
  auto [took, answer] = time_until_closed("POST /v1 HTTP/1.1\r\nHost: t\r\n");
  EXPECT_GE(took, seconds(1));
  EXPECT_LT(took, seconds(4));
  EXPECT_EQ(answer, "");
}

TEST_F(Deadline, AnIdleConnectionIsClosedAfterTheIdleTimeout) {
  start({.port = 0, .idle_timeout = seconds(1)});
  auto [took, answer] = time_until_closed("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_GE(took, seconds(1));
  EXPECT_LT(took, seconds(4));
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;  // answered, then idle
}

}  // namespace
