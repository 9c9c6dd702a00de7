// The wire against slow and hostile clients: timeouts, size limits, malformed requests,
// connection limits, and the HTTP/1.1 features GitBook's senders and proxies use.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/events/padded_buffer.hpp>
#include <gbrt/net/server.hpp>

#include "example_handlers.hpp"
#include "support/async.hpp"
#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/load.hpp"

namespace {

namespace asio = boost::asio;
using gbrt::test::fixture;
using gbrt::test::HttpClient;
using gbrt::test::wait_for;
using std::chrono::milliseconds;
using std::chrono::seconds;
using namespace std::string_literals;

class Hardened : public ::testing::Test {
 protected:
  void start(gbrt::net::ServerOptions options) {
    gbrt::test::raise_file_limit();
    views_ = gbrt::examples::register_example_handlers(runtime_);
    server_.emplace(runtime_, std::move(options));
    runtime_.start();
    server_->start();
  }
  ~Hardened() override {
    if (server_) server_->stop();
    runtime_.shutdown(seconds(2));
  }
  std::uint16_t port() const { return server_->port(); }

  gbrt::Runtime runtime_{{.threads = 2}};
  std::shared_ptr<gbrt::examples::ViewCounts> views_;
  std::optional<gbrt::net::Server> server_;
};

std::string post(const std::string& target, const std::string& content_type,
                 const std::string& body, const std::string& extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// The header of a JSON event request announcing `length` bytes of body.
std::string announce(std::size_t length) {
  return "POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(length) + "\r\n\r\n";
}

// A connection that has sent `bytes` and reads nothing.
asio::ip::tcp::socket send_only(asio::io_context& io, std::uint16_t port,
                                const std::string& bytes) {
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(bytes));
  return socket;
}

// This process's resident memory.
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * std::size_t(sysconf(_SC_PAGESIZE));
}

// 1,000 clients each sending a header byte a second, beside 2,000 normal events.
TEST_F(Hardened, SlowLorisClientsAreCutOffWhileOthersAreServed) {
  start({.port = 0, .header_timeout = seconds(2)});
  constexpr int kSlow = 1000;
  std::atomic<int> connected{0}, closed{0};
  std::atomic<bool> stop{false};
  std::thread slow_clients([&] {
    asio::io_context io;
    for (int i = 0; i < kSlow; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            asio::ip::tcp::socket socket(ex);
            auto [connect_ec] = co_await socket.async_connect(
                {asio::ip::make_address("127.0.0.1"), port()}, asio::as_tuple(asio::use_awaitable));
            if (connect_ec) co_return;
            ++connected;
            const std::string header = "POST /v1 HTTP/1.1\r\nHost: slow\r\nX-Padding: aaaaaaaaaaaa";
            asio::steady_timer tick(ex);
            for (std::size_t i = 0; !stop; i = (i + 1) % header.size()) {  // one byte a second
              auto [ec, n] = co_await asio::async_write(socket, asio::buffer(&header[i], 1),
                                                        asio::as_tuple(asio::use_awaitable));
              if (ec) break;
              tick.expires_after(seconds(1));
              co_await tick.async_wait(asio::as_tuple(asio::use_awaitable));
              char byte;
              socket.non_blocking(true);
              boost::system::error_code read_ec;
              socket.read_some(asio::buffer(&byte, 1), read_ec);
              if (read_ec && read_ec != asio::error::would_block) break;  // closed by the server
            }
            if (!stop) ++closed;
          },
          asio::detached);
    }
    asio::steady_timer deadline(io, seconds(8));
    deadline.async_wait([&](auto) { stop = true; });
    io.run();
  });
  ASSERT_TRUE(gbrt::test::wait_for([&] { return connected.load() == kSlow; }));
  auto normal = gbrt::test::run_load({.port = port(),
                                      .connections = 8,
                                      .requests_per_connection = 250,
                                      .bodies = {fixture("space_view-1.json")}});
  EXPECT_EQ(normal.count(200), 2000u);
  EXPECT_EQ(normal.errors, 0u);
  slow_clients.join();
  EXPECT_EQ(closed.load(), kSlow);  // every slow connection was closed by the header timeout
}

TEST_F(Hardened, IdleKeepAliveConnectionsAreClosed) {
  start({.port = 0, .idle_timeout = seconds(1)});
  HttpClient client(port());
  EXPECT_EQ(client.get("/healthz").status, 200u);
  EXPECT_TRUE(client.closed_by_server());  // a blocking read: returns once the server closes
}

TEST_F(Hardened, EveryMalformedRequestGets4xxAndTheServerKeepsServing) {
  start({.port = 0, .max_body = 64 * 1024});
  const std::string event = fixture("space_view-1.json");
  const std::string env = fixture("environment.json");
  const std::string b = "XyZ";
  auto part = [&](const std::string& name, const std::string& content) {
    return "--" + b + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
           content + "\r\n";
  };
  const std::string form = part("event", event) + part("environment", env) + "--" + b + "--\r\n";
  const std::string multipart = "multipart/form-data; boundary=" + b;
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"bad request line", "GARBAGE\r\n\r\n"},
      {"method only", "GET\r\n\r\n"},
      {"unknown HTTP version", "GET / HTTP/9.9\r\n\r\n"},
      {"lower-case version", "GET / http/1.1\r\n\r\n"},
      {"control byte in target", std::string("GET /\x01 HTTP/1.1\r\n\r\n")},
      {"header without colon", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n"},
      {"empty header name", "GET / HTTP/1.1\r\n: value\r\n\r\n"},
      {"space in header name", "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"},
      {"NUL in header value", "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s},
      {"conflicting Content-Length",
       "POST /v1 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: "
       "2\r\nContent-Length: 3\r\n\r\n{}"},
      {"negative Content-Length", "POST /v1 HTTP/1.1\r\nContent-Length: -1\r\n\r\n"},
      {"Content-Length not a number", "POST /v1 HTTP/1.1\r\nContent-Length: ten\r\n\r\n"},
      {"Content-Length overflow",
       "POST /v1 HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"},
      {"Content-Length plus chunked",
       "POST /v1 HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
       "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"},
      {"bad chunk size",
       "POST /v1 HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: "
       "chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"},
      {"chunk size overflow",
       "POST /v1 HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
       "ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"},
      {"oversize chunked body",
       "POST /v1 HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: "
       "chunked\r\n\r\n20000\r\n" +
           std::string(0x20000, ' ') + "\r\n0\r\n\r\n"},
      {"oversize body", post("/v1", "application/json", std::string(70000, ' '))},
      {"oversize multipart part",
       post("/v1", multipart, part("event", std::string(70000, 'x')) + "--" + b + "--\r\n")},
      {"header block too large",
       "GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"},
      {"URL too long", "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n\r\n"},
      {"request line too long", "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n"},
      {"truncated multipart", post("/v1", multipart, form.substr(0, form.size() / 2))},
      {"multipart without event",
       post("/v1", multipart, part("environment", env) + "--" + b + "--\r\n")},
      {"multipart without environment",
       post("/v1", multipart, part("event", event) + "--" + b + "--\r\n")},
      {"boundary missing", post("/v1", "multipart/form-data", form)},
      {"empty boundary", post("/v1", "multipart/form-data; boundary=", form)},
      {"wrong boundary", post("/v1", "multipart/form-data; boundary=other", form)},
      {"part not form-data",
       post("/v1", multipart,
            "--" + b + "\r\nContent-Disposition: attachment; name=\"event\"\r\n\r\n{}\r\n--" + b +
                "--\r\n")},
      {"event not JSON", post("/v1", "application/json", "type=space_view")},
      {"event of the wrong shape",
       post("/v1", "application/json", fixture("bad/visitor-wrong-type.bad"))},
      {"empty body", post("/v1", "application/json", "")},
      {"unsupported media type", post("/v1", "text/plain", event)},
      {"unknown method", "BREW /v1 HTTP/1.1\r\n\r\n"},
      {"unknown version path", post("/v7", "application/json", event)},
      {"unknown path", post("/admin", "application/json", event)},
  };
  ASSERT_GE(cases.size(), 30u);
  for (const auto& [name, bytes] : cases) {
    HttpClient client(port());
    try {
      auto res = client.raw(bytes);
      EXPECT_GE(res.status, 400u) << name;
      EXPECT_LT(res.status, 500u) << name;
      EXPECT_TRUE(gbrt::test::is_valid_json(res.body)) << name << ": " << res.body;
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << ": no answer (" << e.what() << ")";
    }
  }
  EXPECT_EQ(HttpClient(port()).post_json("/v1", event).status, 200u);
}

TEST_F(Hardened, LongUrlsAre414AndLargeHeaderBlocksAre431) {
  start({.port = 0});
  EXPECT_EQ(HttpClient(port()).raw("GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n\r\n").status,
            414u);
  EXPECT_EQ(HttpClient(port()).raw("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n").status,
            414u);
  EXPECT_EQ(
      HttpClient(port()).raw("GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n").status,
      431u);
  EXPECT_EQ(HttpClient(port()).get("/healthz?" + std::string(8000, 'q')).status, 200u);
}

TEST_F(Hardened, ChunkedBodiesAndPipelinedRequests) {
  start({.port = 0});
  const std::string event = fixture("space_gitsync_completed-1.json");
  std::string chunked =
      "POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (std::size_t at = 0; at < event.size(); at += 100) {
    std::string piece = event.substr(at, 100);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunked += size + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  HttpClient client(port());
  auto first = client.raw(chunked + post("/", "application/json", fixture("site_view-1.json")) +
                          "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(first.body, "OK");
  auto second = client.read();
  EXPECT_EQ(second.status, 200u);
  EXPECT_EQ(second.body, "OK");
  auto third = client.read();
  EXPECT_EQ(third.body, R"({"status":"ok"})");
}

// Bodies larger than one read are read from the socket straight into their event's buffer
// once it holds them (the buffer of the slot's last, larger, request): no byte of the
// request pipelined behind them may be read into that buffer, and every byte must land in
// place.
TEST_F(Hardened, LargeBodiesReadInPlaceLeaveThePipelinedRequestAfterThem) {
  start({.port = 0});
  auto batch_of = [](int lines) {
    std::string batch;
    for (int i = 0; i < lines; ++i) batch += fixture("space_view-1.json") + "\n";
    return post("/v1/batch", "application/x-ndjson", batch);
  };
  HttpClient client(port());
  auto first = client.raw(batch_of(300) + batch_of(150) + batch_of(120) +
                          "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");  // ~200, 100, 80 KB
  EXPECT_EQ(first.status, 200u);
  EXPECT_EQ(first.body, R"({"accepted":300,"rejected":[]})");
  auto second = client.read();
  EXPECT_EQ(second.body, R"({"accepted":150,"rejected":[]})");
  auto third = client.read();
  EXPECT_EQ(third.body, R"({"accepted":120,"rejected":[]})");
  EXPECT_EQ(client.read().body, R"({"status":"ok"})");
}

TEST_F(Hardened, ConnectionsPastTheLimitGet503AndAreClosed) {
  start({.port = 0, .max_connections = 5});
  std::vector<HttpClient> held;
  for (int i = 0; i < 5; ++i) {
    held.emplace_back(port());
    EXPECT_EQ(held.back().get("/healthz").status, 200u);
  }
  HttpClient extra(port());
  auto refused = extra.get("/healthz");
  EXPECT_EQ(refused.status, 503u);
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_FALSE(refused.keep_alive);
  held.clear();  // closing them makes room again
  EXPECT_TRUE(gbrt::test::wait_for([&] { return HttpClient(port()).get("/healthz").status == 200; },
                                   seconds(20), milliseconds(20)));
}

// Bodies announcing 1 MiB that send one byte hold what they sent (a 1 KiB buffer each),
// not what they announced (2 MiB each before), and the server keeps answering.
TEST_F(Hardened, BodyMemoryFollowsTheBytesReceivedNotTheDeclaredLength) {
  start({.port = 0, .max_body_memory = 1u << 20});
  constexpr std::size_t kConnections = 256;
  const std::size_t resident_before = resident_bytes();
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> held;
  for (std::size_t i = 0; i < kConnections; ++i) {
    held.push_back(send_only(io, port(), announce(1u << 20) + "{"));
  }
  // Every slot is new (nothing was answered yet): each body's first byte takes 1 KiB.
  const std::size_t expected = kConnections * gbrt::events::PaddedBuffer::kMinCapacity;
  EXPECT_TRUE(wait_for([&] { return server_->receiving_body_bytes() == expected; }))
      << server_->receiving_body_bytes();
  EXPECT_EQ(server_->busy_connections(), kConnections);
  EXPECT_LE(server_->receiving_body_bytes(), std::size_t(1u << 20));  // the bound
  const std::size_t resident_after = resident_bytes();
  EXPECT_LT(resident_after, resident_before + (64u << 20))
      << (resident_after - resident_before) / 1024 << " KiB more resident";
  EXPECT_EQ(HttpClient(port()).get("/healthz").status, 200u);
  held.clear();
  EXPECT_TRUE(wait_for([&] { return server_->receiving_body_bytes() == 0; }));
}

// Past --max-body-memory a body is 503 with Retry-After and its connection closes; bodies
// that hold the memory, /healthz, and events once the memory is free go on.
TEST_F(Hardened, BodiesPastTheMemoryBoundAre503AndTheirConnectionCloses) {
  start({.port = 0, .max_body_memory = 1u << 20});
  const std::string event = fixture("space_view-1.json");
  // 300 KiB of a 1 MiB body grows its buffer to 512 KiB: two such bodies reach the bound.
  const std::string partial = announce(1u << 20) + std::string(300 * 1024, ' ');
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> held;
  held.push_back(send_only(io, port(), partial));
  held.push_back(send_only(io, port(), partial));
  ASSERT_TRUE(wait_for([&] { return server_->receiving_body_bytes() == std::size_t(1u << 20); }))
      << server_->receiving_body_bytes();

  HttpClient third(port());
  auto refused = third.raw(partial);
  EXPECT_EQ(refused.status, 503u);
  EXPECT_EQ(refused.header("retry-after"), "1");
  EXPECT_NE(refused.body.find("--max-body-memory"), std::string::npos) << refused.body;
  EXPECT_FALSE(refused.keep_alive);
  EXPECT_TRUE(third.closed_by_server());
  EXPECT_EQ(HttpClient(port()).post_json("/v1", event).status, 503u);  // its 1 KiB is over too
  EXPECT_EQ(HttpClient(port()).get("/healthz").status, 200u);
  EXPECT_EQ(server_->receiving_body_bytes(), std::size_t(1u << 20));

  held.clear();
  ASSERT_TRUE(wait_for([&] { return server_->receiving_body_bytes() == 0; }));
  EXPECT_EQ(HttpClient(port()).post_json("/v1", event).status, 200u);
}

// RFC 9112 §6.3: with a Transfer-Encoding that does not end in chunked the body's length is
// unknown. Read as an empty body, its bytes would be taken as the next request: smuggling.
TEST_F(Hardened, TransferEncodingNotEndingInChunkedIsRefusedAndTheBodyNeverRuns) {
  start({.port = 0});
  const std::string smuggled = post("/v1", "application/json", fixture("site_view-1.json"));
  auto site_views = [&] {
    return gbrt::test::metric_value(HttpClient(port()).get("/metrics").body,
                                    R"(gbrt_events_received_total{type="site_view"})");
  };
  ASSERT_EQ(HttpClient(port()).raw(smuggled).status, 200u);
  ASSERT_EQ(site_views(), 1.0);
  const std::vector<std::pair<std::string, unsigned>> cases = {
      {"Transfer-Encoding: identity\r\n", 400},
      {"Transfer-Encoding: gzip\r\n", 400},
      {"Transfer-Encoding: chunked, identity\r\n", 400},
      {"Transfer-Encoding: chunked, chunked\r\n", 400},
      {"Transfer-Encoding: identity\r\nContent-Length: 0\r\n", 400},
      {"Transfer-Encoding: gzip, chunked\r\n", 501},
      {"Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n", 501},
  };
  for (const auto& [fields, status] : cases) {
    HttpClient client(port());
    auto res = client.raw("POST /v1 HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
                          fields + "\r\n" + smuggled);
    EXPECT_EQ(res.status, status) << fields;
    EXPECT_TRUE(gbrt::test::is_valid_json(res.body)) << fields << res.body;
    EXPECT_FALSE(res.keep_alive) << fields;
    EXPECT_TRUE(client.closed_by_server()) << fields;  // nothing answered the smuggled request
  }
  EXPECT_EQ(site_views(), 1.0);
}

// RFC 9112 §3.2.2: a server accepts a target in absolute form, as a proxy sends it.
TEST_F(Hardened, AbsoluteFormTargetsAreRoutedLikeOriginForm) {
  start({.port = 0});
  const std::string event = fixture("space_view-1.json");
  HttpClient client(port());
  EXPECT_EQ(client.post_json("http://t/v1", event).status, 200u);
  EXPECT_EQ(client.post_json("HTTPS://t:8080/v1?x=1", event).status, 200u);
  EXPECT_EQ(client.post_json("http://t", event).status, 200u);  // an empty path is "/"
  EXPECT_EQ(client.get("http://t/healthz").status, 200u);
  EXPECT_EQ(client.get("http://t/nowhere").status, 404u);
}

}  // namespace
