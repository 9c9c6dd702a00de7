// A ported integration served by a gbrt server on a loopback port, and events sent to it in
// GitBook's dispatcher format (the event and its environment).
#pragma once

#include <optional>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gbrt/net/server.hpp>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"

namespace gbrt::test {

class PortedServer {
 public:
  template <class Register>
  explicit PortedServer(Register register_integration) {
    register_integration(runtime_);
    server_.emplace(runtime_, net::ServerOptions{.host = "127.0.0.1", .port = 0});
    runtime_.start();
    server_->start();
  }
  ~PortedServer() {
    server_->stop();
    runtime_.shutdown(std::chrono::seconds(1));
  }

  HttpResponse send(const boost::json::object& event, const boost::json::object& environment) {
    auto [type, body] =
        dispatcher_form(boost::json::serialize(event), boost::json::serialize(environment));
    HttpClient client(server_->port());
    return client.request("POST", "/", body, type);
  }

 private:
  Runtime runtime_{runtime::RuntimeOptions{.threads = 1}};
  std::optional<net::Server> server_;
};

inline boost::json::object json_fixture(const std::string& name) {
  return boost::json::parse(fixture(name)).as_object();
}

// tests/fixtures/environment.json with `apiEndpoint` set (GitBook's API of the test).
inline boost::json::object environment_fixture(const std::string& api_endpoint = "") {
  auto env = boost::json::parse(read_file(fixtures_dir() / "environment.json")).as_object();
  env["apiEndpoint"] = api_endpoint;
  return env;
}

}  // namespace gbrt::test
