// gbrt-beast-floor: the least a Beast HTTP/1.1 server on this machine costs per request, as
// the floor gbrt's figures are read against (issue 18). One thread, an io_context with
// concurrency hint 1, sockets on io_context::executor_type (no any_io_executor), one
// callback chain per connection: read_some into a flat buffer, Beast's request_parser (body
// limit, keep-alive), then the bytes gbrt-server writes for a handled event. With --verify,
// GitBook's signature checked by gbrt's own SignatureVerifier (401 on a bad one); with
// --parse, simdjson's DOM parse of each body too. With --multipart, the dispatcher's form
// decoded by gbrt's own decoder and its `event` and `environment` parts parsed; with
// --ndjson, a batch split into lines and each line parsed, answered with the counts gbrt
// writes. With --tls-cert/--tls-key, HTTPS through Beast's ssl_stream (TLS 1.2 or 1.3, as
// gbrt-server offers). Nothing else: no timeouts, routing, slots or runtime.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <gbrt/net/multipart.hpp>
#include <gbrt/net/signature.hpp>

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<asio::ip::tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, Executor>;
using TlsStream = boost::beast::ssl_stream<Socket>;

// What gbrt-server answers to a handled event (200 "OK"), byte for byte.
constexpr std::string_view kAnswer =
    "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nOK";
constexpr std::string_view kBadRequest =
    "HTTP/1.1 400 Bad Request\r\nServer: gbrt\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
constexpr std::string_view kUnauthorized =
    "HTTP/1.1 401 Unauthorized\r\nServer: gbrt\r\nContent-Length: 0\r\n\r\n";
constexpr std::size_t kBodyLimit = 1 << 20;

// What each body is: a Webhook's JSON, GitBook's dispatcher form, or an NDJSON batch.
enum class Format { json, multipart, ndjson };

struct Options {
  Format format = Format::json;
  bool parse = false;                     // json only: multipart and ndjson always parse
  std::uint64_t parsed = 0, invalid = 0;  // documents
  gbrt::net::SignatureVerifier verifier;  // with --verify: enabled()
  std::optional<asio::ssl::context> tls;  // with --tls-cert
};

// Unix seconds, read per request as gbrt's router does.
std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A connection over `Stream`: the socket, or Beast's ssl_stream over it (--tls-cert).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Options& options) : stream_(std::move(stream)), options_(options) {}

  void start() {
    if constexpr (requires { stream_.next_layer(); }) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                if (!ec) self->next_request();
                              });
    } else {
      next_request();
    }
  }

 private:
  void next_request() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parse_buffered();
  }

  // Feeds what the buffer holds to the parser; reads more while the request is incomplete.
  void parse_buffered() {
    boost::system::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) return refuse();
      if (used == 0) break;
    }
    if (parser_->is_done()) return answer();
    stream_.async_read_some(
        buffer_.prepare(16 * 1024),
        [self = this->shared_from_this()](boost::system::error_code read_ec, std::size_t n) {
          if (read_ec) return;  // EOF or reset: the session ends
          self->buffer_.commit(n);
          self->parse_buffered();
        });
  }

  void answer() {
    const std::string& body = parser_->get().body();
    // The same call gbrt's router makes: two SHA-256 runs from the key's precomputed states.
    if (options_.verifier.enabled() &&
        options_.verifier.verify(parser_->get()["X-GitBook-Signature"], body, unix_now()) !=
            gbrt::net::SignatureStatus::valid) {
      return reply(kUnauthorized);
    }
    switch (options_.format) {
      case Format::json:
        if (options_.parse) parse(body, 0, body.size());
        return reply(kAnswer);
      case Format::multipart:
        return answer_multipart(body);
      case Format::ndjson:
        return answer_batch(body);
    }
  }

  // simdjson's validating DOM parse of body[offset, offset + size), in place when the
  // body's capacity leaves simdjson's padding after it (a part or line inside the body
  // always does), else from simdjson's own copy.
  bool parse(const std::string& body, std::size_t offset, std::size_t size) {
    const bool room = body.capacity() - (offset + size) >= simdjson::SIMDJSON_PADDING;
    simdjson::dom::element document;
    if (json_.parse(body.data() + offset, size, !room).get(document) == simdjson::SUCCESS) {
      ++options_.parsed;
      return true;
    }
    ++options_.invalid;
    return false;
  }

  // The dispatcher's form, decoded as gbrt decodes it, then its two JSON parts parsed.
  void answer_multipart(const std::string& body) {
    gbrt::net::DispatcherForm form;
    const auto boundary = gbrt::net::multipart_boundary(parser_->get()[http::field::content_type]);
    if (!boundary || !gbrt::net::decode_dispatcher_form(body, *boundary, form).empty() ||
        !form.event || !form.environment || !parse(body, form.event->offset, form.event->size) ||
        !parse(body, form.environment->offset, form.environment->size)) {
      return refuse();
    }
    reply(kAnswer);
  }

  // One JSON event a line ("\r\n" too, blank lines skipped), each parsed; the answer
  // carries the counts gbrt's batch answer carries (the load generator checks them).
  void answer_batch(const std::string& body) {
    std::size_t accepted = 0, rejected = 0;
    for (std::size_t start = 0; start < body.size();) {
      const char* found =
          static_cast<const char*>(std::memchr(body.data() + start, '\n', body.size() - start));
      const std::size_t end = found == nullptr ? body.size() : std::size_t(found - body.data());
      std::size_t size = end - start;
      if (size != 0 && body[end - 1] == '\r') --size;
      if (size != 0) ++(parse(body, start, size) ? accepted : rejected);
      start = end + 1;
    }
    // Rejected lines are reported without their errors: the load counts them as such.
    batch_answer_ = "{\"accepted\":" + std::to_string(accepted) + ",\"rejected\":[";
    for (std::size_t i = 0; i < rejected; ++i) {
      batch_answer_ += i == 0 ? "{\"status\":400}" : ",{\"status\":400}";
    }
    batch_answer_ += "]}";
    const std::string length = std::to_string(batch_answer_.size());
    batch_answer_.insert(0,
                         "HTTP/1.1 200 OK\r\nServer: gbrt\r\nContent-Type: application/json\r\n"
                         "Content-Length: " +
                             length + "\r\n\r\n");
    reply(batch_answer_);
  }

  void reply(std::string_view bytes) {
    const bool keep_alive = parser_->get().keep_alive();
    asio::async_write(
        stream_, asio::buffer(bytes),
        [self = this->shared_from_this(), keep_alive](boost::system::error_code ec, std::size_t) {
          if (ec) return;
          if (!keep_alive) return self->close();
          self->next_request();
        });
  }

  void refuse() {
    asio::async_write(stream_, asio::buffer(kBadRequest),
                      [self = this->shared_from_this()](boost::system::error_code, std::size_t) {
                        self->close();
                      });
  }

  void close() {
    boost::system::error_code ignored;
    Socket& socket = boost::beast::get_lowest_layer(stream_);
    socket.shutdown(Socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  Options& options_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  simdjson::dom::parser json_;  // per connection, as gbrt keeps a parser per shard
  std::string batch_answer_;    // with --ndjson: the answer being written
};

void accept(Acceptor& acceptor, Options& options) {
  acceptor.async_accept([&acceptor, &options](boost::system::error_code ec, Socket socket) {
    if (!ec) {
      socket.set_option(asio::ip::tcp::no_delay(true), ec);
      if (options.tls) {
        std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *options.tls), options)
            ->start();
      } else {
        std::make_shared<Session<Socket>>(std::move(socket), options)->start();
      }
    }
    accept(acceptor, options);
  });
}

int usage() {
  std::cerr << "usage: gbrt-beast-floor [--listen HOST:PORT] [--verify SECRET] [--parse]\n"
               "                        [--multipart | --ndjson] [--tls-cert PEM [--tls-key PEM]]\n"
               "  --listen  where to listen (default 127.0.0.1:8080)\n"
               "  --verify  check X-GitBook-Signature against SECRET (401 when it does not\n"
               "            sign the body), as gbrt-server does with GBRT_SECRET\n"
               "  --parse   also run simdjson's DOM parse over each body\n"
               "  --multipart  bodies are GitBook's dispatcher form: decoded by gbrt's\n"
               "            decoder, `event` and `environment` parsed (400 if either fails)\n"
               "  --ndjson  bodies are NDJSON batches: split into lines, each parsed;\n"
               "            answered {\"accepted\":N,\"rejected\":[...]} as gbrt does\n"
               "  --tls-cert PEM [--tls-key PEM]  HTTPS through Beast's ssl_stream\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:8080", tls_cert, tls_key;
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg == "--parse") {
      options.parse = true;
    } else if (arg == "--multipart") {
      options.format = Format::multipart;
    } else if (arg == "--ndjson") {
      options.format = Format::ndjson;
    } else if (arg == "--tls-cert" && i + 1 < argc) {
      tls_cert = argv[++i];
    } else if (arg == "--tls-key" && i + 1 < argc) {
      tls_key = argv[++i];
    } else if (arg == "--verify" && i + 1 < argc) {
      options.verifier = gbrt::net::SignatureVerifier({std::string(argv[++i])});
    } else {
      return usage();
    }
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage();
  if (!tls_cert.empty()) {
    try {
      options.tls.emplace(asio::ssl::context::tls_server);
      options.tls->set_options(asio::ssl::context::default_workarounds |
                               asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      options.tls->use_certificate_chain_file(tls_cert);
      options.tls->use_private_key_file(tls_key.empty() ? tls_cert : tls_key,
                                        asio::ssl::context::pem);
    } catch (const std::exception& e) {
      std::cerr << "gbrt-beast-floor: cannot use the certificate: " << e.what() << "\n";
      return 1;
    }
  }
  asio::io_context io(1);
  Acceptor acceptor(io.get_executor());
  try {
    const asio::ip::tcp::endpoint endpoint(
        asio::ip::make_address(listen.substr(0, colon)),
        static_cast<unsigned short>(std::stoul(listen.substr(colon + 1))));
    acceptor.open(endpoint.protocol());
    acceptor.set_option(Acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    std::cerr << "gbrt-beast-floor: cannot listen on " << listen << ": " << e.what() << "\n";
    return 1;
  }
  std::cout << "gbrt-beast-floor: listening on " << listen
            << (options.verifier.enabled() ? ", verifying" : "")
            << (options.parse ? ", parsing" : "") << (options.tls ? ", TLS" : "")
            << (options.format == Format::multipart ? ", multipart"
                : options.format == Format::ndjson  ? ", ndjson"
                                                    : "")
            << std::endl;
  accept(acceptor, options);
  io.run();
  return 0;
}
