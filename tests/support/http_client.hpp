// A small blocking HTTP/1.1 client on Beast for tests: one keep-alive connection.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace gbrt::test {

struct HttpResponse {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool keep_alive = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;

  // Sends one request on the connection (reconnecting if the server closed it).
  HttpResponse request(const std::string& method, const std::string& target,
                       const std::string& body = "", const std::string& content_type = "",
                       const std::map<std::string, std::string>& headers = {});
  HttpResponse post_json(const std::string& target, const std::string& body,
                         const std::map<std::string, std::string>& headers = {}) {
    return request("POST", target, body, "application/json", headers);
  }
  HttpResponse get(const std::string& target) { return request("GET", target); }
  // Writes raw bytes and reads one response (for malformed HTTP).
  HttpResponse raw(const std::string& bytes);
  // Reads one more response (after raw() sent several requests at once).
  HttpResponse read();
  // True if the server has closed this connection (read returns EOF).
  bool closed_by_server();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// multipart/form-data as GitBook's dispatcher sends it; returns {content_type, body}.
std::pair<std::string, std::string> dispatcher_form(const std::string& event,
                                                    const std::string& environment);

// Whether `text` is one valid JSON document (simdjson's full validation).
bool is_valid_json(const std::string& text);

// The value of a series in Prometheus text, or -1 if absent.
double metric_value(const std::string& metrics_text, const std::string& series);

}  // namespace gbrt::test
