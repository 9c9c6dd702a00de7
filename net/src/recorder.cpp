#include <gbrt/net/recorder.hpp>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace gbrt::net {

namespace {
constexpr std::size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushAge = std::chrono::seconds(1);
}  // namespace

Recorder::Recorder(RecorderOptions options, std::size_t shards)
    : options_(std::move(options)),
      shards_(std::make_unique<ShardBuffer[]>(shards)),
      shard_count_(shards) {
  file_ = std::fopen(options_.path.c_str(), "ab");
  if (file_ == nullptr) {
    throw std::runtime_error("cannot open --record file " + options_.path + ": " +
                             std::generic_category().message(errno));
  }
  std::error_code ec;
  file_bytes_ = std::filesystem::file_size(options_.path, ec);
}

Recorder::~Recorder() {
  flush_all();
  if (file_ != nullptr) std::fclose(file_);
}

void Recorder::record(std::size_t shard, std::string_view event_json) {
  ShardBuffer& buffer = shards_[shard];
  const std::size_t start = buffer.bytes.size();
  buffer.bytes.append(event_json);
  std::replace_if(
      buffer.bytes.begin() + std::ptrdiff_t(start), buffer.bytes.end(),
      [](char c) { return c == '\n' || c == '\r'; }, ' ');
  buffer.bytes += '\n';
  ++buffer.events;
  const auto now = std::chrono::steady_clock::now();
  if (buffer.bytes.size() >= kFlushBytes || now - buffer.last_write >= kFlushAge) {
    buffer.last_write = now;
    std::lock_guard lock(mutex_);
    write(buffer.bytes);
  }
}

void Recorder::flush_all() {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < shard_count_; ++i) write(shards_[i].bytes);
  if (file_ != nullptr) std::fflush(file_);
}

std::uint64_t Recorder::events() const noexcept {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) sum += shards_[i].events;
  return sum;
}

void Recorder::write(std::string& bytes) {
  if (bytes.empty() || file_ == nullptr) return;
  if (file_bytes_ != 0 && file_bytes_ + bytes.size() > options_.max_bytes) rotate();
  std::fwrite(bytes.data(), 1, bytes.size(), file_);
  std::fflush(file_);
  file_bytes_ += bytes.size();
  bytes.clear();  // keeps its capacity
}

// FILE.N-1 → FILE.N, …, FILE → FILE.1, and a new FILE.
void Recorder::rotate() {
  std::fclose(file_);
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string& base = options_.path;
  if (options_.keep == 0) {
    fs::remove(base, ec);
  } else {
    fs::remove(base + "." + std::to_string(options_.keep), ec);
    for (unsigned i = options_.keep; i > 1; --i) {
      fs::rename(base + "." + std::to_string(i - 1), base + "." + std::to_string(i), ec);
    }
    fs::rename(base, base + ".1", ec);
  }
  file_ = std::fopen(base.c_str(), "ab");
  file_bytes_ = 0;
}

}  // namespace gbrt::net
