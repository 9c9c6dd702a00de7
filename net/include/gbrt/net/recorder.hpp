// --record FILE: every accepted event appended as one line of JSON, so the file is valid
// input for POST /v1/batch and for the load generator; rotated by size.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace gbrt::net {

struct RecorderOptions {
  std::string path;                      // FILE; rotated files are FILE.1 (newest) … FILE.N
  std::uint64_t max_bytes = 1ull << 30;  // rotate when FILE would grow past this
  unsigned keep = 5;                     // rotated files kept
};

class Recorder {
 public:
  // Opens (appends to) the file; throws std::runtime_error if it cannot.
  Recorder(RecorderOptions options, std::size_t shards);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // From shard `shard`'s thread: the event's bytes as received, except that line breaks
  // (JSON white space; a string cannot hold a raw one) become spaces. Buffered per shard;
  // written when 64 KiB gather or a second passes.
  void record(std::size_t shard, std::string_view event_json);
  // Writes every shard's buffer. Only when no shard records (at shutdown).
  void flush_all();
  std::uint64_t events() const noexcept;

 private:
  struct alignas(64) ShardBuffer {
    std::string bytes;
    std::chrono::steady_clock::time_point last_write{};
    std::uint64_t events = 0;
  };
  void write(std::string& bytes);  // under mutex_
  void rotate();                   // under mutex_

  RecorderOptions options_;
  std::unique_ptr<ShardBuffer[]> shards_;
  std::size_t shard_count_;
  std::mutex mutex_;  // the file: taken once per 64 KiB (or second), not per event
  std::FILE* file_ = nullptr;
  std::uint64_t file_bytes_ = 0;
};

}  // namespace gbrt::net
