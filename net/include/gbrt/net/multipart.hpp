// multipart/form-data as GitBook's integration dispatcher sends it: fields `event`,
// `environment` and optional `fetch-body`. Parts are located in place, never copied.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace gbrt::net {

// A part's content, as offset and size within the body (so the caller keeps its padding).
struct BodySpan {
  std::size_t offset = 0;
  std::size_t size = 0;
};

struct DispatcherForm {
  std::optional<BodySpan> event;
  std::optional<BodySpan> environment;
  std::optional<BodySpan> fetch_body;
};

// The `boundary` parameter of a multipart/form-data Content-Type; nullopt if absent or bad.
std::optional<std::string_view> multipart_boundary(std::string_view content_type) noexcept;

// Finds the dispatcher's fields in `body`. Returns an empty string on success, else what is
// wrong (a static message). Parts with other names are ignored.
std::string_view decode_dispatcher_form(std::string_view body, std::string_view boundary,
                                        DispatcherForm& out) noexcept;

}  // namespace gbrt::net
