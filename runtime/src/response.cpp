#include <gbrt/runtime/response.hpp>

#include <algorithm>

namespace gbrt::runtime {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

Response Response::text(std::string body, std::string_view content_type, unsigned status) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

Response Response::json(std::string body_json, unsigned status) {
  return text(std::move(body_json), "application/json", status);
}

Response Response::redirect(std::string location, unsigned status) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::optional<std::string_view> Response::header(std::string_view name) const noexcept {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

}  // namespace gbrt::runtime
