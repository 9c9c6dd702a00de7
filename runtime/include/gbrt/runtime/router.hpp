// A router for fetch events: method + path pattern ("/items/:id") to a handler, with the
// path parameters and query decoded. Register it with Runtime::fetch(router).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include <gbrt/events/views.hpp>
#include <gbrt/runtime/context.hpp>
#include <gbrt/runtime/response.hpp>

namespace gbrt::runtime {

// The request of a fetch event as a route handler sees it. Valid while the handler runs.
class FetchRequest {
 public:
  explicit FetchRequest(const events::Fetch& event);

  const events::Fetch& event() const noexcept { return event_; }
  // Upper-cased, as JavaScript's Request normalises it ("GET").
  std::string_view method() const noexcept { return method_; }
  std::string_view url() const noexcept { return event_.request.url; }
  // The path, still percent-encoded.
  std::string_view path() const noexcept;
  // The first value of query parameter `name`, decoded as URLSearchParams.get does.
  std::optional<std::string> query(std::string_view name) const;
  // A `:name` segment of the route's pattern, decoded; empty if the pattern has none.
  std::string_view param(std::string_view name) const noexcept;
  // A request header (names compared ignoring case).
  std::optional<std::string_view> header(std::string_view name) const;
  // The request body (the dispatcher's fetch-body part), not copied.
  std::string_view body() const noexcept { return event_.body; }

 private:
  friend class Router;
  const events::Fetch& event_;
  std::string method_;
  std::vector<std::pair<std::string, std::string>> params_;
};

class Router {
 public:
  using Handler = std::function<boost::asio::awaitable<Response>(const FetchRequest&, Context&)>;

  // `pattern` is matched against the end of the request's path, segment by segment, since
  // GitBook's URLs start with the integration's own prefix
  // (…/integrations/<name>/installations/<id>): "/hello" matches ".../hello". A `:name`
  // segment matches any one segment. `method` is compared ignoring case.
  Router& route(std::string method, std::string pattern, Handler handler);
  Router& get(std::string pattern, Handler handler) {
    return route("GET", std::move(pattern), std::move(handler));
  }
  Router& post(std::string pattern, Handler handler) {
    return route("POST", std::move(pattern), std::move(handler));
  }
  Router& put(std::string pattern, Handler handler) {
    return route("PUT", std::move(pattern), std::move(handler));
  }
  Router& delete_(std::string pattern, Handler handler) {
    return route("DELETE", std::move(pattern), std::move(handler));
  }
  // What no route matches gets; default 404 "Not found" as text/plain.
  Router& otherwise(Handler handler);

  // The fetch handler: the first route (in registration order) that matches.
  boost::asio::awaitable<Response> operator()(const events::Fetch& event, Context& context) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  const Route* match(FetchRequest& request) const;
  std::vector<Route> routes_;
  Handler otherwise_;
};

}  // namespace gbrt::runtime

// What a handler names, as gbrt::X (like gbrt::Runtime and gbrt::Response).
namespace gbrt {
using runtime::FetchRequest;
using runtime::Router;
}  // namespace gbrt
