// site_analytics: page views per page, and unique visitors per page per day counted with a
// HyperLogLog sketch (1 KiB per page and day, about 3 % error), in bounded memory.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <gbrt/runtime/runtime.hpp>

namespace site_analytics {

// A HyperLogLog with 2^10 one-byte registers (Flajolet et al., with the small-range fix).
class HyperLogLog {
 public:
  void add(std::uint64_t hash) noexcept;
  double estimate() const noexcept;
  void merge(const HyperLogLog& other) noexcept;

 private:
  static constexpr int kBits = 10;
  std::array<std::uint8_t, 1u << kBits> registers_{};
};

struct PageStats {
  std::uint64_t views = 0;
  HyperLogLog visitors;
};

struct Limits {
  std::size_t days = 7;       // days kept; the oldest is dropped first
  std::size_t pages = 10000;  // pages tracked per day; more are counted under "(other)"
};

// The counts of every shard, behind one mutex: a page view holds it for a hash and a map
// lookup (a per-shard split, as in apps/gbrt-server's ViewCounts, would remove it).
class Analytics {
 public:
  explicit Analytics(Limits limits = {}) : limits_(limits) {}
  void view(std::string_view day, std::string_view page, std::string_view visitor);
  std::uint64_t views(std::string_view day, std::string_view page) const;
  std::uint64_t unique_visitors(std::string_view day, std::string_view page) const;
  // Over all pages of `day`.
  std::uint64_t views_on(std::string_view day) const;
  std::uint64_t unique_visitors_on(std::string_view day) const;
  std::size_t pages_tracked() const;

 private:
  Limits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, PageStats, std::less<>>, std::less<>> days_;
};

// Today's date in UTC, "YYYY-MM-DD" (GitBook's view events carry no timestamp).
std::string today();

// site_view and space_view handlers, the `page-stats` ui_render component (props.pageId),
// and gauges for /metrics: site_analytics_page_views{day="today"},
// site_analytics_unique_visitors{day="today"}, site_analytics_pages_tracked.
std::shared_ptr<Analytics> register_site_analytics(gbrt::Runtime& runtime, Limits limits = {});

}  // namespace site_analytics
