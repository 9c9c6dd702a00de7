// embed_existing_io_context: an existing Asio service that owns its io_context and serves
// its own HTTP routes, and takes GitBook events on the same port and the same executor.
//
// Why the service routes the events itself: gbrt::net::Server owns its listener (one
// acceptor, its own routes), so it cannot share a port with routes it does not know. A
// service with its own HTTP stack keeps it, and hands the event requests to the runtime
// with Runtime::handle(), which gives them gbrt's whole path after the HTTP layer:
// parsing, admission, deadline, handlers, metrics, the GitBook answer. The runtime runs on
// the service's executor (Runtime's executors constructor, which takes the io_context's own
// executor type), so handlers share the thread with the rest of the service, and
// signatures are checked with gbrt::net's verifier.
// (A service content with a second port can instead run a gbrt::net::Server beside its
// own listener on the same runtime: see examples/hello_handlers.)
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace embed {

class Service {
 public:
  // Port 0 picks a free one. An empty secret leaves events unsigned.
  Service(std::uint16_t port, std::string secret);
  ~Service();

  // Starts the service's thread (one io_context, one thread: the service's own model).
  void start();
  // Closes the listener; connections open go on.
  void stop_accepting();
  // Drains gbrt's work, then stops the io_context and joins its thread.
  void stop();
  gbrt::Runtime& runtime() { return runtime_; }
  std::uint16_t port() const { return port_; }
  boost::asio::io_context& io() { return io_; }
  std::uint64_t orders_seen() const { return orders_seen_.load(); }
  std::uint64_t page_views() const { return page_views_.load(); }
  // True if every handler ran on the service's own thread.
  bool handlers_on_service_thread() const { return !handler_elsewhere_.load(); }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  gbrt::Runtime runtime_;
  gbrt::net::SignatureVerifier verifier_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> orders_seen_{0};
  std::atomic<std::uint64_t> page_views_{0};
  std::atomic<bool> handler_elsewhere_{false};
};

}  // namespace embed
