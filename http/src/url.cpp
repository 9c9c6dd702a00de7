#include <gbrt/http/url.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gbrt::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  return out;
}

}  // namespace

std::string Url::authority() const {
  std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port == (tls ? 443 : 80)) return name;
  return name + ":" + std::to_string(port);
}

std::string Url::origin() const {
  return (tls ? "https://" : "http://") + authority();
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme != "http") {
    return std::nullopt;
  }
  text.remove_prefix(scheme_end + 3);
  const std::size_t authority_end = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, authority_end);
  std::string_view rest =
      authority_end == std::string_view::npos ? std::string_view() : text.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    url.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return std::nullopt;
  url.port = url.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  // The fragment never goes to the server.
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty() || rest.front() != '/') url.target.push_back('/');
  url.target.append(rest);
  return url;
}

}  // namespace gbrt::http
