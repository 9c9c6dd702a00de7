// Once warm, the server allocates nothing on the heap per event: a counting malloc,
// switched on only for the shard's thread, watches a real HTTP server over
// loopback while a client (on another, uncounted thread) sends single events and batches.
//
// GBRT_ALLOC_TRACE=1 prints a backtrace of the first 200 counted allocations (to find
// them); GBRT_ALLOC_TRACE=N > 1, of the first N.
#include <dlfcn.h>
#include <execinfo.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <gbrt/net/server.hpp>
#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"
#include "support/load.hpp"

namespace {

thread_local bool counted_thread = false;  // allocations on this thread are counted
thread_local bool in_trace = false;
std::atomic<bool> counting{false};
std::atomic<long> allocations{0};
std::atomic<long> oversized_blocks{0};
std::atomic<int> traces_left{0};

// Asio's recycling allocator asks aligned_alloc for chunks × 4 + 1 bytes rounded up to 16, and
// keeps a freed block for reuse only up to 255 chunks: 1,024 bytes asked at most.
constexpr std::size_t kLargestRecycledBlock = 1024;

void note_allocation(std::size_t size) {
  if (!counted_thread || !counting.load(std::memory_order_relaxed) || in_trace) return;
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (traces_left.load(std::memory_order_relaxed) > 0 && traces_left.fetch_sub(1) > 0) {
    in_trace = true;
    void* frames[32];
    int n = backtrace(frames, 32);
    // "object offset" per frame, for addr2line -Cfi -e object offset.
    std::fprintf(stderr, "--- allocation on the shard thread: %zu bytes\n", size);
    for (int i = 1; i < n; ++i) {
      Dl_info info{};
      if (dladdr(frames[i], &info) != 0 && info.dli_fname != nullptr) {
        std::fprintf(
            stderr, "  %s 0x%zx\n", info.dli_fname,
            std::size_t(static_cast<char*>(frames[i]) - static_cast<char*>(info.dli_fbase)));
      }
    }
    in_trace = false;
  }
}

}  // namespace

// The malloc family itself is replaced (glibc's own versions do the work), so allocations
// through operator new, OpenSSL, simdjson and the C library are all counted.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t size) {
  note_allocation(size);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) {
  note_allocation(n * size);
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t size) {
  note_allocation(size);
  return __libc_realloc(p, size);
}
void* aligned_alloc(std::size_t align, std::size_t size) {
  note_allocation(size);
  if (size > kLargestRecycledBlock && counted_thread && counting.load(std::memory_order_relaxed)) {
    oversized_blocks.fetch_add(1, std::memory_order_relaxed);
  }
  return __libc_memalign(align, size);
}
void* memalign(std::size_t align, std::size_t size) {
  note_allocation(size);
  return __libc_memalign(align, size);
}
int posix_memalign(void** out, std::size_t align, std::size_t size) {
  note_allocation(size);
  *out = __libc_memalign(align, size);
  return *out == nullptr ? ENOMEM : 0;
}
}

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;
using gbrt::test::fixture;
using gbrt::test::HttpClient;

class NoAllocation : public ::testing::Test {
 protected:
  NoAllocation() {
    runtime_.on<ev::SpaceView>(
        [](const ev::SpaceView&, gbrt::Context&) -> asio::awaitable<void> { co_return; });
    runtime_.on<ev::SiteView>(
        [](const ev::SiteView&, gbrt::Context&) -> asio::awaitable<void> { co_return; });
    runtime_.start();
    server_.start();
    // Count on the shard's thread only: the test's client allocates as it likes.
    std::promise<void> marked;
    asio::post(runtime_.shard(0).executor(), [&] {
      counted_thread = true;
      marked.set_value();
    });
    marked.get_future().wait();
    if (const char* trace = std::getenv("GBRT_ALLOC_TRACE"); trace && std::atoi(trace) > 0) {
      traces_left = std::atoi(trace) == 1 ? 200 : std::atoi(trace);
    }
  }
  ~NoAllocation() override {
    counting = false;
    server_.stop();
    runtime_.shutdown(std::chrono::seconds(1));
  }

  // Allocations on the shard while `send` runs `rounds` times, after `warm` untimed rounds.
  template <class Send>
  long allocations_during(int warm, int rounds, Send send) {
    for (int i = 0; i < warm; ++i) send();
    allocations = 0;
    oversized_blocks = 0;
    counting = true;
    for (int i = 0; i < rounds; ++i) send();
    counting = false;
    return allocations.load();
  }

  static constexpr const char* kSecret = "alloc-test-secret";
  gbrt::Runtime runtime_{gbrt::runtime::RuntimeOptions{.threads = 1}};
  gbrt::net::Server server_{runtime_, gbrt::net::ServerOptions{.port = 0, .secrets = {kSecret}}};
};

TEST_F(NoAllocation, SingleEventsOnceWarm) {
  HttpClient client(server_.port());
  const std::string body = fixture("space_view-1.json");
  std::map<std::string, std::string> headers;
  auto send = [&] {
    // A fresh signature each time, as GitBook sends (the timestamp changes each second).
    headers["X-GitBook-Signature"] = gbrt::net::sign_webhook(kSecret, std::time(nullptr), body);
    ASSERT_EQ(client.post_json("/v1", body, headers).status, 200u);
  };
  // Warm more than one event slot: the answer can reach the client (and its next request
  // the server) before the runtime has handed the last slot back, and the pool then lends
  // another, whose body buffer is new. (Unsigned: the 401s read their bodies into slots too.)
  gbrt::test::run_load(
      {.port = server_.port(), .connections = 4, .requests_per_connection = 50, .bodies = {body}});
  const int rounds = 2000;
  long n = allocations_during(2000, rounds, send);
  EXPECT_EQ(n, 0) << n << " allocations on the shard for " << rounds << " events ("
                  << double(n) / rounds << " per event); GBRT_ALLOC_TRACE=1 shows where";
}

TEST_F(NoAllocation, BatchesOnceWarm) {
  HttpClient client(server_.port());
  std::string batch;
  for (int i = 0; i < 100; ++i) {
    batch += fixture(i % 2 ? "space_view-2.json" : "site_view-1.json");
    if (batch.back() != '\n') batch += '\n';
  }
  std::map<std::string, std::string> headers;
  auto send = [&] {
    headers["X-GitBook-Signature"] = gbrt::net::sign_webhook(kSecret, std::time(nullptr), batch);
    auto res = client.request("POST", "/v1/batch", batch, "application/x-ndjson", headers);
    ASSERT_EQ(res.status, 200u) << res.body;
  };
  const int rounds = 200;
  long n = allocations_during(200, rounds, send);
  // Per batch request, not per event: its 65 KB body is larger than what the slot pool
  // keeps (64 KiB), so its buffer grows again by doubling from 1 KiB as the bytes arrive
  // (7 steps at most; never ahead of them), and the answer's text ({"accepted":100,...}).
  EXPECT_LE(n, 8 * rounds) << n << " allocations on the shard for " << rounds << " batches of "
                           << "100 events; GBRT_ALLOC_TRACE=1 shows where";
}

// GitBook's sender does not promise keep-alive: a new connection per event costs only the
// connection's own blocks. The connection's coroutine frames (run_session's, serve()'s)
// come from Asio's recycling cache like the event's: a frame over the cache's limit would
// be allocated per connection, and its allocation would free a cached block that one of
// the event's frames then misses.
TEST_F(NoAllocation, NewConnectionPerEventAllocatesOnlyTheConnection) {
  const std::string body = fixture("space_view-1.json");
  asio::io_context io;  // the client's: blocking calls only
  auto send = [&] {
    asio::ip::tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), server_.port()});
    asio::write(socket, asio::buffer("POST /v1 HTTP/1.1\r\nHost: alloc\r\nConnection: close\r\n"
                                     "Content-Type: application/json\r\nX-GitBook-Signature: " +
                                     gbrt::net::sign_webhook(kSecret, std::time(nullptr), body) +
                                     "\r\nContent-Length: " + std::to_string(body.size()) +
                                     "\r\n\r\n" + body));
    asio::streambuf answer;
    boost::system::error_code ec;
    asio::read(socket, answer, ec);  // to the server's close
    const std::string text(asio::buffers_begin(answer.data()), asio::buffers_end(answer.data()));
    ASSERT_EQ(text.rfind("HTTP/1.1 200", 0), 0u) << text;
  };
  const int connections = 500;
  long n = allocations_during(500, connections, send);
  // Per connection, the fixed set: the Connection (make_shared; its socket, request parser,
  // answer and response writer inside) and its read buffer's memory (the first read's).
  constexpr long kPerConnection = 2;
  EXPECT_LE(n, kPerConnection * connections)
      << n << " allocations on the shard for " << connections << " connections of one event ("
      << double(n) / connections << " per connection); GBRT_ALLOC_TRACE=1 shows where";
  EXPECT_EQ(oversized_blocks.load(), 0)
      << "blocks over Asio's recycling limit (" << kLargestRecycledBlock << " bytes) for "
      << connections << " connections: a coroutine frame too large to recycle";
}

// Many keep-alive connections on the shard, all with a request in flight at once, a round
// at a time: per-connection work must not spill out of Asio's recycling caches.
class ManyConnections : public NoAllocation {
 protected:
  static constexpr int kConnections = 1024;

  ManyConnections() {
    gbrt::test::raise_file_limit();
    for (int i = 0; i < kConnections; ++i) {
      sockets_.emplace_back(io_).connect({asio::ip::make_address("127.0.0.1"), server_.port()});
    }
  }

  // Writes `request` on every connection, then reads every answer; each must be a 200.
  void round(const std::string& request) {
    for (auto& socket : sockets_) asio::write(socket, asio::buffer(request));
    for (auto& socket : sockets_) {
      asio::streambuf answer;
      const std::size_t header_end = asio::read_until(socket, answer, "\r\n\r\n");
      const std::string header(asio::buffers_begin(answer.data()),
                               asio::buffers_begin(answer.data()) + header_end);
      ASSERT_EQ(header.rfind("HTTP/1.1 200", 0), 0u) << header;
      const auto length_at = header.find("Content-Length: ");
      ASSERT_NE(length_at, std::string::npos) << header;
      const std::size_t length = std::stoul(header.substr(length_at + 16));
      if (answer.size() - header_end < length) {
        asio::read(socket, answer, asio::transfer_exactly(length - (answer.size() - header_end)));
      }
    }
  }

  asio::io_context io_;  // the client's: blocking calls only
  std::vector<asio::ip::tcp::socket> sockets_;
};

// The connection's own path: read, parse, route, answer, write, the timeout sweep.
TEST_F(ManyConnections, ThousandKeepAliveConnectionsCostNoAllocation) {
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: alloc\r\n\r\n";
  const int rounds = 20;
  long n = allocations_during(5, rounds, [&] { round(request); });
  EXPECT_EQ(n, 0) << n << " allocations on the shard for " << rounds * kConnections
                  << " requests on " << kConnections
                  << " connections; GBRT_ALLOC_TRACE=1 shows where";
}

// Events too: an event's coroutine frames (route, execute, its run thread, the handler's)
// come from Asio's per-thread recycling cache and go back to it within the event. The
// connection holds no frame while it waits for a request, so 1,024 idle connections park
// none of the cache's blocks (with use_awaitable's frame per read they did, and an event's
// largest frame missed the cache up to once in 130 events).
TEST_F(ManyConnections, ThousandKeepAliveConnectionsSendingEventsCostNoAllocation) {
  const std::string body = fixture("space_view-1.json");
  auto send = [&] {
    round(
        "POST /v1 HTTP/1.1\r\nHost: alloc\r\nContent-Type: application/json\r\n"
        "X-GitBook-Signature: " +
        gbrt::net::sign_webhook(kSecret, std::time(nullptr), body) +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  const int rounds = 20;
  long n = allocations_during(5, rounds, send);
  EXPECT_EQ(n, 0) << n << " allocations on the shard for " << rounds * kConnections << " events on "
                  << kConnections << " connections; GBRT_ALLOC_TRACE=1 shows where";
}

}  // namespace
