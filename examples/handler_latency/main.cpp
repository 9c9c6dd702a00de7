// handler_latency: measure your own handlers' latency in process. Replays a corpus (a folder
// of event .json files, or an NDJSON recording made with gbrt-server --record) through a
// Runtime with the handlers below, and prints per-type handler latency percentiles — the
// same histograms /metrics exports.
//
//   handler_latency [CORPUS] [PASSES] [CONCURRENCY]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/runtime/replay.hpp>

namespace asio = boost::asio;
namespace ev = gbrt::events;

constexpr const char* kUsage =
    "usage: handler_latency [CORPUS] [PASSES] [CONCURRENCY]\n"
    "  CORPUS       a folder of event .json files, or an NDJSON recording (gbrt-server "
    "--record);\n"
    "               default: " GBRT_EXAMPLE_CORPUS
    "\n"
    "  PASSES       times the corpus is replayed (default 1)\n"
    "  CONCURRENCY  events in flight at once (default 64)\n";

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg.starts_with("-")) {
      std::cerr << "handler_latency: unknown option " << arg << "\n" << kUsage;
      return 2;
    }
  }
  const std::string corpus_path = argc > 1 ? argv[1] : GBRT_EXAMPLE_CORPUS;
  gbrt::runtime::ReplayOptions options;
  if (argc > 2) options.passes = std::strtoul(argv[2], nullptr, 10);
  if (argc > 3) options.concurrency = std::strtoul(argv[3], nullptr, 10);

  gbrt::Runtime runtime(gbrt::RuntimeOptions{.threads = 2});
  // Your handlers go here. These two stand for common shapes: CPU work under a lock, and
  // a wait on I/O (a database write, say, simulated by a 200 µs timer).
  std::mutex mutex;
  std::map<std::string, std::uint64_t, std::less<>> views_per_page;
  runtime.on<ev::SpaceView>([&](const ev::SpaceView& e, gbrt::Context&) -> asio::awaitable<void> {
    std::lock_guard lock(mutex);
    auto it = views_per_page.find(e.page_id.value_or(""));
    if (it == views_per_page.end()) it = views_per_page.emplace(e.page_id.value_or(""), 0).first;
    ++it->second;
    co_return;
  });
  runtime.on<ev::SiteView>([](const ev::SiteView&, gbrt::Context& c) -> asio::awaitable<void> {
    asio::steady_timer io(c.executor(), std::chrono::microseconds(200));
    co_await io.async_wait(asio::use_awaitable);
  });
  runtime.start();

  try {
    auto corpus = gbrt::runtime::load_corpus(corpus_path);
    auto report = gbrt::runtime::replay(runtime, corpus, options);
    std::cout << report.table() << report.json() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "handler_latency: " << e.what() << "\n";
    runtime.shutdown(std::chrono::seconds(1));
    return 1;
  }
  runtime.shutdown(std::chrono::seconds(5));
  return 0;
}
