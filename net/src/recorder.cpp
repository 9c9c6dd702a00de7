#include <gbrt/net/recorder.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <gbrt/runtime/log.hpp>

namespace gbrt::net {

namespace {

constexpr auto kErrorLogEvery = std::chrono::seconds(10);
constexpr std::chrono::seconds kRetryAfter{5};

int open_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

std::string error_text(int error) {
  return std::generic_category().message(error);
}

}  // namespace

bool is_accepted(const runtime::Answer& answer) noexcept {
  return answer.status >= 200 && answer.status < 300 && !answer.duplicate;
}

Recorder::Recorder(RecorderOptions options, runtime::Metrics& metrics)
    : options_(std::move(options)),
      shards_(std::make_unique<ShardBuffer[]>(metrics.shards())),
      shard_count_(metrics.shards()),
      recorded_(metrics.counter("gbrt_record_events_total",
                                "Accepted events appended to the --record buffers.")),
      lost_(metrics.counter("gbrt_record_lost_events_total",
                            "Accepted events missing from the --record file: a buffer full "
                            "while the file could not be written, or unwritten at exit.")),
      write_errors_(metrics.counter("gbrt_record_write_errors_total",
                                    "Failed writes to the --record file (each retried).")) {
  fd_ = open_append(options_.path);
  if (fd_ < 0) {
    throw std::runtime_error("cannot open --record file " + options_.path + ": " +
                             error_text(errno));
  }
  struct stat status {};
  if (::fstat(fd_, &status) == 0 && S_ISREG(status.st_mode)) file_bytes_ = status.st_size;
  metrics.gauge(
      "gbrt_record_failing", "1 while the --record file cannot be written (events wait in memory).",
      [failing = failing_] { return failing->load(std::memory_order_relaxed) ? 1.0 : 0.0; });
  writer_ = std::thread([this] { run_writer(); });
}

Recorder::~Recorder() {
  if (writer_.joinable()) close();
}

bool Recorder::close() {
  if (!writer_.joinable()) return lost_.value() == 0;  // closed before
  {
    std::lock_guard lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  writer_.join();
  std::lock_guard lock(file_mutex_);
  if (!write_pending()) {
    auto lines = [](const std::string& bytes) {
      return std::uint64_t(std::count(bytes.begin(), bytes.end(), '\n'));
    };
    std::uint64_t left = lines(unwritten_);
    for (std::size_t i = 0; i < shard_count_; ++i) {
      std::lock_guard shard_lock(shards_[i].mutex);
      left += lines(shards_[i].bytes);
    }
    lost_.inc(0, left);  // no shard records any more
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (lost_.value() == 0) return true;
  const std::string lost = std::to_string(lost_.value());
  log::error("record incomplete: accepted events are missing from the file",
             {{"path", options_.path}, {"events", lost, true}});
  return false;
}

void Recorder::record(std::size_t shard, std::string_view event_json) {
  ShardBuffer& buffer = shards_[shard];
  std::lock_guard lock(buffer.mutex);
  if (buffer.bytes.size() + event_json.size() >= options_.max_pending_bytes) {
    lost_.inc(shard);
    return;
  }
  const std::size_t start = buffer.bytes.size();
  buffer.bytes.append(event_json);
  std::replace_if(
      buffer.bytes.begin() + std::ptrdiff_t(start), buffer.bytes.end(),
      [](char c) { return c == '\n' || c == '\r'; }, ' ');
  buffer.bytes += '\n';
  recorded_.inc(shard);
}

runtime::Answer Recorder::refusal() {
  return runtime::Answer::unavailable(
      "Cannot write the event record (--record-required): event refused, retry later", kRetryAfter);
}

bool Recorder::flush() {
  std::lock_guard lock(file_mutex_);
  return write_pending();
}

void Recorder::run_writer() {
  const auto interval = std::max(options_.flush_interval, std::chrono::milliseconds(1));
  std::unique_lock lock(wake_mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

// What an earlier write left first (it may end a line cut in two), then each shard's buffer,
// taken by a swap so that the shard waits only for the swap, never for the disk.
bool Recorder::write_pending() {
  if (!write_out()) return false;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    {
      std::lock_guard lock(shards_[i].mutex);
      unwritten_.swap(shards_[i].bytes);  // both keep their capacity
    }
    if (unwritten_.empty()) continue;
    if (file_bytes_ != 0 && file_bytes_ + unwritten_.size() > options_.max_bytes) rotate();
    if (!write_out()) return false;
  }
  note_result(true, 0);
  return true;
}

bool Recorder::write_out() {
  if (fd_ < 0) fd_ = open_append(options_.path);  // after a rotation that could not reopen
  std::size_t done = 0;
  int error = 0;
  while (done < unwritten_.size()) {
    if (fd_ < 0) {
      error = errno;
      break;
    }
    const ssize_t n = ::write(fd_, unwritten_.data() + done, unwritten_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += std::size_t(n);
  }
  file_bytes_ += done;
  unwritten_.erase(0, done);
  if (unwritten_.empty()) return true;
  write_errors_.inc(0);
  note_result(false, error);
  return false;
}

// Logs the first failure at once, later ones at most every kErrorLogEvery, and the recovery.
void Recorder::note_result(bool ok, int error) {
  const bool was_failing = failing_->exchange(!ok, std::memory_order_relaxed);
  if (ok) {
    if (was_failing) log::info("record: writing again", {{"path", options_.path}});
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (was_failing && now < next_error_log_) {
    ++errors_not_logged_;
    return;
  }
  next_error_log_ = now + kErrorLogEvery;
  const std::string others = std::to_string(errors_not_logged_);
  errors_not_logged_ = 0;
  log::error(
      options_.required ? "record: cannot write, events refused with 503 until it can"
                        : "record: cannot write, accepted events wait in memory and are retried",
      {{"path", options_.path}, {"error", error_text(error)}, {"errors_not_logged", others, true}});
}

// FILE.N-1 → FILE.N, …, FILE → FILE.1, and a new FILE. Only for a regular file: a device
// or a pipe is written on and never renamed.
void Recorder::rotate() {
  struct stat status {};
  if (fd_ < 0 || ::fstat(fd_, &status) != 0 || !S_ISREG(status.st_mode)) return;
  ::close(fd_);
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
  fd_ = open_append(base);
  file_bytes_ = 0;
}

}  // namespace gbrt::net
