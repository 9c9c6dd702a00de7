// Handler latency for users: replay a corpus of events through a Runtime with your own
// handlers, in process, and read per-type handler latency from the runtime's own
// histograms — the numbers /metrics exports (gbrt_handler_duration_seconds).
//
//   gbrt::Runtime runtime;
//   runtime.on<gbrt::events::SiteView>(my_handler);
//   runtime.start();
//   auto report = gbrt::runtime::replay(runtime, gbrt::runtime::load_corpus("events.ndjson"));
//   std::cout << report.table();
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gbrt/runtime/corpus.hpp>  // load_corpus
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::runtime {

struct ReplayOptions {
  std::size_t concurrency = 64;  // events in flight at once, spread over the shards
  std::size_t passes = 1;        // times the whole corpus is replayed
};

struct ReplayReport {
  struct Type {
    std::string name;
    std::uint64_t handled = 0;  // handler runs during the replay
    double mean_us = 0;
    // Upper bounds of the base-2 buckets /metrics exports (1, 2, 4, … µs), so at most 2×
    // above the true percentile.
    double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0;
  };
  std::uint64_t events = 0;        // events sent
  std::uint64_t not_accepted = 0;  // answered other than 2xx (a parse error, a handler's)
  double seconds = 0;              // wall time of the whole replay
  std::vector<Type> types;         // types with handler runs, by name

  double events_per_second() const noexcept { return seconds > 0 ? double(events) / seconds : 0; }
  std::string table() const;  // aligned text for a terminal
  std::string json() const;   // one JSON object
};

// Sends every event of `corpus` through runtime.handle(), `options.passes` times, and
// waits for every answer. The runtime must be started; the calling thread blocks.
ReplayReport replay(Runtime& runtime, const std::vector<std::string>& corpus,
                    ReplayOptions options = {});

}  // namespace gbrt::runtime
