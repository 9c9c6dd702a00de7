// gbrt-micro-bench: in-process costs per event (parse, typed view, dispatch, multipart,
// signature). Run: build/bench/gbrt-micro-bench --benchmark_repetitions=5
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gbrt/net/multipart.hpp>
#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(GBRT_FIXTURES_DIR) + "/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void BM_Parse(benchmark::State& state, const char* file) {
  ev::PaddedBuffer body(fixture(file));
  ev::Parser parser;
  ev::StringArena arena;
  for (auto _ : state) {
    arena.reset();
    auto event = parser.parse_event(body.view(), arena);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * std::int64_t(body.size()));
}
BENCHMARK_CAPTURE(BM_Parse, space_view, "space_view-1.json");
BENCHMARK_CAPTURE(BM_Parse, site_view, "site_view-3.json");
BENCHMARK_CAPTURE(BM_Parse, ui_render, "ui_render-1.json");
BENCHMARK_CAPTURE(BM_Parse, space_content_updated, "space_content_updated-2.json");
BENCHMARK_CAPTURE(BM_Parse, installation_setup, "installation_setup-3.json");

// Parse + dispatch to one no-op awaitable handler, on one shard driven by this thread.
void BM_Dispatch(benchmark::State& state, const char* file) {
  asio::io_context io(1);
  gbrt::Runtime runtime({io.get_executor()}, {});
  runtime.on<ev::SpaceView>(
      [](const ev::SpaceView&, gbrt::Context&) -> asio::awaitable<void> { co_return; });
  gbrt::runtime::Shard& shard = runtime.shard(0);
  ev::PaddedBuffer body(fixture(file));
  ev::StringArena arena;
  const auto iterations = state.max_iterations;
  std::int64_t done = 0;
  auto loop = [&]() -> asio::awaitable<void> {
    for (auto _ : state) {
      arena.reset();
      auto event = shard.parser().parse_event(body.view(), arena);
      auto answer = co_await runtime.dispatch(event.value(), nullptr, shard);
      benchmark::DoNotOptimize(answer);
      ++done;
    }
  };
  asio::co_spawn(io, loop(), asio::detached);
  io.run();
  (void)iterations;
  state.SetItemsProcessed(done);
}
BENCHMARK_CAPTURE(BM_Dispatch, space_view, "space_view-1.json");

void BM_MultipartDecode(benchmark::State& state) {
  std::string boundary = "----gbrtBenchBoundary";
  std::string body = "--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n" +
                     fixture("space_view-1.json") + "\r\n--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"environment\"\r\n\r\n" +
                     fixture("environment.json") + "\r\n--" + boundary + "--\r\n";
  for (auto _ : state) {
    gbrt::net::DispatcherForm form;
    benchmark::DoNotOptimize(gbrt::net::decode_dispatcher_form(body, boundary, form));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MultipartDecode);

void BM_VerifySignature(benchmark::State& state) {
  std::string body = fixture("site_view-1.json");
  gbrt::net::SignatureVerifier verifier({"bench-secret"});
  std::string header = gbrt::net::sign_webhook("bench-secret", 1000, body);
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier.verify(header, body, 1000));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifySignature);

}  // namespace

BENCHMARK_MAIN();
