#include "support/node_server.hpp"

#include <stdexcept>

#include <boost/json/parse.hpp>

#include "support/http_client.hpp"

namespace gbrt::test {

std::vector<std::string> NodeServer::arguments(const std::string& script,
                                               std::vector<std::string> args) {
  args.insert(args.begin(),
              {std::string(GBRT_TEST_SUPPORT_DIR) + "/" + script, "--listen", "127.0.0.1:0"});
  return args;
}

NodeServer::NodeServer(const std::string& script, std::vector<std::string> args)
    : process_(arguments(script, std::move(args)), {}, GBRT_NODE_PATH) {
  const auto at = process_.banner().find(" control ");
  if (at == std::string::npos) throw std::runtime_error("no control port: " + process_.banner());
  control_port_ = static_cast<std::uint16_t>(std::stoul(process_.banner().substr(at + 9)));
}

boost::json::value NodeServer::control(const std::string& target) const {
  HttpClient client(control_port_);
  return boost::json::parse(client.get(target).body);
}

void NodeServer::control_post(const std::string& target, const std::string& body) const {
  HttpClient client(control_port_);
  if (client.post_json(target, body).status != 200) {
    throw std::runtime_error("control " + target + " refused");
  }
}

std::int64_t NodeServer::stat(const std::string& name) const {
  return control("/stats").as_object().at(name).to_number<std::int64_t>();
}

}  // namespace gbrt::test
