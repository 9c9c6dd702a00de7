// HTTPS: gbrt-server with a self-signed certificate made by the test, spoken to by curl and
// by an OpenSSL client (Asio's ssl::stream) for what curl cannot do.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/net/server.hpp>

#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/server_process.hpp"

namespace {

namespace fs = std::filesystem;

// Runs a shell command; returns {exit status, stdout}.
std::pair<int, std::string> shell(const std::string& command) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  char chunk[512];
  while (std::size_t n = fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gbrt-tls-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto [status, out] = shell(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
        (dir_ / "key.pem").string() + " -out " + (dir_ / "cert.pem").string() + " 2>&1");
    ASSERT_EQ(status, 0) << out;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string curl(std::uint16_t port, const std::string& extra) {
    return "curl -s -o - -w ' %{http_code}' --max-time 5 --cacert " + (dir_ / "cert.pem").string() +
           " -H 'Content-Type: application/json' --data-binary @" +
           (gbrt::test::fixtures_dir() / "space_view-1.json").string() + " " + extra +
           " https://127.0.0.1:" + std::to_string(port) + "/v1";
  }
  fs::path dir_;
};

TEST_F(Tls, ServesHttpsWithTls12OrNewerOnly) {
  gbrt::test::ServerProcess server(
      {"--tls-cert", (dir_ / "cert.pem").string(), "--tls-key", (dir_ / "key.pem").string()});
  auto [ok_status, ok] = shell(curl(server.port(), ""));
  EXPECT_EQ(ok_status, 0);
  EXPECT_EQ(ok, "OK 200");
  auto [tls12_status, tls12] = shell(curl(server.port(), "--tlsv1.2 --tls-max 1.2"));
  EXPECT_EQ(tls12, "OK 200");
  auto [old_status, old] = shell(curl(server.port(), "--tlsv1.1 --tls-max 1.1"));
  EXPECT_NE(old_status, 0) << "TLS 1.1 must be refused: " << old;
  // Plain HTTP on the HTTPS port gets no answer; the server goes on serving.
  auto [plain_status, plain] =
      shell("curl -s --max-time 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
            std::to_string(server.port()) + "/healthz");
  EXPECT_NE(plain, "200");
  EXPECT_EQ(std::get<1>(shell(curl(server.port(), ""))), "OK 200");
}

namespace asio = boost::asio;
using asio::ip::tcp;

std::size_t occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A blocking TLS client to 127.0.0.1:port (the certificate is not checked).
struct TlsClient {
  explicit TlsClient(std::uint16_t port) {
    context.set_verify_mode(asio::ssl::verify_none);
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    const timeval limit{.tv_sec = 10, .tv_usec = 0};  // a failure, not a hang, if no answer
    ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit,
                 sizeof limit);
    stream.handshake(asio::ssl::stream_base::client);
  }
  // Reads until `count` answers' status lines have come (answers end with their body, "OK").
  std::string read_answers(std::size_t count) {
    std::string got;
    char chunk[4096];
    boost::system::error_code ec;
    while (!ec) {
      if (occurrences(got, "HTTP/1.1 ") == count && got.ends_with("OK")) break;
      got.append(chunk, stream.read_some(asio::buffer(chunk), ec));
    }
    return got;
  }
  asio::io_context io;
  asio::ssl::context context{asio::ssl::context::tls_client};
  asio::ssl::stream<tcp::socket> stream{io, context};
};

std::string post(const std::string& body) {
  return "POST /v1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Two requests in one TLS write: OpenSSL reads both records at once (read-ahead), and the
// second must be answered although the socket has nothing more to read.
TEST_F(Tls, PipelinedRequestsInOneWriteAreAllAnswered) {
  gbrt::test::ServerProcess server(
      {"--tls-cert", (dir_ / "cert.pem").string(), "--tls-key", (dir_ / "key.pem").string()});
  const std::string event = gbrt::test::fixture("space_view-1.json");
  TlsClient client(server.port());
  asio::write(client.stream, asio::buffer(post(event) + post(event) + post(event)));
  const std::string answers = client.read_answers(3);
  EXPECT_EQ(occurrences(answers, "HTTP/1.1 200 OK"), 3u) << answers;
}

// A client that connects and never finishes the handshake is a slow loris too: cut off
// after the header timeout, while others are served.
TEST_F(Tls, AStalledHandshakeIsCutOffAfterTheHeaderTimeout) {
  gbrt::test::ServerProcess server({"--tls-cert", (dir_ / "cert.pem").string(), "--tls-key",
                                    (dir_ / "key.pem").string(), "--header-timeout", "1"});
  asio::io_context io;
  tcp::socket stalled(io);
  stalled.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  asio::write(stalled, asio::buffer(std::string_view("\x16\x03\x01")));  // a record's start
  EXPECT_EQ(std::get<1>(shell(curl(server.port(), ""))), "OK 200");
  const auto started = std::chrono::steady_clock::now();
  const timeval limit{.tv_sec = 10, .tv_usec = 0};  // a failure, not a hang, if never cut off
  ::setsockopt(stalled.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  char byte;
  boost::system::error_code ec;
  stalled.read_some(asio::buffer(&byte, 1), ec);  // returns when the server closes
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

// A polite TLS client sends close_notify (and its FIN, or waits for ours first): the handlers
// of its event are cancelled as for a plain HTTP client that closes.
TEST_F(Tls, AClientThatClosesWithCloseNotifyCancelsTheHandlers) {
  gbrt::Runtime runtime({.threads = 1});
  std::atomic<bool> cancelled{false};
  runtime.on<gbrt::events::SpaceView>(
      [&](const gbrt::events::SpaceView&, gbrt::Context& c) -> asio::awaitable<void> {
        try {
          co_await gbrt::test::sleep_for(c.executor(), std::chrono::seconds(10));
        } catch (const boost::system::system_error& e) {
          cancelled = e.code() == asio::error::operation_aborted;
          throw;
        }
      });
  gbrt::net::Server server(runtime, {.port = 0,
                                     .tls_cert_file = (dir_ / "cert.pem").string(),
                                     .tls_key_file = (dir_ / "key.pem").string()});
  runtime.start();
  server.start();
  {
    TlsClient client(server.port());
    asio::write(client.stream, asio::buffer(post(gbrt::test::fixture("space_view-2.json"))));
    ASSERT_TRUE(gbrt::test::wait_for([&] { return runtime.in_flight() == 1; }));
    // close_notify, no FIN: then the client waits for the server's close_notify, which
    // comes once the handlers are cancelled and the connection ends.
    bool closed = false;
    client.stream.async_shutdown([&](boost::system::error_code) { closed = true; });
    client.io.run_for(std::chrono::seconds(3));
    EXPECT_TRUE(closed) << "no close_notify from the server";
  }
  EXPECT_TRUE(gbrt::test::wait_for([&] { return cancelled.load(); }, std::chrono::seconds(2)));
  EXPECT_TRUE(
      gbrt::test::wait_for([&] { return runtime.in_flight() == 0; }, std::chrono::seconds(2)));
  server.stop();
  runtime.shutdown(std::chrono::seconds(1));
}

// Many one-byte records (a request trickled as TLS records) are read together, correctly.
TEST_F(Tls, ARequestInOneByteRecordsIsAnswered) {
  gbrt::test::ServerProcess server(
      {"--tls-cert", (dir_ / "cert.pem").string(), "--tls-key", (dir_ / "key.pem").string()});
  const std::string request = post(gbrt::test::fixture("space_view-1.json"));
  TlsClient client(server.port());
  for (char byte : request) asio::write(client.stream, asio::buffer(&byte, 1));  // a record each
  EXPECT_NE(client.read_answers(1).find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST_F(Tls, ABadCertificateIsAClearErrorAtStart) {
  auto [status, output] = gbrt::test::run_server_command(
      {"--listen", "127.0.0.1:0", "--tls-cert", (dir_ / "none.pem").string()});
  EXPECT_EQ(status, 2);
  // Caught by the configuration check, with the option and the system's reason.
  EXPECT_NE(output.find("--tls-cert: cannot read " + (dir_ / "none.pem").string() +
                        ": No such file or directory"),
            std::string::npos)
      << output;
}

}  // namespace
