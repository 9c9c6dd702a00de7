// Fuzzes the multipart/form-data decoder: the first line is the Content-Type (and so the
// boundary), the rest the body. Every part found must lie inside the body.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <gbrt/net/multipart.hpp>

#include "header_text.hpp"  // net/src

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t eol = input.find('\n');
  std::string_view content_type = input.substr(0, eol);
  std::string_view body = eol == input.npos ? std::string_view() : input.substr(eol + 1);
  gbrt::net::media_type_is(content_type, "multipart/form-data");
  auto boundary = gbrt::net::multipart_boundary(content_type);
  if (!boundary) return 0;
  gbrt::net::DispatcherForm form;
  if (!gbrt::net::decode_dispatcher_form(body, *boundary, form).empty()) return 0;
  for (const auto& part : {form.event, form.environment, form.fetch_body}) {
    if (part && (part->offset > body.size() || part->size > body.size() - part->offset)) {
      std::abort();  // a part outside the body
    }
  }
  return 0;
}
