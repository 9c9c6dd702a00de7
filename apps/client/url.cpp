#include "url.hpp"

#include <cstdlib>
#include <vector>

#include "secret_file.hpp"

namespace gbrt::client {

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
  auto first = [](const std::vector<std::string>& list) {
    return list.empty() ? std::string() : list.front();
  };
  if (!secret.empty()) return first(app_common::split_list(secret));
  if (!secret_file.empty()) return app_common::read_secret_file(secret_file).front();
  if (const char* env = std::getenv("GBRT_SECRET"); env != nullptr) {
    return first(app_common::split_list(env));
  }
  return {};
}

}  // namespace gbrt::client
