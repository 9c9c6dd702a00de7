#include "retry.hpp"

#include <algorithm>
#include <charconv>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace gbrt::http::detail {

bool worth_retrying(const Reply& reply, bool idempotent, bool opened) noexcept {
  if (reply.error) {
    const auto& e = reply.error;
    // Cancelled by the handler, a response too large, a bad URL: the same again fails too.
    if (e == boost::asio::error::operation_aborted || e == boost::asio::error::invalid_argument ||
        e == boost::beast::http::error::body_limit || e == boost::beast::error::timeout) {
      return false;
    }
    // A certificate the server will present again.
    if (e.category() == boost::asio::error::get_ssl_category()) return false;
    return !opened || idempotent;
  }
  if (reply.status == 429) return true;  // refused before being acted on
  if (reply.status == 500 || reply.status == 502 || reply.status == 503 || reply.status == 504) {
    return idempotent;
  }
  return false;
}

std::chrono::milliseconds backoff(const ClientOptions& options, int attempt,
                                  std::optional<std::string_view> retry_after,
                                  std::minstd_rand& random) noexcept {
  using std::chrono::milliseconds;
  milliseconds wait = options.first_backoff;
  for (int i = 1; i < attempt && wait < options.max_backoff; ++i) wait *= 2;
  // Half fixed, half random: retries of many shards do not arrive together.
  const auto half = wait.count() / 2;
  wait = milliseconds(half + (half > 0 ? long(random() % std::uint64_t(half + 1)) : 0));
  wait = std::min(wait, options.max_backoff);
  if (retry_after) {
    unsigned seconds = 0;
    auto [end, ec] =
        std::from_chars(retry_after->data(), retry_after->data() + retry_after->size(), seconds);
    if (ec == std::errc() && end == retry_after->data() + retry_after->size()) {
      wait = std::max(wait, milliseconds(std::uint64_t(seconds) * 1000));
    }
  }
  return wait;
}

}  // namespace gbrt::http::detail
