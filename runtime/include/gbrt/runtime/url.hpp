// The pieces of a URL a fetch handler reads (path, query parameters), decoded as
// JavaScript's URL and URLSearchParams decode them, and encodeURIComponent for building one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gbrt::runtime {

// The path of an absolute or relative URL: no scheme, host, query or fragment ("/" if empty).
std::string_view url_path(std::string_view url) noexcept;
// The query of a URL without its "?" (empty without one); the fragment is not part of it.
std::string_view url_query(std::string_view url) noexcept;

// %XX sequences decoded; a malformed one is kept as it is (as URLSearchParams does).
// `plus_is_space`: "+" means a space, as in a query (application/x-www-form-urlencoded).
std::string percent_decode(std::string_view text, bool plus_is_space = false);

// The first value of query parameter `name` (both decoded), as URLSearchParams.get does.
std::optional<std::string> query_param(std::string_view query, std::string_view name);

// JavaScript's encodeURIComponent: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ) as %XX
// (upper-case hex) of its UTF-8 bytes.
std::string encode_uri_component(std::string_view text);

}  // namespace gbrt::runtime
