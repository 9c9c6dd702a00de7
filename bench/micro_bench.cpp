// gbrt-micro-bench: in-process costs per event (parse and its floors, typed view, dispatch,
// execute, batches, multipart, signature).
// Run: build/bench/gbrt-micro-bench --benchmark_repetitions=5
// Names are stable (docs/benchmarks.md): scripts compare them across versions.
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <gbrt/net/multipart.hpp>
#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/read_file.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "launch.hpp"  // runtime/src: how the runtime starts a handler's coroutine thread

namespace {

namespace asio = boost::asio;
namespace ev = gbrt::events;

std::string fixture(const std::string& name) {
  return gbrt::runtime::read_file(std::string(GBRT_FIXTURES_DIR) + "/" + name);
}

// space_view-1.json with 1,400 cookies (about 82 KB): the large event of bench/run, where
// the parse's throughput (bytes/s) is what counts. Cookie values vary in length (16–70).
std::string space_view_with_many_cookies() {
  const std::string base = fixture("space_view-1.json");
  const std::string open = "\"cookies\": {";
  const std::size_t begin = base.find(open) + open.size();
  const std::size_t end = base.find('}', begin);
  std::string cookies;
  const std::string_view alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (std::size_t i = 0; i < 1400; ++i) {
    if (i != 0) cookies += ", ";
    cookies += "\"c_" + std::to_string(100000 + i) + "\": \"";
    for (std::size_t j = 0; j < 16 + (i * 37) % 55; ++j) cookies += alphabet[(i * 7 + j * 13) % 62];
    cookies += '"';
  }
  return base.substr(0, begin) + cookies + base.substr(end);
}

void BM_Parse(benchmark::State& state, const std::string& json) {
  ev::PaddedBuffer body(json);
  ev::Parser parser;
  ev::StringArena arena;
  for (auto _ : state) {
    arena.reset();
    auto event = parser.parse_event(body.view(), arena);
    if (!event) {
      state.SkipWithError(event.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * std::int64_t(body.size()));
}
BENCHMARK_CAPTURE(BM_Parse, space_view, fixture("space_view-1.json"));
BENCHMARK_CAPTURE(BM_Parse, site_view, fixture("site_view-3.json"));
BENCHMARK_CAPTURE(BM_Parse, ui_render, fixture("ui_render-1.json"));
BENCHMARK_CAPTURE(BM_Parse, space_content_updated, fixture("space_content_updated-2.json"));
BENCHMARK_CAPTURE(BM_Parse, installation_setup, fixture("installation_setup-3.json"));
BENCHMARK_CAPTURE(BM_Parse, space_view_82k, space_view_with_many_cookies());

// The floors BM_Parse is judged against, on the same bytes in the same run. stage1:
// simdjson's stage 1 alone (UTF-8, where strings end, the structural index), the pass
// Parser::parse_event starts with. dom: simdjson's own full validating parse into a
// document the parser reuses, nothing read from it.
void BM_ParseFloorStage1(benchmark::State& state, const std::string& json) {
  ev::PaddedBuffer body(json);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(body.view().data);
  std::unique_ptr<simdjson::internal::dom_parser_implementation> parser;
  if (simdjson::get_active_implementation()->create_dom_parser_implementation(
          body.size(), ev::Parser::kMaxDepth, parser) != simdjson::SUCCESS) {
    state.SkipWithError("no simdjson parser");
    return;
  }
  for (auto _ : state) {
    if (auto e = parser->stage1(bytes, body.size(), simdjson::stage1_mode::regular)) {
      state.SkipWithError(simdjson::error_message(e));
      break;
    }
    benchmark::DoNotOptimize(parser->n_structural_indexes);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * std::int64_t(body.size()));
}

void BM_ParseFloorDom(benchmark::State& state, const std::string& json) {
  ev::PaddedBuffer body(json);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(body.view().data);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    auto document = parser.parse(bytes, body.size(), false);  // padded: no copy
    if (document.error()) {
      state.SkipWithError(simdjson::error_message(document.error()));
      break;
    }
    benchmark::DoNotOptimize(document);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * std::int64_t(body.size()));
}
BENCHMARK_CAPTURE(BM_ParseFloorStage1, space_view, fixture("space_view-1.json"))
    ->Name("BM_ParseFloor/stage1/space_view");
BENCHMARK_CAPTURE(BM_ParseFloorDom, space_view, fixture("space_view-1.json"))
    ->Name("BM_ParseFloor/dom/space_view");
BENCHMARK_CAPTURE(BM_ParseFloorStage1, space_view_82k, space_view_with_many_cookies())
    ->Name("BM_ParseFloor/stage1/space_view_82k");
BENCHMARK_CAPTURE(BM_ParseFloorDom, space_view_82k, space_view_with_many_cookies())
    ->Name("BM_ParseFloor/dom/space_view_82k");

// Parse, then read the typed view's fields as a handler would.
void BM_ParseView(benchmark::State& state, const char* file) {
  ev::PaddedBuffer body(fixture(file));
  ev::Parser parser;
  ev::StringArena arena;
  for (auto _ : state) {
    arena.reset();
    auto event = parser.parse_event(body.view(), arena);
    const auto& view = std::get<ev::SpaceView>(event.value());
    benchmark::DoNotOptimize(view.space_id.size() + view.page_id.value_or("").size() +
                             view.event_id.size() + view.visitor.anonymous_id.size() +
                             view.url.size() + view.referrer.size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ParseView, space_view, "space_view-1.json");

// One runtime with `shards` shards on io_contexts the benchmark's threads drive, each
// thread its own shard, as a server's shard threads do. Handler: one no-op awaitable.
struct Bench {
  explicit Bench(std::size_t shards) : contexts(shards) {
    std::vector<gbrt::runtime::ShardExecutor> executors;
    for (auto& io : contexts) executors.push_back(io.get_executor());
    runtime.emplace(std::move(executors), gbrt::runtime::RuntimeOptions{});
    runtime->on<ev::SpaceView>(
        [](const ev::SpaceView&, gbrt::Context&) -> asio::awaitable<void> { co_return; });
    runtime->start();
  }
  std::deque<asio::io_context> contexts;
  std::optional<gbrt::Runtime> runtime;
};

Bench& bench_for(std::size_t shards) {
  static std::mutex mutex;
  static std::map<std::size_t, std::unique_ptr<Bench>> benches;
  std::lock_guard lock(mutex);
  auto& b = benches[shards];
  if (!b) b = std::make_unique<Bench>(shards);
  return *b;
}

// Runs `step()` (an awaitable) once per iteration on this thread's shard, in one coroutine.
template <class Step>
void drive(benchmark::State& state, Step step) {
  Bench& bench = bench_for(std::size_t(state.threads()));
  const std::size_t index = std::size_t(state.thread_index());
  gbrt::runtime::Shard& shard = bench.runtime->shard(index);
  asio::io_context& io = bench.contexts[index];
  // On the executor type step()'s awaitables are for (the shard's, or any_io_executor).
  using Executor =
      typename std::invoke_result_t<Step&, gbrt::Runtime&, gbrt::runtime::Shard&>::executor_type;
  auto loop = [&]() -> asio::awaitable<void, Executor> {
    for (auto _ : state) co_await step(*bench.runtime, shard);
  };
  asio::co_spawn(io, loop(), asio::detached);
  io.restart();
  io.run();
  state.SetItemsProcessed(state.iterations());
}

// The in-process dispatch figure: a parsed event through Runtime::dispatch to its handler.
void BM_Dispatch(benchmark::State& state, const char* file) {
  ev::PaddedBuffer body(fixture(file));
  ev::StringArena arena;
  ev::Parser parser;
  const ev::Event event = parser.parse_event(body.view(), arena).value();
  drive(state, [&](gbrt::Runtime& runtime, gbrt::runtime::Shard& shard) {
    return runtime.dispatch(event, nullptr, shard);
  });
}
BENCHMARK_CAPTURE(BM_Dispatch, space_view, "space_view-1.json");
BENCHMARK_CAPTURE(BM_Dispatch, space_view, "space_view-1.json")
    ->Name("BM_Dispatch/space_view/shards")
    ->Threads(2)
    ->UseRealTime();

// Parse + dispatch, per event.
asio::awaitable<void> parse_and_dispatch(gbrt::Runtime& runtime, gbrt::runtime::Shard& shard,
                                         const ev::PaddedBuffer& body, ev::StringArena& arena) {
  arena.reset();
  auto event = shard.parser().parse_event(body.view(), arena);
  benchmark::DoNotOptimize(co_await runtime.dispatch(event.value(), nullptr, shard));
}

void BM_ParseDispatch(benchmark::State& state, const char* file) {
  ev::PaddedBuffer body(fixture(file));
  ev::StringArena arena;
  drive(state, [&](gbrt::Runtime& runtime, gbrt::runtime::Shard& shard) {
    return parse_and_dispatch(runtime, shard, body, arena);
  });
}
BENCHMARK_CAPTURE(BM_ParseDispatch, space_view, "space_view-1.json");
BENCHMARK_CAPTURE(BM_ParseDispatch, space_view, "space_view-1.json")
    ->Name("BM_ParseDispatch/space_view/shards")
    ->Threads(2)
    ->UseRealTime();

// `body` parsed into a pooled slot, as the server does (not a coroutine: its locals stay off
// the callers' frames).
gbrt::runtime::SlotPtr parsed_slot(gbrt::runtime::Shard& shard, const std::string& body) {
  gbrt::runtime::SlotPtr slot = shard.slots().acquire();
  slot->body.append(body);
  auto event = shard.parser().parse_event(slot->body.view(), slot->arena);
  slot->event.emplace(std::move(event.value()));
  return slot;
}

// What a served event costs in the runtime: parse into a pooled slot, then Runtime::execute
// (admission, the deadline's supervision, the handler on its own coroutine).
gbrt::runtime::ShardAwaitable<void> parse_and_execute(gbrt::Runtime& runtime,
                                                      gbrt::runtime::Shard& shard,
                                                      const std::string& body) {
  benchmark::DoNotOptimize(co_await runtime.execute(parsed_slot(shard, body), shard));
}

void BM_ParseExecute(benchmark::State& state, const char* file) {
  const std::string body = fixture(file);
  drive(state, [&](gbrt::Runtime& runtime, gbrt::runtime::Shard& shard) {
    return parse_and_execute(runtime, shard, body);
  });
}
BENCHMARK_CAPTURE(BM_ParseExecute, space_view, "space_view-1.json");

// The floor under BM_ParseExecute: the same parse into a pooled slot, then the handler (a
// no-op awaitable, as Bench registers) on a coroutine thread of its own, started the way
// Runtime::execute starts one (runtime/src/launch.hpp), and nothing else: no admission,
// deadline, dedup, metrics or answer. What an awaitable handler API costs at the least.
asio::awaitable<void> noop_handler() {
  co_return;
}
asio::awaitable<int> run_noop_handler() {
  co_await noop_handler();
  co_return 200;
}

gbrt::runtime::ShardAwaitable<void> parse_and_launch(const asio::any_io_executor& handlers,
                                                     gbrt::runtime::Shard& shard,
                                                     const std::string& body) {
  // Not on this frame: with another Boost than 1.81, launch() is co_spawn, which finishes later.
  static thread_local int status = 0;
  gbrt::runtime::detail::launch(
      handlers, run_noop_handler(), asio::cancellation_slot(), parsed_slot(shard, body),
      [](int s) { status = s; }, [](std::exception_ptr) {});
  benchmark::DoNotOptimize(status);
  co_return;
}

void BM_ParseLaunchFloor(benchmark::State& state, const char* file) {
  const std::string body = fixture(file);
  std::optional<asio::any_io_executor> handlers;  // made once, as the runtime makes its own
  drive(state, [&](gbrt::Runtime&, gbrt::runtime::Shard& shard) {
    if (!handlers) handlers.emplace(shard.executor());
    return parse_and_launch(*handlers, shard, body);
  });
}
BENCHMARK_CAPTURE(BM_ParseLaunchFloor, space_view, "space_view-1.json");

// An NDJSON batch of `range(0)` space_view lines: split, parse each line in place, dispatch.
asio::awaitable<void> batch_dispatch(gbrt::Runtime& runtime, gbrt::runtime::Shard& shard,
                                     const ev::PaddedBuffer& batch, ev::StringArena& arena) {
  const std::string_view text = batch.view().str();
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    arena.reset();
    auto event = shard.parser().parse_event(batch.view().sub(start, end - start), arena);
    benchmark::DoNotOptimize(co_await runtime.dispatch(event.value(), nullptr, shard));
    start = end + 1;
  }
}

void BM_BatchDispatch(benchmark::State& state) {
  std::string lines;
  for (std::int64_t i = 0; i < state.range(0); ++i) lines += fixture("space_view-1.json") + "\n";
  ev::PaddedBuffer batch(lines);
  ev::StringArena arena;
  drive(state, [&](gbrt::Runtime& runtime, gbrt::runtime::Shard& shard) {
    return batch_dispatch(runtime, shard, batch, arena);
  });
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BatchDispatch)->Arg(100);

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
