// libnats' external event loop on a shard's executor: the connection's socket is read and
// written (natsConnection_ProcessReadEvent / ProcessWriteEvent) on the shard's own thread,
// so libnats starts no reader or flusher thread for it and a publish never wakes another
// thread. libnats may still call in from its reconnect and timer threads (attach, a PING's
// write); those calls only record what it asked and post the work to the shard.
#pragma once

#include <nats/nats.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace gbrt::forward {

class NatsEventLoop {
 public:
  // `after_read` runs on the executor after each read event (the owner drains its
  // subscriptions there).
  NatsEventLoop(boost::asio::any_io_executor executor, std::function<void()> after_read);
  // Only once the connection is destroyed and the executor no longer runs this loop's work
  // (its thread stopped, or the work finished).
  ~NatsEventLoop();
  NatsEventLoop(const NatsEventLoop&) = delete;
  NatsEventLoop& operator=(const NatsEventLoop&) = delete;

  // Makes connections created with `options` use this loop (one connection per loop).
  natsStatus install(natsOptions* options);
  // On the executor: reads now if the socket holds unread bytes. A safety net, called by the
  // owner's periodic sweep: Asio's wait completes on an edge of readiness only.
  void read_if_pending();

 private:
  static natsStatus on_attach(void** user, void* loop, natsConnection* nc, natsSock socket);
  static natsStatus on_read(void* user, bool add);
  static natsStatus on_write(void* user, bool add);
  static natsStatus on_detach(void* user);
  // From any thread, with the state's mutex held: apply() will see the change.
  // Polling for reads or writes started or stopped, as libnats asks (on any thread).
  natsStatus want(bool NatsEventLoop::*interest, bool add);
  void changed();
  // On the executor: brings the socket and its waits in line with what libnats asked.
  void apply();
  void read_now();
  void wait_readable();
  bool has_unread_bytes();

  boost::asio::any_io_executor executor_;
  std::function<void()> after_read_;

  std::mutex mutex_;  // what libnats asked, from whichever thread it asked it
  natsConnection* connection_ = nullptr;
  int adopt_ = -1;  // a duplicate of the newest socket, not wrapped yet
  bool want_read_ = false;
  bool want_write_ = false;
  bool dirty_ = false;
  bool apply_posted_ = false;
  bool applying_ = false;

  // Executor only. The socket is our own duplicate of libnats' descriptor: libnats closes
  // its own whenever it drops a connection, and Asio must close what it registered.
  std::optional<boost::asio::posix::stream_descriptor> socket_;
  std::uint64_t generation_ = 0;  // of socket_: a wait of an older one ends without effect
  bool reading_ = false;          // a read wait is queued
  bool writing_ = false;          // a write wait is queued
};

}  // namespace gbrt::forward
