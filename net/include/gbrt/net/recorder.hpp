// --record FILE: every accepted event appended as one line of JSON, so the file is valid
// input for POST /v1/batch and for the load generator; written within a flush interval, rotated by
// size.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/metrics.hpp>

namespace gbrt::net {

struct RecorderOptions {
  std::string path;                      // FILE; rotated files are FILE.1 (newest) … FILE.N
  std::uint64_t max_bytes = 1ull << 30;  // rotate when FILE would grow past this
  unsigned keep = 5;                     // rotated files kept
  // Recorded events reach the file (the kernel's page cache) within this; at least 1 ms.
  std::chrono::milliseconds flush_interval{100};
  // While the file cannot be written, refuse events with 503 (they are retried) instead of
  // answering them unrecorded.
  bool required = false;
  // Bytes a shard holds while the file cannot be written; an event past it is lost (counted).
  std::size_t max_pending_bytes = 16u << 20;
};

// Whether `answer` accepted its event as new work, so that it belongs in the record: a 2xx
// (handled, queued or forwarded) that is not a duplicate of an event accepted before.
bool is_accepted(const runtime::Answer& answer) noexcept;

class Recorder {
 public:
  // Opens (appends to) the file and starts the thread that writes it; registers the
  // gbrt_record_* series in `metrics` (one cell per shard). Throws std::runtime_error if the
  // file cannot be opened.
  Recorder(RecorderOptions options, runtime::Metrics& metrics);
  // close(), unless called before.
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // From shard `shard`'s thread, for an accepted event: its bytes as received, except that
  // line breaks (JSON white space; a string cannot hold a raw one) become spaces. Buffered
  // per shard; the writing thread takes the buffers every flush interval.
  void record(std::size_t shard, std::string_view event_json);
  // Writes every shard's buffer now, from any thread; true when nothing is left unwritten.
  bool flush();
  // Once no shard records (at shutdown): stops the writing thread and writes what is left.
  // True if the file holds every recorded event; else the missing ones are counted as lost
  // and logged.
  bool close();

  // The last write failed, and events wait in memory for the file to take them again.
  bool failing() const noexcept { return failing_->load(std::memory_order_relaxed); }
  // With `required`, while failing: events are refused, with refusal().
  bool refusing() const noexcept { return options_.required && failing(); }
  static runtime::Answer refusal();
  std::uint64_t events() const noexcept { return recorded_.value(); }
  std::uint64_t lost_events() const noexcept { return lost_.value(); }
  std::uint64_t write_errors() const noexcept { return write_errors_.value(); }

 private:
  struct alignas(64) ShardBuffer {
    std::mutex mutex;  // the shard and the writing thread; held for an append or a swap
    std::string bytes;
  };
  void run_writer();
  bool write_pending();                  // under file_mutex_
  bool write_out();                      // under file_mutex_: unwritten_ to the file
  void rotate();                         // under file_mutex_
  void note_result(bool ok, int error);  // under file_mutex_: failing_, the log

  const RecorderOptions options_;
  std::unique_ptr<ShardBuffer[]> shards_;
  std::size_t shard_count_;
  runtime::Counter& recorded_;      // events appended to a buffer
  runtime::Counter& lost_;          // events dropped: buffer full, or unwritten at exit
  runtime::Counter& write_errors_;  // failed writes (cell 0, under file_mutex_)
  // Shared with the gbrt_record_failing gauge, which /metrics may read after we are gone.
  std::shared_ptr<std::atomic<bool>> failing_ = std::make_shared<std::atomic<bool>>(false);

  std::mutex file_mutex_;
  int fd_ = -1;
  std::uint64_t file_bytes_ = 0;
  std::string unwritten_;  // taken from a shard, not yet in the file (a write failed)
  std::chrono::steady_clock::time_point next_error_log_{};
  std::uint64_t errors_not_logged_ = 0;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_ = false;  // under wake_mutex_; set by close()
  std::thread writer_;
};

}  // namespace gbrt::net
