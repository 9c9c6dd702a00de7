#include <gbrt/runtime/router.hpp>

#include <algorithm>

#include <gbrt/runtime/url.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;

namespace {

char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? char(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

// "/a/b/" -> {"a", "b"}: empty segments are not counted.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    std::string_view segment = path.substr(0, path.find('/'));
    path.remove_prefix(std::min(path.size(), segment.size() + 1));
    if (!segment.empty()) segments.push_back(segment);
  }
  return segments;
}

asio::awaitable<Response> not_found(const FetchRequest&, Context&) {
  co_return Response::text("Not found", "text/plain", 404);
}

}  // namespace

FetchRequest::FetchRequest(const events::Fetch& event) : event_(event) {
  method_.reserve(event.request.method.size());
  for (char c : event.request.method) method_ += c >= 'a' && c <= 'z' ? char(c - 32) : c;
}

std::string_view FetchRequest::path() const noexcept {
  return url_path(event_.request.url);
}

std::optional<std::string> FetchRequest::query(std::string_view name) const {
  return query_param(url_query(event_.request.url), name);
}

std::string_view FetchRequest::param(std::string_view name) const noexcept {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string_view> FetchRequest::header(std::string_view name) const {
  for (const events::JsonMember& member : event_.request.headers.members()) {
    if (iequals(member.key, name)) return member.value.get_string();
  }
  return std::nullopt;
}

Router& Router::route(std::string method, std::string pattern, Handler handler) {
  Route route{std::move(method), {}, std::move(handler)};
  for (std::string_view segment : split_path(pattern)) route.segments.emplace_back(segment);
  routes_.push_back(std::move(route));
  return *this;
}

Router& Router::otherwise(Handler handler) {
  otherwise_ = std::move(handler);
  return *this;
}

const Router::Route* Router::match(FetchRequest& request) const {
  const std::vector<std::string_view> path = split_path(request.path());
  for (const Route& route : routes_) {
    if (!iequals(route.method, request.method()) || route.segments.size() > path.size()) continue;
    const std::size_t offset = path.size() - route.segments.size();
    std::vector<std::pair<std::string, std::string>> params;
    bool matches = true;
    for (std::size_t i = 0; i < route.segments.size() && matches; ++i) {
      const std::string& want = route.segments[i];
      if (want.size() > 1 && want.front() == ':') {
        params.emplace_back(want.substr(1), percent_decode(path[offset + i]));
      } else {
        matches = percent_decode(path[offset + i]) == want;
      }
    }
    if (matches) {
      request.params_ = std::move(params);
      return &route;
    }
  }
  return nullptr;
}

asio::awaitable<Response> Router::operator()(const events::Fetch& event, Context& context) const {
  FetchRequest request(event);
  const Route* route = match(request);
  if (route != nullptr) co_return co_await route->handler(request, context);
  if (otherwise_) co_return co_await otherwise_(request, context);
  co_return co_await not_found(request, context);
}

}  // namespace gbrt::runtime
