#include <gbrt/runtime/metrics.hpp>

#include <bit>
#include <cstdio>

namespace gbrt::runtime {

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::error:
      return "error";
    case Outcome::rejected:
      return "rejected";
    case Outcome::shed:
      return "shed";
    case Outcome::timeout:
      return "timeout";
    case Outcome::cancelled:
      return "cancelled";
    case Outcome::duplicate:
      return "duplicate";
    case Outcome::forwarded:
      return "forwarded";
    case Outcome::stored:
      return "stored";
  }
  return "ok";
}

void Histogram::record(std::size_t shard, std::chrono::nanoseconds elapsed) noexcept {
  const std::uint64_t ns = elapsed.count() < 0 ? 0 : std::uint64_t(elapsed.count());
  const std::uint64_t us = (ns + 999) / 1000;  // rounded up: a bucket bound is an upper bound
  // Bucket b holds (2^(b-1), 2^b] µs; bucket 0 holds up to 1 µs.
  std::size_t bucket = us <= 1 ? 0 : std::size_t(std::bit_width(us - 1));
  if (bucket > kBuckets) bucket = kBuckets;  // +Inf
  Row& row = rows_[shard];
  auto bump = [](std::atomic<std::uint64_t>& cell, std::uint64_t n) {
    cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  };
  bump(row.buckets[bucket], 1);
  bump(row.count, 1);
  bump(row.sum_ns, ns);
}

Histogram::Snapshot Histogram::snapshot() const noexcept {
  Snapshot s;
  std::uint64_t sum_ns = 0;
  for (std::size_t i = 0; i < shards_; ++i) {
    for (std::size_t b = 0; b <= kBuckets; ++b) {
      s.buckets[b] += rows_[i].buckets[b].load(std::memory_order_relaxed);
    }
    s.count += rows_[i].count.load(std::memory_order_relaxed);
    sum_ns += rows_[i].sum_ns.load(std::memory_order_relaxed);
  }
  s.sum_seconds = double(sum_ns) * 1e-9;
  return s;
}

double Histogram::Snapshot::quantile_upper_bound(double q) const noexcept {
  if (count == 0) return 0;
  const double target = q * double(count);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += buckets[b];
    if (double(seen) >= target) return bound_seconds(b);
  }
  return bound_seconds(kBuckets);  // beyond the last bound
}

Metrics::PerType::PerType(std::size_t shards)
    : received(shards), duration(shards), queue_wait(shards) {
  for (auto& h : handled) h = std::make_unique<Counter>(shards);
}

Metrics::Metrics(std::size_t shards) : shards_(shards) {
  http_.reserve(kStatusSlots);
  for (unsigned i = 0; i < kStatusSlots; ++i) http_.push_back(std::make_unique<Counter>(shards));
}

std::size_t Metrics::add_type(std::string name) {
  type_names_.push_back(std::move(name));
  types_.push_back(std::make_unique<PerType>(shards_));
  return type_names_.size() - 1;
}

std::uint64_t Metrics::handled_total(std::size_t type_id) const noexcept {
  std::uint64_t sum = 0;
  for (const auto& c : types_[type_id]->handled) sum += c->value();
  return sum;
}

Counter& Metrics::counter(std::string series, std::string help) {
  custom_.push_back(
      {std::move(series), std::move(help), std::make_unique<Counter>(shards_), {}, {}});
  return *custom_.back().counter;
}

Histogram& Metrics::histogram(std::string series, std::string help) {
  custom_.push_back(
      {std::move(series), std::move(help), nullptr, {}, std::make_unique<Histogram>(shards_)});
  return *custom_.back().histogram;
}

void Metrics::gauge(std::string series, std::string help, std::function<double()> read) {
  custom_.push_back({std::move(series), std::move(help), nullptr, std::move(read), {}});
}

void Metrics::counter(std::string series, std::string help, std::function<double()> read) {
  custom_.push_back({std::move(series), std::move(help), nullptr, std::move(read), {}, true});
}

namespace {

void append_number(std::string& out, double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  out += text;
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void line(std::string& out, std::string_view series, double value) {
  out += series;
  out += ' ';
  append_number(out, value);
  out += '\n';
}

void histogram_lines(std::string& out, std::string_view name, const std::string& labels,
                     const Histogram::Snapshot& s) {
  std::uint64_t cumulative = 0;
  char le[32];
  const std::string before_le = labels.empty() ? std::string() : labels + ",";
  const std::string own = labels.empty() ? std::string() : "{" + labels + "}";
  for (std::size_t b = 0; b < Histogram::kBuckets; ++b) {
    cumulative += s.buckets[b];
    std::snprintf(le, sizeof le, "%g", Histogram::bound_seconds(b));
    line(out, std::string(name) + "_bucket{" + before_le + "le=\"" + le + "\"}",
         double(cumulative));
  }
  line(out, std::string(name) + "_bucket{" + before_le + "le=\"+Inf\"}", double(s.count));
  line(out, std::string(name) + "_sum" + own, s.sum_seconds);
  line(out, std::string(name) + "_count" + own, double(s.count));
}

}  // namespace

std::string Metrics::render() const {
  std::string out;
  out.reserve(64 * 1024);
  header(out, "gbrt_events_received_total", "Events parsed and accepted for dispatch, by type.",
         "counter");
  for (std::size_t t = 0; t < types_.size(); ++t) {
    line(out, "gbrt_events_received_total{type=\"" + type_names_[t] + "\"}",
         double(types_[t]->received.value()));
  }
  header(out, "gbrt_events_handled_total", "Events finished, by type and outcome.", "counter");
  for (std::size_t t = 0; t < types_.size(); ++t) {
    for (std::size_t o = 0; o < kOutcomeCount; ++o) {
      line(out,
           "gbrt_events_handled_total{type=\"" + type_names_[t] + "\",outcome=\"" +
               std::string(to_string(Outcome(o))) + "\"}",
           double(types_[t]->handled[o]->value()));
    }
  }
  header(out, "gbrt_handler_duration_seconds",
         "Time from the start of an event's handlers to the end of the last one.", "histogram");
  for (std::size_t t = 0; t < types_.size(); ++t) {
    auto s = types_[t]->duration.snapshot();
    if (s.count != 0)
      histogram_lines(out, "gbrt_handler_duration_seconds", "type=\"" + type_names_[t] + "\"", s);
  }
  header(out, "gbrt_queue_wait_seconds",
         "Time a queued event (--ack TYPE=queued) waited before its handlers started.",
         "histogram");
  for (std::size_t t = 0; t < types_.size(); ++t) {
    auto s = types_[t]->queue_wait.snapshot();
    if (s.count != 0)
      histogram_lines(out, "gbrt_queue_wait_seconds", "type=\"" + type_names_[t] + "\"", s);
  }
  header(out, "gbrt_http_requests_total", "HTTP requests answered, by status code.", "counter");
  for (unsigned code = 100; code < kStatusSlots; ++code) {
    if (auto v = http_[code]->value(); v != 0) {
      line(out, "gbrt_http_requests_total{code=\"" + std::to_string(code) + "\"}", double(v));
    }
  }
  std::string_view last_name;
  for (const Custom& c : custom_) {
    const std::size_t brace = c.series.find('{');
    std::string_view name = std::string_view(c.series).substr(0, brace);
    if (name != last_name) {
      const char* type = c.counter || c.gauge_is_counter ? "counter"
                         : c.histogram                   ? "histogram"
                                                         : "gauge";
      header(out, name, c.help, type);
      last_name = name;
    }
    if (c.histogram) {  // `name{labels}`: the labels go before each bucket's `le`
      const std::string labels = brace == std::string::npos
                                     ? std::string()
                                     : c.series.substr(brace + 1, c.series.size() - brace - 2);
      histogram_lines(out, name, labels, c.histogram->snapshot());
      continue;
    }
    line(out, c.series, c.counter ? double(c.counter->value()) : c.gauge());
  }
  return out;
}

}  // namespace gbrt::runtime
