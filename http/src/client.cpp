#include <gbrt/http/client.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include "connection.hpp"
#include "retry.hpp"

namespace gbrt::http {

namespace asio = boost::asio;
using boost::system::error_code;
using detail::Clock;
using detail::Connection;

namespace {

bool same_name(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

}  // namespace

std::optional<std::string_view> Reply::header(std::string_view name) const noexcept {
  for (const auto& [n, v] : headers) {
    if (same_name(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

bool is_idempotent(Method method) noexcept {
  switch (method) {
    case Method::get:
    case Method::head:
    case Method::put:
    case Method::delete_:
    case Method::options:
    case Method::trace:
      return true;
    default:
      return false;
  }
}

struct Client::Impl {
  Impl(asio::any_io_executor e, ClientOptions o)
      : executor(std::move(e)), options(std::move(o)), random(std::random_device()()) {}

  asio::ssl::context& tls_context() {
    if (!tls) {
      tls.emplace(asio::ssl::context::tls_client);
      tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
      if (options.verify_peer) {
        tls->set_verify_mode(asio::ssl::verify_peer);
        tls->set_default_verify_paths();
        if (!options.ca_file.empty())
          tls->load_verify_file(options.ca_file);  // throws if unreadable
      } else {
        tls->set_verify_mode(asio::ssl::verify_none);
      }
    }
    return *tls;
  }

  // An idle connection to `origin` still open, else nullptr.
  std::unique_ptr<Connection> take(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    const auto now = Clock::now();
    while (!list.empty()) {
      auto connection = std::move(list.back());
      list.pop_back();
      if (now - connection->idle_since < options.idle_timeout && connection->looks_alive()) {
        connection->reused = true;
        return connection;
      }
    }
    return nullptr;
  }

  void put_back(std::unique_ptr<Connection> connection) {
    auto& list = idle[connection->origin];
    const auto now = Clock::now();
    std::erase_if(list, [&](const auto& c) { return now - c->idle_since >= options.idle_timeout; });
    if (list.size() >= options.max_idle_per_origin) return;  // closed by its destructor
    connection->idle_since = now;
    list.push_back(std::move(connection));
  }

  asio::any_io_executor executor;
  ClientOptions options;
  std::optional<asio::ssl::context> tls;  // made at the first https call
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  std::uint64_t opened = 0;
  std::minstd_rand random;
};

Client::Client(asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(options))) {}
Client::~Client() = default;

const ClientOptions& Client::options() const noexcept {
  return impl_->options;
}
std::uint64_t Client::connections_opened() const noexcept {
  return impl_->opened;
}
std::size_t Client::idle_connections() const noexcept {
  std::size_t n = 0;
  for (const auto& [origin, list] : impl_->idle) n += list.size();
  return n;
}
void Client::close_idle() noexcept {
  impl_->idle.clear();
}

asio::awaitable<Reply> Client::send(Request request) {
  Impl& impl = *impl_;
  Reply reply;
  const auto url = parse_url(request.url);
  if (!url) {
    reply.error = asio::error::invalid_argument;
    co_return reply;
  }
  const auto deadline = Clock::now() + request.timeout.value_or(impl.options.timeout);
  const int max_attempts = std::max(1, request.max_attempts.value_or(impl.options.max_attempts));
  const bool idempotent = request.idempotent.value_or(is_idempotent(request.method));
  asio::ssl::context* tls = url->tls ? &impl.tls_context() : nullptr;

  detail::BeastRequest message(request.method, url->target, 11);
  message.set(boost::beast::http::field::host, url->authority());
  message.set(boost::beast::http::field::user_agent, impl.options.user_agent);
  for (const auto& [name, value] : request.headers) message.set(name, value);
  message.body() = std::move(request.body);
  if (!message.body().empty() || request.method == Method::post || request.method == Method::put ||
      request.method == Method::patch) {
    message.prepare_payload();
  }

  for (int attempt = 1;; ++attempt) {
    reply = Reply{.attempts = attempt};
    auto connection = impl.take(url->origin());
    bool opened = connection != nullptr;
    if (!connection) {
      connection = std::make_unique<Connection>();
      connection->origin = url->origin();
      ++impl.opened;
      reply.error = co_await detail::open(*connection, *url, tls, deadline);
      opened = !reply.error;
    }
    bool keep_alive = false;
    if (opened) {
      reply.error = co_await detail::exchange(
          *connection, message, reply, impl.options.max_response_bytes, deadline, keep_alive);
      // A reused connection the server closed just as we sent (its keep-alive ran out):
      // an idempotent call goes again at once on a new connection, not counted as a retry.
      if (reply.error && connection->reused && idempotent &&
          reply.error != asio::error::operation_aborted &&
          reply.error != boost::beast::error::timeout) {
        --attempt;
        continue;
      }
    }
    if (!reply.error && keep_alive) impl.put_back(std::move(connection));
    if (reply.error && reply.status == 0) reply.headers.clear();

    if (attempt >= max_attempts || !detail::worth_retrying(reply, idempotent, opened)) break;
    const auto wait =
        detail::backoff(impl.options, attempt, reply.header("retry-after"), impl.random);
    if (Clock::now() + wait >= deadline) break;
    asio::steady_timer timer(impl.executor, wait);
    auto [wait_ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (wait_ec) break;  // cancelled: the last reply stands
  }
  co_return reply;
}

}  // namespace gbrt::http
