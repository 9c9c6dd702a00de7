#include "url.hpp"
#include "trim.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace gbrt::client {

namespace {

using app_common::trim;

}  // namespace

std::string Url::authority() const {
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

std::optional<Url> parse_url(const std::string& text) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  std::string rest = text.substr(scheme.size());
  Url url;
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) url.path = rest.substr(slash);
  if (url.path == "/") url.path.clear();
  std::size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    std::size_t close = authority.find(']');
    if (close == std::string::npos) return std::nullopt;
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      url.port = authority.substr(close + 2);
    }
  } else if (colon != std::string::npos) {
    url.host = authority.substr(0, colon);
    url.port = authority.substr(colon + 1);
  } else {
    url.host = authority;
  }
  if (url.host.empty() || url.port.empty() ||
      url.port.find_first_not_of("0123456789") != std::string::npos || url.port.size() > 5 ||
      std::stoul(url.port) > 65535) {
    return std::nullopt;
  }
  return url;
}

std::string load_secret(const std::string& secret, const std::string& secret_file) {
  if (!secret.empty()) return trim(secret.substr(0, secret.find(',')));
  if (!secret_file.empty()) {
    std::ifstream file(secret_file);
    if (!file) throw std::runtime_error("cannot read --secret-file " + secret_file);
    for (std::string line; std::getline(file, line);) {
      if (auto s = trim(line); !s.empty()) return s;
    }
    throw std::runtime_error("--secret-file " + secret_file + " holds no secret");
  }
  if (const char* env = std::getenv("GBRT_SECRET"); env != nullptr) {
    std::string all = env;
    return trim(all.substr(0, all.find(',')));
  }
  return {};
}

}  // namespace gbrt::client
