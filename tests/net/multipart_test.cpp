#include <gbrt/net/multipart.hpp>

#include <gtest/gtest.h>

namespace {

using gbrt::net::decode_dispatcher_form;
using gbrt::net::DispatcherForm;
using gbrt::net::multipart_boundary;

std::string part_text(const std::string& body, const gbrt::net::BodySpan& span) {
  return body.substr(span.offset, span.size);
}

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=x; BOUNDARY=\"a b\""), "a b");
  EXPECT_FALSE(multipart_boundary("multipart/form-data"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary="));
  EXPECT_FALSE(multipart_boundary("application/json; boundary=abc"));
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST(Multipart, FindsTheDispatchersFields) {
  std::string body =
      "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"event\"\r\n"
      "Content-Type: application/json\r\n\r\n{\"type\":\"x\"}\r\n"
      "--XyZ\r\ncontent-disposition: form-data; name=environment\r\n\r\n{}\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"fetch-body\"\r\n\r\nline1\r\nline2\r\n"
      "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nignored\r\n"
      "--XyZ--\r\nepilogue";
  DispatcherForm form;
  ASSERT_EQ(decode_dispatcher_form(body, "XyZ", form), "");
  ASSERT_TRUE(form.event && form.environment && form.fetch_body);
  EXPECT_EQ(part_text(body, *form.event), "{\"type\":\"x\"}");
  EXPECT_EQ(part_text(body, *form.environment), "{}");
  EXPECT_EQ(part_text(body, *form.fetch_body), "line1\r\nline2");
}

TEST(Multipart, BoundaryLookalikesInsideAPartDoNotEndIt) {
  std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n"
      "x\r\n--bb not the delimiter\r\n\r\n--b\r\n"
      "Content-Disposition: form-data; name=\"environment\"\r\n\r\n\r\n--b--";
  DispatcherForm form;
  ASSERT_EQ(decode_dispatcher_form(body, "b", form), "");
  EXPECT_EQ(part_text(body, *form.event), "x\r\n--bb not the delimiter\r\n");
  EXPECT_EQ(part_text(body, *form.environment), "");
}

TEST(Multipart, MalformedBodiesAreErrorsNotCrashes) {
  const char* bad[] = {
      "",
      "no delimiter at all",
      "--b",
      "--b\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\nunterminated",
      "--b\r\nContent-Disposition: form-data; name=\"event\"",
      "--b\r\nNo-Colon-Header\r\n\r\nx\r\n--b--",
      "--b\r\nContent-Disposition: attachment; name=\"event\"\r\n\r\nx\r\n--b--",
      "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",
      "--bjunk\r\n",
  };
  for (const char* body : bad) {
    DispatcherForm form;
    EXPECT_NE(decode_dispatcher_form(body, "b", form), "") << body;
  }
}

}  // namespace
