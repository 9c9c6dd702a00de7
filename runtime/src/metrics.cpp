#include <gbrt/runtime/metrics.hpp>

namespace gbrt::runtime {

std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::ok:
      return "ok";
    case Outcome::error:
      return "error";
    case Outcome::rejected:
      return "rejected";
  }
  return "ok";
}

Metrics::Metrics(std::size_t shards) : shards_(shards) {
  http_.reserve(kStatusSlots);
  for (unsigned i = 0; i < kStatusSlots; ++i) http_.push_back(std::make_unique<Counter>(shards));
}

std::size_t Metrics::add_type(std::string name) {
  type_names_.push_back(std::move(name));
  received_.push_back(std::make_unique<Counter>(shards_));
  for (std::size_t i = 0; i < kOutcomeCount; ++i) {
    handled_.push_back(std::make_unique<Counter>(shards_));
  }
  return type_names_.size() - 1;
}

Counter& Metrics::counter(std::string series, std::string help) {
  custom_.push_back({std::move(series), std::move(help), std::make_unique<Counter>(shards_)});
  return *custom_.back().counter;
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(8192);
  auto line = [&out](std::string_view series, std::uint64_t value) {
    out += series;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
  };
  out += "# HELP gbrt_events_received_total Events parsed and dispatched, by type.\n";
  out += "# TYPE gbrt_events_received_total counter\n";
  for (std::size_t t = 0; t < type_names_.size(); ++t) {
    line("gbrt_events_received_total{type=\"" + type_names_[t] + "\"}", received_[t]->value());
  }
  out += "# HELP gbrt_events_handled_total Events answered, by type and outcome.\n";
  out += "# TYPE gbrt_events_handled_total counter\n";
  for (std::size_t t = 0; t < type_names_.size(); ++t) {
    for (std::size_t o = 0; o < kOutcomeCount; ++o) {
      line("gbrt_events_handled_total{type=\"" + type_names_[t] + "\",outcome=\"" +
               std::string(to_string(Outcome(o))) + "\"}",
           handled_[t * kOutcomeCount + o]->value());
    }
  }
  out += "# HELP gbrt_http_requests_total HTTP requests answered, by status code.\n";
  out += "# TYPE gbrt_http_requests_total counter\n";
  for (unsigned code = 100; code < kStatusSlots; ++code) {
    if (auto v = http_[code]->value(); v != 0) {
      line("gbrt_http_requests_total{code=\"" + std::to_string(code) + "\"}", v);
    }
  }
  std::string_view last_name;
  for (const Custom& c : custom_) {
    std::string_view name = std::string_view(c.series).substr(0, c.series.find('{'));
    if (name != last_name) {
      out += "# HELP " + std::string(name) + ' ' + c.help + '\n';
      out += "# TYPE " + std::string(name) + " counter\n";
      last_name = name;
    }
    line(c.series, c.counter->value());
  }
  return out;
}

}  // namespace gbrt::runtime
