// When a failed call is sent again, and after how long.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

#include <gbrt/http/client.hpp>

namespace gbrt::http::detail {

// `opened`: the connection was open when the failure happened (the request may have gone
// out); a failure before that never reached the server.
bool worth_retrying(const Reply& reply, bool idempotent, bool opened) noexcept;

// The wait before attempt `attempt` + 1: first_backoff doubled per attempt, half of it
// random, at most max_backoff; a Retry-After of whole seconds when longer (the caller
// gives up when that is past the call's deadline).
std::chrono::milliseconds backoff(const ClientOptions& options, int attempt,
                                  std::optional<std::string_view> retry_after,
                                  std::minstd_rand& random) noexcept;

}  // namespace gbrt::http::detail
