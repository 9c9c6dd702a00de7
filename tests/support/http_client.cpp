#include "support/http_client.hpp"

#include <sstream>

#include <simdjson.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace gbrt::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

struct HttpClient::Impl {
  asio::io_context io{1};
  tcp::socket socket{io};
  boost::beast::flat_buffer buffer;
  tcp::endpoint endpoint;
  bool connected = false;

  void connect() {
    if (connected) return;
    buffer.clear();
    socket = tcp::socket(io);
    socket.connect(endpoint);
    connected = true;
  }

  HttpResponse read_response() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(socket, buffer, parser);
    auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    for (const auto& field : res) {
      std::string name(field.name_string());
      for (char& c : name) c = char(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    if (!out.keep_alive) {
      boost::system::error_code ignored;
      socket.close(ignored);
      connected = false;
    }
    return out;
  }
};

HttpClient::HttpClient(std::uint16_t port, std::string host) : impl_(std::make_unique<Impl>()) {
  impl_->endpoint = tcp::endpoint(asio::ip::make_address(host), port);
}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;

HttpResponse HttpClient::request(const std::string& method, const std::string& target,
                                 const std::string& body, const std::string& content_type,
                                 const std::map<std::string, std::string>& headers) {
  impl_->connect();
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  if (!content_type.empty()) req.set(http::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.keep_alive(true);
  if (!body.empty() || method == "POST") req.prepare_payload();
  http::write(impl_->socket, req);
  return impl_->read_response();
}

HttpResponse HttpClient::raw(const std::string& bytes) {
  impl_->connect();
  asio::write(impl_->socket, asio::buffer(bytes));
  return impl_->read_response();
}

HttpResponse HttpClient::read() {
  return impl_->read_response();
}

bool HttpClient::closed_by_server() {
  if (!impl_->connected) return true;
  char byte;
  boost::system::error_code ec;
  impl_->socket.read_some(asio::buffer(&byte, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

std::pair<std::string, std::string> dispatcher_form(const std::string& event,
                                                    const std::string& environment) {
  const std::string boundary = "----gbrtTestBoundary7MA4YWxkTrZu0gW";
  std::string body;
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n";
  body += event;
  body += "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"environment\"\r\n\r\n";
  body += environment;
  body += "\r\n--" + boundary + "--\r\n";
  return {"multipart/form-data; boundary=" + boundary, body};
}

bool is_valid_json(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(simdjson::padded_string(text)).get(root) == simdjson::SUCCESS;
}

double metric_value(const std::string& metrics_text, const std::string& series) {
  std::istringstream in(metrics_text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

}  // namespace gbrt::test
