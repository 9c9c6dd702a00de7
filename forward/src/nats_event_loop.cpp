#include "nats_event_loop.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

namespace gbrt::forward {

namespace asio = boost::asio;

NatsEventLoop::NatsEventLoop(asio::any_io_executor executor, std::function<void()> after_read)
    : executor_(std::move(executor)), after_read_(std::move(after_read)) {}

NatsEventLoop::~NatsEventLoop() {
  socket_.reset();
  if (adopt_ >= 0) ::close(adopt_);
}

natsStatus NatsEventLoop::install(natsOptions* options) {
  return natsOptions_SetEventLoop(options, this, on_attach, on_read, on_write, on_detach);
}

natsStatus NatsEventLoop::on_attach(void** user, void* loop, natsConnection* nc, natsSock socket) {
  auto* self = static_cast<NatsEventLoop*>(loop);
  *user = self;
  // Duplicated now, on libnats' thread: it may close its descriptor (and the number be
  // reused) before the shard gets to wrap it.
  const int copy = ::fcntl(socket, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return NATS_SYS_ERROR;
  std::lock_guard lock(self->mutex_);
  if (self->adopt_ >= 0) ::close(self->adopt_);
  self->adopt_ = copy;
  self->connection_ = nc;
  self->want_read_ = true;  // an attached connection is always read
  self->changed();
  return NATS_OK;
}

natsStatus NatsEventLoop::on_read(void* user, bool add) {
  return static_cast<NatsEventLoop*>(user)->want(&NatsEventLoop::want_read_, add);
}

natsStatus NatsEventLoop::on_write(void* user, bool add) {
  return static_cast<NatsEventLoop*>(user)->want(&NatsEventLoop::want_write_, add);
}

natsStatus NatsEventLoop::want(bool NatsEventLoop::*interest, bool add) {
  std::lock_guard lock(mutex_);
  this->*interest = add;
  changed();
  return NATS_OK;
}

natsStatus NatsEventLoop::on_detach(void* user) {
  auto* self = static_cast<NatsEventLoop*>(user);
  std::lock_guard lock(self->mutex_);
  self->connection_ = nullptr;
  self->want_read_ = self->want_write_ = false;
  self->changed();
  return NATS_OK;
}

// libnats calls with its connection lock held, often from the shard itself (a publish asks
// for a write): the work is posted, once for any number of requests before it runs, so a
// shard turn's publishes leave in one write.
void NatsEventLoop::changed() {
  dirty_ = true;
  if (applying_ || apply_posted_) return;
  apply_posted_ = true;
  asio::post(executor_, [this] { apply(); });
}

void NatsEventLoop::apply() {
  std::unique_lock lock(mutex_);
  apply_posted_ = false;
  applying_ = true;
  while (dirty_) {
    dirty_ = false;
    const int adopt = std::exchange(adopt_, -1);
    const bool read = want_read_;
    const bool write = want_write_;
    natsConnection* const nc = connection_;
    lock.unlock();
    if (adopt >= 0 || (!read && socket_)) {
      // A new socket, or libnats stopped polling (it dropped the connection): waits of the
      // old one end without effect.
      socket_.reset();
      ++generation_;
      reading_ = writing_ = false;
      if (adopt >= 0) socket_.emplace(executor_, adopt);
    }
    if (read) wait_readable();
    if (write && !writing_ && nc != nullptr && socket_) {
      natsConnection_ProcessWriteEvent(nc);  // all of it, unless the socket's buffer is full
      lock.lock();
      const bool more = want_write_;
      lock.unlock();
      if (more && socket_) {
        writing_ = true;
        socket_->async_wait(asio::posix::stream_descriptor::wait_write,
                            [this, generation = generation_](const boost::system::error_code& ec) {
                              if (generation != generation_) return;
                              writing_ = false;
                              if (ec == asio::error::operation_aborted) return;
                              std::lock_guard relock(mutex_);
                              changed();
                            });
      }
    }
    lock.lock();
  }
  applying_ = false;
}

void NatsEventLoop::read_now() {
  natsConnection* nc = nullptr;
  {
    std::lock_guard lock(mutex_);
    nc = connection_;
  }
  // One read of up to the connection's buffer size (libnats' choice, for fairness).
  if (nc != nullptr) natsConnection_ProcessReadEvent(nc);
  after_read_();
  wait_readable();
}

// A wait completes on the next edge of readiness only (Asio registers the socket edge-
// triggered), so bytes already there are read at once instead of waited for.
void NatsEventLoop::wait_readable() {
  if (!socket_ || reading_) return;
  {
    std::lock_guard lock(mutex_);
    if (!want_read_) return;
  }
  reading_ = true;
  auto done = [this, generation = generation_](const boost::system::error_code& ec) {
    if (generation != generation_) return;
    reading_ = false;
    if (ec == asio::error::operation_aborted) return;
    read_now();
  };
  if (has_unread_bytes()) {
    asio::post(executor_, [done = std::move(done)] { done({}); });
  } else {
    socket_->async_wait(asio::posix::stream_descriptor::wait_read, std::move(done));
  }
}

void NatsEventLoop::read_if_pending() {
  if (socket_ && has_unread_bytes()) read_now();
}

// Bytes to read, or the peer's end of the stream (FIONREAD says 0 then, and the edge that
// announced it may be gone): either way libnats must read, or a closed connection goes
// unnoticed until a write or a ping fails.
bool NatsEventLoop::has_unread_bytes() {
  pollfd ready{.fd = socket_->native_handle(), .events = POLLIN | POLLRDHUP, .revents = 0};
  return ::poll(&ready, 1, 0) == 1 && (ready.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR));
}

}  // namespace gbrt::forward
