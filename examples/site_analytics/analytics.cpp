#include "analytics.hpp"

#include <bit>
#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>

#include <gbrt/runtime/answer.hpp>

namespace site_analytics {

namespace ev = gbrt::events;

namespace {

// std::hash of a string is not guaranteed to mix its bits well: finish with splitmix64's.
std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

void HyperLogLog::add(std::uint64_t hash) noexcept {
  const std::size_t index = hash >> (64 - kBits);
  const std::uint64_t rest = hash << kBits;
  const auto rank =
      static_cast<std::uint8_t>(rest == 0 ? 64 - kBits + 1 : std::countl_zero(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
}

double HyperLogLog::estimate() const noexcept {
  constexpr double m = 1u << kBits;
  constexpr double alpha = 0.7213 / (1 + 1.079 / m);
  double sum = 0;
  std::size_t zeros = 0;
  for (std::uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    zeros += r == 0;
  }
  const double raw = alpha * m * m / sum;
  if (raw <= 2.5 * m && zeros != 0) return m * std::log(m / double(zeros));  // linear counting
  return raw;
}

void HyperLogLog::merge(const HyperLogLog& other) noexcept {
  for (std::size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

void Analytics::view(std::string_view day, std::string_view page, std::string_view visitor) {
  const std::uint64_t hash = mix(std::hash<std::string_view>()(visitor));
  std::lock_guard lock(mutex_);
  auto day_it = days_.find(day);
  if (day_it == days_.end()) {
    day_it = days_.emplace(std::string(day), std::map<std::string, PageStats, std::less<>>{}).first;
    while (days_.size() > limits_.days) days_.erase(days_.begin());  // dates sort by age
    day_it = days_.find(day);
    if (day_it == days_.end()) return;  // an event for a day older than every kept one
  }
  auto& pages = day_it->second;
  auto page_it = pages.find(page);
  if (page_it == pages.end()) {
    std::string key = pages.size() < limits_.pages ? std::string(page) : std::string("(other)");
    page_it = pages.try_emplace(std::move(key)).first;
  }
  ++page_it->second.views;
  page_it->second.visitors.add(hash);
}

std::uint64_t Analytics::views(std::string_view day, std::string_view page) const {
  std::lock_guard lock(mutex_);
  auto d = days_.find(day);
  if (d == days_.end()) return 0;
  auto p = d->second.find(page);
  return p == d->second.end() ? 0 : p->second.views;
}

std::uint64_t Analytics::unique_visitors(std::string_view day, std::string_view page) const {
  std::lock_guard lock(mutex_);
  auto d = days_.find(day);
  if (d == days_.end()) return 0;
  auto p = d->second.find(page);
  return p == d->second.end() ? 0 : std::llround(p->second.visitors.estimate());
}

std::uint64_t Analytics::views_on(std::string_view day) const {
  std::lock_guard lock(mutex_);
  std::uint64_t sum = 0;
  if (auto d = days_.find(day); d != days_.end()) {
    for (const auto& [page, stats] : d->second) sum += stats.views;
  }
  return sum;
}

std::uint64_t Analytics::unique_visitors_on(std::string_view day) const {
  std::lock_guard lock(mutex_);
  HyperLogLog all;
  if (auto d = days_.find(day); d != days_.end()) {
    for (const auto& [page, stats] : d->second) all.merge(stats.visitors);
  }
  return std::llround(all.estimate());
}

std::size_t Analytics::pages_tracked() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [day, pages] : days_) n += pages.size();
  return n;
}

std::string today() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

std::shared_ptr<Analytics> register_site_analytics(gbrt::Runtime& runtime, Limits limits) {
  auto analytics = std::make_shared<Analytics>(limits);
  // The page is its id when GitBook sends one, else the URL.
  runtime.on<ev::SiteView>(
      [analytics](const ev::SiteView& e, gbrt::Context&) -> boost::asio::awaitable<void> {
        analytics->view(today(), e.page_id.value_or(e.url), e.visitor.anonymous_id);
        co_return;
      });
  runtime.on<ev::SpaceView>(
      [analytics](const ev::SpaceView& e, gbrt::Context&) -> boost::asio::awaitable<void> {
        analytics->view(today(), e.page_id.value_or(e.url), e.visitor.anonymous_id);
        co_return;
      });
  runtime.component(
      "page-stats",
      gbrt::ComponentSpec{.render = [analytics](gbrt::ComponentInstance& instance, gbrt::Context&)
                              -> boost::asio::awaitable<gbrt::contentkit::Root> {
        auto page = instance.event->props["pageId"].get_string();
        if (!page) throw gbrt::ExposableError("page-stats needs props.pageId", 400);
        const std::string day = today();
        std::string text = std::to_string(analytics->views(day, *page)) + " views, about " +
                           std::to_string(analytics->unique_visitors(day, *page)) +
                           " visitors today";
        co_return gbrt::contentkit::Block({gbrt::contentkit::Text(text)});
      }});
  auto& metrics = runtime.metrics();
  metrics.gauge("site_analytics_page_views{day=\"today\"}", "Page views today (UTC).",
                [analytics] { return double(analytics->views_on(today())); });
  metrics.gauge("site_analytics_unique_visitors{day=\"today\"}",
                "Unique visitors today over all pages (UTC, HyperLogLog estimate).",
                [analytics] { return double(analytics->unique_visitors_on(today())); });
  metrics.gauge("site_analytics_pages_tracked", "Page-day sketches held (bounded by the limits).",
                [analytics] { return double(analytics->pages_tracked()); });
  return analytics;
}

}  // namespace site_analytics
