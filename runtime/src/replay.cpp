#include <gbrt/runtime/replay.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;

namespace {

// `after` minus `before`: the samples recorded in between.
Histogram::Snapshot between(const Histogram::Snapshot& before, const Histogram::Snapshot& after) {
  Histogram::Snapshot d;
  for (std::size_t b = 0; b < d.buckets.size(); ++b)
    d.buckets[b] = after.buckets[b] - before.buckets[b];
  d.count = after.count - before.count;
  d.sum_seconds = after.sum_seconds - before.sum_seconds;
  return d;
}

std::string format(const char* pattern, auto... values) {
  char line[256];
  std::snprintf(line, sizeof line, pattern, values...);
  return line;
}

// Shared by the workers of one replay; the last one to finish says so.
struct ReplayState {
  explicit ReplayState(std::size_t n) : workers(n), running(n) {}
  const std::size_t workers;
  std::atomic<std::size_t> running;
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> not_accepted{0};
  std::promise<void> all_done;
};

ShardAwaitable<void> replay_worker(std::shared_ptr<ReplayState> state, Runtime& runtime,
                                   const std::vector<std::string>& corpus, std::size_t total,
                                   Shard& shard) {
  for (std::size_t i; (i = state->next.fetch_add(1)) < total;) {
    Answer answer = co_await runtime.handle_on(corpus[i % corpus.size()], std::nullopt, shard);
    if (answer.status < 200 || answer.status >= 300) state->not_accepted.fetch_add(1);
  }
  if (state->running.fetch_sub(1) == 1) state->all_done.set_value();
}

}  // namespace

ReplayReport replay(Runtime& runtime, const std::vector<std::string>& corpus,
                    ReplayOptions options) {
  Metrics& metrics = runtime.metrics();
  std::vector<Histogram::Snapshot> before;
  for (std::size_t t = 0; t < metrics.type_count(); ++t)
    before.push_back(metrics.handler_durations(t));

  ReplayReport report;
  const std::size_t total = corpus.size() * options.passes;
  // The workers run on the shards themselves, spread round-robin, and await each event on
  // their own shard: no executor switch per event.
  auto state = std::make_shared<ReplayState>(std::max<std::size_t>(options.concurrency, 1));
  auto done = state->all_done.get_future();
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < state->workers; ++i) {
    Shard& shard = runtime.shard(i % runtime.shard_count());
    asio::co_spawn(shard.executor(), replay_worker(state, runtime, corpus, total, shard),
                   asio::detached);
  }
  done.wait();
  report.not_accepted = state->not_accepted.load();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  report.events = total;

  for (std::size_t t = 0; t < metrics.type_count(); ++t) {
    const Histogram::Snapshot d = between(before[t], metrics.handler_durations(t));
    if (d.count == 0) continue;
    ReplayReport::Type type;
    type.name = metrics.type_name(t);
    type.handled = d.count;
    type.mean_us = d.sum_seconds * 1e6 / double(d.count);
    type.p50_us = d.quantile_upper_bound(0.50) * 1e6;
    type.p90_us = d.quantile_upper_bound(0.90) * 1e6;
    type.p99_us = d.quantile_upper_bound(0.99) * 1e6;
    type.p999_us = d.quantile_upper_bound(0.999) * 1e6;
    report.types.push_back(std::move(type));
  }
  std::sort(report.types.begin(), report.types.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return report;
}

std::string ReplayReport::table() const {
  std::string out = format("%llu events in %.3f s (%.0f events/s), %llu not accepted\n",
                           static_cast<unsigned long long>(events), seconds, events_per_second(),
                           static_cast<unsigned long long>(not_accepted));
  out += format("%-28s %10s %10s %10s %10s %10s %10s\n", "type", "handled", "mean_us", "p50_us",
                "p90_us", "p99_us", "p99.9_us");
  for (const Type& t : types) {
    out += format("%-28s %10llu %10.1f %10.0f %10.0f %10.0f %10.0f\n", t.name.c_str(),
                  static_cast<unsigned long long>(t.handled), t.mean_us, t.p50_us, t.p90_us,
                  t.p99_us, t.p999_us);
  }
  return out;
}

std::string ReplayReport::json() const {
  std::string out =
      format(R"({"events":%llu,"not_accepted":%llu,"seconds":%.6f,"eps":%.1f,"types":[)",
             static_cast<unsigned long long>(events), static_cast<unsigned long long>(not_accepted),
             seconds, events_per_second());
  for (std::size_t i = 0; i < types.size(); ++i) {
    const Type& t = types[i];
    if (i != 0) out += ',';
    out += R"({"type":")";
    append_json_escaped(out, t.name);
    out += format(
        R"(","handled":%llu,"mean_us":%.2f,"p50_us":%.0f,"p90_us":%.0f,"p99_us":%.0f,"p999_us":%.0f})",
        static_cast<unsigned long long>(t.handled), t.mean_us, t.p50_us, t.p90_us, t.p99_us,
        t.p999_us);
  }
  out += "]}";
  return out;
}

}  // namespace gbrt::runtime
