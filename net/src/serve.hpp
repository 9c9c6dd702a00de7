// The request loop of one connection, for any Beast stream: a plain TCP socket or TLS over
// one in production, Beast's in-memory test stream in tests. Reads a request into an event slot
// from the shard's pool, routes it, answers, repeats while keep-alive; one request at a time.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <gbrt/runtime/log.hpp>

#include "await_op.hpp"
#include "batch.hpp"
#include "deadline.hpp"
#include "header_text.hpp"
#include "padded_body.hpp"
#include "request_parser.hpp"
#include "response.hpp"
#include "server_state.hpp"
#include "transfer_coding.hpp"

namespace gbrt::net {

inline constexpr std::size_t kHeaderLimit = 16 * 1024;    // the whole header block: 431
inline constexpr std::size_t kMaxRequestLine = 8 * 1024;  // the request line or URL: 414
// The first block of a request's header fields: GitBook's requests fit in it. With the
// arena's own bookkeeping (libstdc++ adds a header and rounds up to 64) it is one 2 KiB
// block of the shard's pool.
inline constexpr std::size_t kFieldBlock = 2048 - 64;

// A request's parser and the arena its kept header fields live in: one block of the shard's
// pool, given back whole when the request ends (one pool allocation per request, not one
// per field).
struct RequestInProgress {
  explicit RequestInProgress(std::pmr::memory_resource& upstream)
      : fields_memory(kFieldBlock, &upstream), parser(FieldAllocator(&fields_memory)) {}
  std::pmr::monotonic_buffer_resource fields_memory;
  RequestParser parser;
};

// What the request loop needs from its transport besides the stream, and what it keeps per
// connection. The runtime asks it to watch for the client leaving (ClientWatch) once an
// event's handlers run a while.
struct ConnectionEvents : runtime::ClientWatch {
  bool idle = false;  // waiting for a request (a drain closes such connections at once)
  Deadline deadline;  // of the current phase; the shard's sweep closes the socket past it
  void start_watching() override {}
  // With ServerOptions::access_log: the event of the request being answered, copied.
  std::string event_id, event_type;
  // With --record: the event's bytes, kept until its answer says whether it was accepted.
  std::string recorded_event;
  virtual void handling_started() {}
  virtual void handling_finished() {}

  // Here, not in serve()'s coroutine frame: that frame lives as long as the connection, and
  // Asio's recycling cache takes frames of 1,020 bytes at most (a larger one is a malloc
  // per connection that also evicts a cached block an event's frame then misses).
  std::optional<RequestInProgress> request;  // the request being read and answered
  runtime::Answer answer;                    // its answer, until formatted
  ResponseWriter response;  // reused: its buffers keep their memory across requests
};

// Where a request goes once routed: answered at once, or its slot's event or batch runs on
// the runtime. Routing is not a coroutine: an event costs no frame before the runtime's.
enum class Routed { answered, event, batch };

// Routes one request and prepares what runs: the signature, content type and parse into
// `slot`. Routed::answered: `answer` is set. `allow` is set for 405s.
Routed route_request(Server::State& state, runtime::Shard& shard, const RequestParser& request,
                     runtime::EventSlot& slot, ConnectionEvents& events, std::string_view& allow,
                     runtime::Answer& answer);

// After the runtime answered an event that route_request() prepared.
void event_answered(Server::State& state, runtime::Shard& shard, const runtime::Answer& answer,
                    ConnectionEvents& events);

namespace detail {

// The access log's line for one answered request.
inline void log_access(std::string_view method, std::string_view target, unsigned status,
                       std::size_t bytes, std::chrono::steady_clock::duration took,
                       const ConnectionEvents& events) {
  const std::string status_text = std::to_string(status), bytes_text = std::to_string(bytes);
  const std::string micros =
      std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  std::string_view path = clip_for_echo(target_path(target));
  if (events.event_id.empty() && events.event_type.empty()) {
    log::info("request", {{"method", method},
                          {"path", path},
                          {"status", status_text, true},
                          {"bytes", bytes_text, true},
                          {"duration_us", micros, true}});
  } else {
    log::info("request", {{"method", method},
                          {"path", path},
                          {"status", status_text, true},
                          {"bytes", bytes_text, true},
                          {"duration_us", micros, true},
                          {"event_id", events.event_id},
                          {"event_type", events.event_type}});
  }
}

// Counts a request as busy for its scope (the drain waits for busy requests). The count is
// the shard's own: its one writer adds without a locked instruction.
struct Busy {
  explicit Busy(std::atomic<std::size_t>& c) : count(c) { add(1); }
  ~Busy() { add(std::size_t(-1)); }
  void add(std::size_t n) {
    count.store(count.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }
  std::atomic<std::size_t>& count;
};

// The connection's request in progress, for the scope of one request (from the wait for its
// first byte to its answer): its parser, then its fields' block, go when the request ends.
class RequestScope {
 public:
  RequestScope(ConnectionEvents& events, std::pmr::memory_resource& upstream) : events_(events) {
    events_.request.emplace(upstream);
  }
  ~RequestScope() { events_.request.reset(); }
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
  RequestParser& parser() noexcept { return events_.request->parser; }

 private:
  ConnectionEvents& events_;
};

// The event slot a request's body is read into, taken with the request's first bytes.
inline runtime::SlotPtr take_slot(Server::State& state, runtime::Shard& shard,
                                  RequestParser& parser) {
  runtime::SlotPtr slot = shard.slots().acquire();
  parser.get().body() = {&slot->body, &state.body_memory, state.options.max_body};
  return slot;
}

// Whether a request is refused once its header is in, with its body left unread (then the
// connection closes): `answer` says why. A plain function: the optional it looks at stays
// out of serve()'s frame.
template <class Fields>
bool refused_for_framing(const Fields& fields, runtime::Answer& answer) {
  auto problem = transfer_coding_problem(fields);
  if (problem) answer = std::move(*problem);
  return problem.has_value();
}

// Feeds `parser` what `buffer` holds, up to the end of the header (header_only) or of the
// message. need_more: it wants more bytes. Beast's parser, without Beast's composed read:
// that one posts its completion when the bytes were already buffered (an operation per
// request that, with many connections ready at once, overflows Asio's recycling cache).
template <class Parser>
boost::system::error_code parse_buffered(Parser& parser, boost::beast::flat_buffer& buffer,
                                         bool header_only) {
  boost::system::error_code ec;
  parser.eager(!header_only);
  while (!(header_only ? parser.is_header_done() : parser.is_done())) {
    if (buffer.size() == 0) return boost::beast::http::error::need_more;
    buffer.consume(parser.put(buffer.data(), ec));
    if (ec) return ec;
  }
  return ec;
}

// Room for the next read, as Beast's own read gives it; 0 once the buffer is at its limit
// (that read then gets nothing, and read_end says buffer_overflow).
inline std::size_t read_room(const boost::beast::flat_buffer& buffer) {
  return boost::beast::read_size(buffer, 65536);
}

// What a read of `n` bytes that ended with `ec` means for the message being parsed (as in
// Beast's read): nothing to say (go on parsing), or the error that ends the message.
template <class Parser>
boost::system::error_code read_end(Parser& parser, boost::system::error_code ec, std::size_t n) {
  if (!ec) return n == 0 ? boost::beast::http::error::buffer_overflow : ec;
  if (ec != boost::asio::error::eof) return ec;
  if (!parser.got_some()) return boost::beast::http::error::end_of_stream;
  ec = {};
  parser.put_eof(ec);  // a request cannot end at EOF: partial_message
  return ec;
}

// Whether a read error means the connection is gone (nothing to answer), not a bad request.
inline bool connection_ended(const boost::system::error_code& ec) {
  namespace error = boost::asio::error;
  if (!ec) return false;  // the common case, without comparing categories
  return ec == boost::beast::http::error::end_of_stream || ec == error::connection_reset ||
         ec == error::eof || ec == error::operation_aborted || ec == error::bad_descriptor;
}

// The answer to a request that could not be read whole (`target`: as far as Beast got).
inline runtime::Answer read_error_answer(const boost::system::error_code& ec,
                                         std::string_view target, std::size_t max_body) {
  namespace http = boost::beast::http;
  if (ec == http::error::body_limit) {
    return runtime::Answer::error(
        413, "Request body larger than the limit of " + std::to_string(max_body) + " bytes");
  }
  if (ec == body_memory_exhausted()) {
    return runtime::Answer::unavailable(
        "Too many request bodies being received at once (--max-body-memory), retry later",
        std::chrono::seconds(1));
  }
  if (ec == http::error::header_limit) {
    // The request line never completed (or too long a target): a URL too long; else the
    // header fields are too large. Beast sets the target once the request line is parsed.
    if (target.empty() || target.size() > kMaxRequestLine) {
      return runtime::Answer::error(414, "Request line longer than 8192 bytes");
    }
    return runtime::Answer::error(431, "Request header fields larger than 16384 bytes");
  }
  return runtime::Answer::error(400, "Malformed HTTP request: " + ec.message());
}

// Writes what a non-blocking socket takes at once (a small answer, whole) and returns the
// buffers left: only those wait for the socket to be writable. Saves the scheduler round
// trip and the operation state Asio's async_write costs even when the kernel takes it all.
// `last`: the connection's last answer, whose FIN shutdown_send() sends right after. Its bytes
// wait for it (MSG_MORE), so that both leave in one packet: one packet less for the kernel to
// send and the client to acknowledge, on the connection-per-request pattern. TLS ignores it:
// its last answer already waits for close_notify.
template <class Stream>
std::array<boost::asio::const_buffer, 2> write_now(Stream& stream,
                                                   std::array<boost::asio::const_buffer, 2> buffers,
                                                   bool last, boost::system::error_code& ec) {
  if constexpr (requires { stream.non_blocking(); }) {
    if (!stream.non_blocking()) return buffers;
    const boost::asio::socket_base::message_flags flags = last ? MSG_MORE : 0;
    auto send_now = [&](const auto& what) {
      if constexpr (requires { stream.send(what, flags, ec); }) {  // a TCP socket
        return stream.send(what, flags, ec);
      } else {
        return stream.write_some(what, ec);
      }
    };
    // One buffer goes with send(): less work for the kernel than sendmsg()'s vector.
    std::size_t sent = buffers[1].size() == 0 ? send_now(buffers[0]) : send_now(buffers);
    if (ec && (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again)) {
      ec = {};
    }
    for (auto& buffer : buffers) {
      const std::size_t taken = std::min(sent, buffer.size());
      buffer += taken;
      sent -= taken;
    }
  }
  return buffers;
}

// Where the next bytes of a body go: in place when read_in_place() found room, else the
// connection's buffer.
inline boost::asio::mutable_buffer body_room(boost::asio::mutable_buffer in_place,
                                             boost::beast::flat_buffer& buffer) {
  return in_place.size() != 0 ? in_place : buffer.prepare(read_room(buffer));
}

// Whether the stream itself holds bytes read from the socket (TLS: records OpenSSL read).
template <class Stream>
bool holds_bytes(const Stream& stream) {
  if constexpr (requires { stream.has_pending(); }) {
    return stream.has_pending();
  } else {
    return false;
  }
}

// Ends the sending side: TLS close_notify first when there is TLS, then TCP's FIN.
template <class Stream>
runtime::ShardAwaitable<void> shutdown_send(Stream& stream, Deadline& deadline) {
  boost::system::error_code ignored;
  if constexpr (requires { stream.async_shutdown(boost::asio::use_awaitable); }) {
    // A held last answer keeps its write deadline; close_notify alone gets 2 s.
    if (!stream.holds_output()) deadline.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(await_op<Stream>);
  }
  auto& lowest = boost::beast::get_lowest_layer(stream);
  if constexpr (requires { lowest.shutdown(boost::asio::socket_base::shutdown_send); }) {
    lowest.shutdown(boost::asio::socket_base::shutdown_send, ignored);
  } else {
    lowest.close();
  }
}

// After an error that leaves request bytes unread, closing at once would make the kernel
// reset the connection, and the client could lose the answer: read and drop for a while.
// Into the connection's read buffer, not a sink in this frame (which Asio would not recycle).
template <class Stream>
runtime::ShardAwaitable<void> linger_close(Stream& stream, boost::beast::flat_buffer& buffer,
                                           Deadline& deadline) {
  co_await shutdown_send(stream, deadline);
  deadline.expires_after(std::chrono::seconds(2));
  buffer.clear();
  for (std::size_t total = 0; total < (8u << 20);) {
    auto [read_ec, n] =
        co_await stream.async_read_some(buffer.prepare(read_room(buffer)), await_op<Stream>);
    if (read_ec) break;
    total += n;
  }
}

// Writes what the socket did not take at once (write_now): a large answer, a slow client, a
// stream without non-blocking writes. A coroutine of its own, so that serve()'s frame holds
// no write operation for the answers that go at once.
template <class Stream>
runtime::ShardAwaitable<void> write_rest(Stream& stream,
                                         std::array<boost::asio::const_buffer, 2> buffers,
                                         boost::system::error_code& ec) {
  auto [write_ec, sent] = co_await boost::asio::async_write(stream, buffers, await_op<Stream>);
  ec = write_ec;
}

// "100 Continue", for an HTTP/1.1 client that waits for it before sending its body (curl
// does; an HTTP/1.0 client gets no 1xx, RFC 9110 15.2). A coroutine of its own: its write
// stays out of serve()'s frame, for a request that asks.
template <class Stream>
runtime::ShardAwaitable<boost::system::error_code> send_continue(Stream& stream) {
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  auto [ec, sent] =
      co_await boost::asio::async_write(stream, boost::asio::buffer(kContinue), await_op<Stream>);
  co_return ec;
}

}  // namespace detail

// Its coroutine frame lives as long as the connection: what it keeps across co_awaits stays
// small (the per-connection and per-request state is in `events`), so that Asio recycles it.
template <class Stream>
runtime::ShardAwaitable<void> serve(Server::State& state, runtime::Shard& shard, Stream& stream,
                                    boost::beast::flat_buffer& buffer, ConnectionEvents& events) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  const ServerOptions& options = state.options;
  ShardConnections& connections = *state.connections[shard.index()];
  while (!state.stopping) {
    // Idle until the request's first byte, then header_timeout for the header and
    // body_timeout for the body: a client that trickles bytes (slow loris) is cut off.
    // An idle connection holds no event slot, only its read buffer (and an empty parser).
    events.idle = buffer.size() == 0 && !detail::holds_bytes(stream);  // none pipelined
    // Just answered: the client has not had the time to send its next request, and a read
    // now mostly finds nothing (a system call for EAGAIN, then the wait). The shard's other
    // ready work goes first, as when a write completes through the scheduler: the read then
    // finds the request, and each wait for readiness brings back more of them.
    if (events.idle && !events.response.head().empty() &&  // answered one before
        connections.deferred_reads < ShardConnections::kMaxDeferredReads) {
      ++connections.deferred_reads;
      co_await asio::post(shard.executor(), kAwaitOp);
      --connections.deferred_reads;
    }
    events.deadline.expires_after(events.idle ? options.idle_timeout : options.header_timeout);
    runtime::SlotPtr slot;  // taken with the request's first bytes
    detail::RequestScope request(events, shard.memory());
    RequestParser& parser = request.parser();
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body);
    if (!events.idle) slot = detail::take_slot(state, shard, parser);
    boost::system::error_code read_ec;
    // One co_await for the wait and the header (each co_await adds its awaiter, operation
    // and result to the frame).
    while ((read_ec = detail::parse_buffered(parser, buffer, true)) == http::error::need_more) {
      auto [ec, n] = co_await stream.async_read_some(
          buffer.prepare(events.idle ? 4096 : detail::read_room(buffer)), await_op<Stream>);
      buffer.commit(n);
      if (events.idle) {
        events.idle = false;
        if (ec) break;  // the client left, was idle too long, or the server is stopping
        slot = detail::take_slot(state, shard, parser);
        events.deadline.expires_after(options.header_timeout);
        continue;
      }
      if ((read_ec = detail::read_end(parser, ec, n))) break;
    }
    // No slot: the connection ended before a request.
    if (!slot || events.deadline.expired || detail::connection_ended(read_ec)) break;
    detail::Busy busy(connections.busy);
    const auto started = options.access_log ? std::chrono::steady_clock::now()
                                            : std::chrono::steady_clock::time_point{};
    runtime::Answer& answer = events.answer;
    // Refused once the header is in, with the body left unread: then the connection closes.
    const bool refused = !read_ec && detail::refused_for_framing(parser.get(), answer);
    if (!read_ec && !refused && !parser.is_done()) {
      // curl and others wait for "100 Continue" before sending a large body.
      if (parser.get().version() >= 11 && ascii_iequals(parser.expect(), "100-continue")) {
        if (co_await detail::send_continue(stream)) break;
      }
      events.deadline.expires_after(options.body_timeout);
      while ((read_ec = detail::parse_buffered(parser, buffer, false)) == http::error::need_more) {
        // A warm slot's buffer that holds the whole body takes the rest straight from the
        // socket (no copy); else the bytes go through the connection's buffer.
        const auto in_place = read_in_place(parser, slot->body);
        auto [ec, n] =
            co_await stream.async_read_some(detail::body_room(in_place, buffer), await_op<Stream>);
        read_ec = {};  // read_end() says what a read of nothing means, in place or not
        if (in_place.size() == 0) {
          buffer.commit(n);
        } else if (n != 0) {
          parser.put(asio::buffer(in_place.data(), n), read_ec);
        }
        if (read_ec || (read_ec = detail::read_end(parser, ec, n))) break;
      }
      if (events.deadline.expired) break;  // too slow to answer it at all
    }

    std::string_view allow;
    bool close = true;
    unsigned version = 11;
    if (refused) {
      // refused_for_framing() wrote the answer
    } else if (read_ec) {
      answer = detail::read_error_answer(read_ec, parser.get().target(), options.max_body);
    } else if (parser.get().target().size() > kMaxRequestLine) {
      answer = runtime::Answer::error(414, "Request target longer than 8192 bytes");
    } else {
      events.deadline.expires_never();  // handlers have their own deadline
      const Routed routed = route_request(state, shard, parser, *slot, events, allow, answer);
      // One co_await for both: each co_await adds its own awaiter and result to the frame.
      if (routed != Routed::answered) {
        auto run = routed == Routed::event ? state.runtime.execute(std::move(slot), shard, &events)
                                           : handle_batch(state, shard, std::move(slot));
        answer = co_await std::move(run);
      }
      if (routed == Routed::event) event_answered(state, shard, answer, events);
      close = !parser.keep_alive() || state.stopping;
      version = parser.get().version();
    }
    const unsigned status = answer.status;
    events.response.format(std::move(answer), version, !close, allow,
                           !read_ec && parser.get().method() == http::verb::head);
    answer = {};  // format() took its body
    events.deadline.expires_after(options.write_timeout);
    if constexpr (requires { stream.hold_writes_until_shutdown(); }) {
      if (close) stream.hold_writes_until_shutdown();  // the answer goes with close_notify
    }
    boost::system::error_code write_ec;
    // The access log's line, which may wait for stderr, would come between an answer held for
    // its FIN and the FIN: with it on, the answer goes at once.
    const auto unsent = detail::write_now(stream, events.response.buffers(),
                                          close && !options.access_log, write_ec);
    if (!write_ec && asio::buffer_size(unsent) != 0) {
      co_await detail::write_rest(stream, unsent, write_ec);
    }
    state.runtime.metrics().http_request(shard.index(), status);
    if (options.access_log) {
      detail::log_access(parser.get().method_string(), parser.get().target(), status,
                         events.response.body_bytes(), std::chrono::steady_clock::now() - started,
                         events);
      events.event_id.clear();
      events.event_type.clear();
    }
    if (write_ec) break;
    if (close) {
      if (read_ec || refused) co_await detail::linger_close(stream, buffer, events.deadline);
      break;
    }
  }
  co_await detail::shutdown_send(stream, events.deadline);
}

}  // namespace gbrt::net
