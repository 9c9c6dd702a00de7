// TlsSocket against a real OpenSSL client (Asio's ssl::stream) over loopback.
#include "tls_socket.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "support/tcp_segments.hpp"
#include "support/test_ca.hpp"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using Server = gbrt::net::TlsSocket<tcp::socket>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

class TlsSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = gbrt::test::make_test_ca();
    server_context_.use_certificate_chain_file(ca_.server_cert);
    server_context_.use_private_key_file(ca_.server_key, asio::ssl::context::pem);
    client_context_.set_verify_mode(asio::ssl::verify_none);
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
  }
  void TearDown() override { gbrt::test::remove_test_ca(ca_); }

  // Runs `server` on an accepted connection and `client` on a connected, handshaken
  // ssl::stream, both to the end.
  template <class ServerSide, class ClientSide>
  void run(ServerSide server, ClientSide client) {
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          Server tls(co_await acceptor_.async_accept(asio::use_awaitable),
                     server_context_.native_handle());
          co_await server(tls);
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          asio::ssl::stream<tcp::socket> stream(io_, client_context_);
          if (client_receive_buffer_ != 0) {  // before the connection: its window follows
            stream.next_layer().open(tcp::v4());
            stream.next_layer().set_option(
                asio::socket_base::receive_buffer_size(client_receive_buffer_));
          }
          co_await stream.next_layer().async_connect(acceptor_.local_endpoint(),
                                                     asio::use_awaitable);
          auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kTuple);
          co_await client(stream, ec);
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io_.run();
  }

  // What the server's first read after the handshake ends with, `client` done.
  template <class ClientSide>
  error_code first_read_error(ClientSide client) {
    error_code server_ec;
    run(
        [&](Server& tls) -> asio::awaitable<void> {
          co_await tls.async_handshake(kTuple);
          char byte;
          std::tie(server_ec, std::ignore) =
              co_await tls.async_read_some(asio::buffer(&byte, 1), kTuple);
        },
        client);
    return server_ec;
  }

  int client_receive_buffer_ = 0;  // the system's when 0
  gbrt::test::TestCa ca_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::v4()};
  asio::ssl::context server_context_{asio::ssl::context::tls_server};
  asio::ssl::context client_context_{asio::ssl::context::tls_client};
};

std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

TEST_F(TlsSocketTest, EchoesMoreThanTheSocketBuffersHoldBothWays) {
  const std::string sent = pattern(600 * 1024);  // many records; the writes must wait
  std::string echoed;
  run(
      [&](Server& tls) -> asio::awaitable<void> {
        const int small = 4096;
        ::setsockopt(tls.next_layer().native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        auto [handshake_ec] = co_await tls.async_handshake(kTuple);
        EXPECT_FALSE(handshake_ec) << handshake_ec.message();
        std::string got(sent.size(), '\0');
        auto [read_ec, n] = co_await asio::async_read(tls, asio::buffer(got), kTuple);
        EXPECT_FALSE(read_ec) << read_ec.message();
        // Two buffers: they go out as one gather write per call.
        const std::array<asio::const_buffer, 2> halves{asio::buffer(got.data(), 1000),
                                                       asio::buffer(got.data() + 1000, n - 1000)};
        auto [write_ec, written] = co_await asio::async_write(tls, halves, kTuple);
        EXPECT_FALSE(write_ec) << write_ec.message();
        EXPECT_EQ(written, sent.size());
        auto [shutdown_ec] = co_await tls.async_shutdown(kTuple);
        EXPECT_FALSE(shutdown_ec) << shutdown_ec.message();
      },
      [&](auto& stream, error_code ec) -> asio::awaitable<void> {
        EXPECT_FALSE(ec) << ec.message();
        co_await asio::async_write(stream, asio::buffer(sent), asio::use_awaitable);
        echoed.resize(sent.size());
        auto [read_ec, n] = co_await asio::async_read(stream, asio::buffer(echoed), kTuple);
        EXPECT_FALSE(read_ec) << read_ec.message();
        // Then the server's close_notify: the end of the stream, not a truncation.
        char byte;
        auto [end_ec, none] = co_await stream.async_read_some(asio::buffer(&byte, 1), kTuple);
        EXPECT_EQ(end_ec, asio::error::eof) << end_ec.message();
      });
  EXPECT_TRUE(echoed == sent);
}

TEST_F(TlsSocketTest, APeersCloseNotifyIsEndOfStream) {
  const error_code server_ec =
      first_read_error([](auto& stream, error_code) -> asio::awaitable<void> {
        co_await stream.async_shutdown(kTuple);  // sends close_notify, waits for the server's
      });
  EXPECT_EQ(server_ec, asio::error::eof) << server_ec.message();
}

TEST_F(TlsSocketTest, ATcpCloseWithoutCloseNotifyIsATruncatedStream) {
  const error_code server_ec =
      first_read_error([](auto& stream, error_code) -> asio::awaitable<void> {
        stream.next_layer().close();
        co_return;
      });
  EXPECT_EQ(server_ec, asio::ssl::error::stream_truncated) << server_ec.message();
}

TEST_F(TlsSocketTest, PlainHttpInsteadOfAHandshakeIsATlsError) {
  error_code handshake_ec;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        Server tls(co_await acceptor_.async_accept(asio::use_awaitable),
                   server_context_.native_handle());
        std::tie(handshake_ec) = co_await tls.async_handshake(kTuple);
      },
      asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket(io_);
        co_await socket.async_connect(acceptor_.local_endpoint(), asio::use_awaitable);
        co_await asio::async_write(socket, asio::buffer(std::string_view("GET / HTTP/1.1\r\n\r\n")),
                                   asio::use_awaitable);
        char sink[256];
        co_await socket.async_read_some(asio::buffer(sink), kTuple);  // the alert, or EOF
      },
      asio::detached);
  io_.run();
  ASSERT_TRUE(handshake_ec);
  EXPECT_EQ(handshake_ec.category(), asio::error::get_ssl_category()) << handshake_ec.message();
}

// The sweep closes a connection's socket; its descriptor may then belong to a new
// connection, which a late close_notify or write must not reach.
TEST_F(TlsSocketTest, AfterItsSocketClosesItNeverWritesAgain) {
  error_code write_ec, shutdown_ec, nonblocking_ec;
  std::size_t nonblocking_n = 1;
  run(
      [&](Server& tls) -> asio::awaitable<void> {
        co_await tls.async_handshake(kTuple);
        tls.next_layer().close();
        std::tie(write_ec, std::ignore) =
            co_await tls.async_write_some(asio::buffer(std::string_view("late")), kTuple);
        std::tie(shutdown_ec) = co_await tls.async_shutdown(kTuple);
        nonblocking_n = tls.write_some(asio::buffer(std::string_view("late")), nonblocking_ec);
      },
      [&](auto&, error_code) -> asio::awaitable<void> { co_return; });
  EXPECT_EQ(write_ec, asio::error::bad_descriptor);
  EXPECT_EQ(shutdown_ec, asio::error::bad_descriptor);
  EXPECT_EQ(nonblocking_ec, asio::error::bad_descriptor);
  EXPECT_EQ(nonblocking_n, 0u);
}

// What OpenSSL has read (the rest of a record, or records read ahead) is not in the socket:
// the next read must find it without waiting for the socket, which stays unreadable.
TEST_F(TlsSocketTest, BytesOpenSslHoldsAreReadWithoutWaitingForTheSocket) {
  std::string first(5, '\0'), second(5, '\0');
  bool pending_between = false;
  run(
      [&](Server& tls) -> asio::awaitable<void> {
        co_await tls.async_handshake(kTuple);
        co_await asio::async_read(tls, asio::buffer(first), kTuple);
        pending_between = tls.has_pending();
        co_await asio::async_read(tls, asio::buffer(second), kTuple);
        co_await tls.async_write_some(asio::buffer(std::string_view("k")), kTuple);
      },
      [&](auto& stream, error_code) -> asio::awaitable<void> {
        co_await asio::async_write(stream, asio::buffer(std::string_view("one..two..")),
                                   asio::use_awaitable);
        char ack;
        co_await asio::async_read(stream, asio::buffer(&ack, 1), kTuple);
      });
  EXPECT_EQ(first, "one..");
  EXPECT_EQ(second, "two..");
  EXPECT_TRUE(pending_between);
}

// Each send is a system call and a TCP segment for both ends. After a TLS 1.3 handshake the
// session tickets wait for the first answer, and the last answer for close_notify: after
// its handshake flight the server sends one segment (tickets, answer and close_notify).
TEST_F(TlsSocketTest, TicketsAnswerAndCloseNotifyGoInOneSegment) {
  std::string request(3, '\0'), answer(6, '\0');
  std::uint32_t segments = 0;
  error_code end_ec;
  run(
      [&](Server& tls) -> asio::awaitable<void> {
        co_await tls.async_handshake(kTuple);
        // The request is in (with the client's Finished, or after it) before the read.
        if (!tls.has_pending()) {
          co_await tls.next_layer().async_wait(tcp::socket::wait_read, asio::use_awaitable);
        }
        co_await asio::async_read(tls, asio::buffer(request), kTuple);
        tls.hold_writes_until_shutdown();
        error_code write_ec;
        EXPECT_EQ(tls.write_some(asio::buffer(std::string_view("answer")), write_ec), 6u);
        EXPECT_FALSE(write_ec) << write_ec.message();
        auto [shutdown_ec] = co_await tls.async_shutdown(kTuple);
        EXPECT_FALSE(shutdown_ec) << shutdown_ec.message();
        segments = gbrt::test::data_segments_sent(tls.next_layer().native_handle());
      },
      [&](auto& stream, error_code ec) -> asio::awaitable<void> {
        EXPECT_FALSE(ec) << ec.message();
        co_await asio::async_write(stream, asio::buffer(std::string_view("GET")),
                                   asio::use_awaitable);
        co_await asio::async_read(stream, asio::buffer(answer), kTuple);
        char byte;
        std::tie(end_ec, std::ignore) =
            co_await stream.async_read_some(asio::buffer(&byte, 1), kTuple);
      });
  EXPECT_EQ(request, "GET");
  EXPECT_EQ(answer, "answer");
  EXPECT_EQ(end_ec, asio::error::eof) << end_ec.message();  // close_notify came
  if (segments == 0) GTEST_SKIP() << "the kernel does not count segments (TCP_INFO)";
  EXPECT_EQ(segments, 2u);  // the handshake flight, then the rest
}

// A held answer larger than the socket then takes: what is held goes out in pieces, in
// order, before close_notify.
TEST_F(TlsSocketTest, AHeldAnswerTheSocketTakesInPiecesArrivesWhole) {
  const std::string sent = pattern(64 * 1024 + 16000);
  const std::size_t last = 16000;  // a record's worth, held
  std::string got(sent.size(), '\0');
  error_code end_ec;
  client_receive_buffer_ = 4096;  // a small window: the held record cannot go at once
  run(
      [&](Server& tls) -> asio::awaitable<void> {
        const int small = 4096;
        ::setsockopt(tls.next_layer().native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        co_await tls.async_handshake(kTuple);
        auto [write_ec, written] =
            co_await asio::async_write(tls, asio::buffer(sent.data(), sent.size() - last), kTuple);
        EXPECT_FALSE(write_ec) << write_ec.message();
        tls.hold_writes_until_shutdown();
        error_code last_ec;
        EXPECT_EQ(tls.write_some(asio::buffer(sent.data() + written, last), last_ec), last);
        EXPECT_FALSE(last_ec) << last_ec.message();
        EXPECT_TRUE(tls.holds_output());
        auto [shutdown_ec] = co_await tls.async_shutdown(kTuple);
        EXPECT_FALSE(shutdown_ec) << shutdown_ec.message();
        EXPECT_FALSE(tls.holds_output());
      },
      [&](auto& stream, error_code) -> asio::awaitable<void> {
        // Pauses while the server's sends fill the sockets: before the rest, and before the
        // held record.
        asio::steady_timer pause(stream.get_executor());
        for (std::size_t from = 0, part = sent.size() - last; from < sent.size();) {
          pause.expires_after(std::chrono::milliseconds(50));
          co_await pause.async_wait(asio::use_awaitable);
          co_await asio::async_read(stream, asio::buffer(got.data() + from, part), kTuple);
          from += part;
          part = last;
        }
        char byte;
        std::tie(end_ec, std::ignore) =
            co_await stream.async_read_some(asio::buffer(&byte, 1), kTuple);
      });
  EXPECT_TRUE(got == sent);
  EXPECT_EQ(end_ec, asio::error::eof) << end_ec.message();
}

// A read that waits for the peer sends what is held first: the peer may be waiting for it.
TEST_F(TlsSocketTest, AReadThatWaitsSendsTheHeldTicketsFirst) {
  std::string request(3, '\0');
  std::uint32_t before_read = 0, after_read = 0;
  run(
      [&](Server& tls) -> asio::awaitable<void> {
        co_await tls.async_handshake(kTuple);
        const int fd = tls.next_layer().native_handle();
        before_read = gbrt::test::data_segments_sent(fd);
        co_await asio::async_read(tls, asio::buffer(request), kTuple);
        after_read = gbrt::test::data_segments_sent(fd);
      },
      [&](auto& stream, error_code) -> asio::awaitable<void> {
        // The request 50 ms after the handshake: the server's read waits for it, and sends
        // the held tickets first.
        asio::steady_timer pause(stream.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::use_awaitable);
        co_await asio::async_write(stream, asio::buffer(std::string_view("GET")),
                                   asio::use_awaitable);
      });
  EXPECT_EQ(request, "GET");
  if (before_read == 0) GTEST_SKIP() << "the kernel does not count segments (TCP_INFO)";
  EXPECT_EQ(before_read, 1u);  // the flight; the tickets held
  EXPECT_EQ(after_read, 2u);   // sent before the read waited
}

}  // namespace
