// A log-bucketed latency histogram in the manner of HdrHistogram: values below 128 have a
// bucket each; above, every power of two [2^k, 2^(k+1)) is split into 64 equal sub-buckets,
// so a bucket is at most 1/64 (1.6 %) of its values wide. Values are whole microseconds.
// Recording is an index computation and an increment; per-thread histograms are merged.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace gbrt::loadgen {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 6;                   // 64 sub-buckets per power of two
  static constexpr std::uint64_t kLinear = 2u << kSubBits;  // 0..127: one bucket per value
  static constexpr unsigned kMaxBits = 40;                  // 2^40 µs, about 12.7 days
  static constexpr std::size_t kBuckets =
      kLinear + (kMaxBits - (kSubBits + 1)) * (std::size_t(1) << kSubBits);

  Histogram() : counts_(kBuckets, 0) {}

  static std::size_t index_of(std::uint64_t value) noexcept {
    if (value < kLinear) return static_cast<std::size_t>(value);
    const unsigned top = static_cast<unsigned>(std::bit_width(value)) - 1;  // >= kSubBits + 1
    if (top >= kMaxBits) return kBuckets - 1;
    const unsigned shift = top - kSubBits;
    const std::uint64_t sub = (value >> shift) - (std::uint64_t(1) << kSubBits);  // 0..63
    return kLinear + (top - (kSubBits + 1)) * (std::size_t(1) << kSubBits) + sub;
  }
  // The largest value that falls into bucket `index`.
  static std::uint64_t upper_of(std::size_t index) noexcept {
    if (index < kLinear) return index;
    const std::size_t rest = index - kLinear;
    const unsigned top = static_cast<unsigned>(rest >> kSubBits) + kSubBits + 1;
    const unsigned shift = top - kSubBits;
    const std::uint64_t sub = rest & ((std::size_t(1) << kSubBits) - 1);
    return (((std::uint64_t(1) << kSubBits) + sub + 1) << shift) - 1;
  }

  void record(std::uint64_t value) noexcept {
    ++counts_[index_of(value)];
    ++total_;
    sum_ += value;
    max_ = std::max(max_, value);
    min_ = std::min(min_, value);
  }
  void merge(const Histogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    sum_ += other.sum_;
    max_ = std::max(max_, other.max_);
    min_ = std::min(min_, other.min_);
  }

  std::uint64_t count() const noexcept { return total_; }
  std::uint64_t max() const noexcept { return total_ ? max_ : 0; }
  std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
  double mean() const noexcept { return total_ ? double(sum_) / double(total_) : 0.0; }

  // The value at `percentile` (0..100): the upper end of the bucket holding the
  // ceil(p/100 * count)-th smallest value, never above the largest value recorded.
  std::uint64_t percentile(double percentile) const noexcept {
    if (total_ == 0) return 0;
    double wanted = percentile / 100.0 * double(total_);
    std::uint64_t rank = static_cast<std::uint64_t>(wanted);
    if (double(rank) < wanted) ++rank;
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_of(i), max_);
    }
    return max_;
  }

  // Non-empty buckets as (upper value, count), ascending.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets() const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      if (counts_[i] != 0) out.emplace_back(std::min(upper_of(i), max_), counts_[i]);
    }
    return out;
  }

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t total_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = ~std::uint64_t(0);
};

}  // namespace gbrt::loadgen
