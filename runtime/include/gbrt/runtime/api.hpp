// GitBook's API as a handler calls it (what `context.api` is in GitBook's runtime): the
// environment's apiEndpoint and token, typed calls for what integrations use most, raw calls.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <gbrt/http/client.hpp>

namespace gbrt::runtime {

// A call GitBook's API answered with a 4xx or 5xx (after the retries that were safe), or
// that could not reach it (status 0). what() is GitBook's `error.message` when it sent one.
class ApiError : public std::runtime_error {
 public:
  ApiError(unsigned status, const std::string& message, std::string body = {})
      : std::runtime_error(message), status_(status), body_(std::move(body)) {}
  unsigned status() const noexcept { return status_; }
  const std::string& body() const noexcept { return body_; }

 private:
  unsigned status_;
  std::string body_;
};

// Cheap to copy (a few strings); holds the shard's HTTP client by reference, so it belongs
// to the shard it was made on. Context::api() and Context::integration_api() make one.
class ApiClient {
 public:
  // `endpoint` as the environment's apiEndpoint ("https://api.gitbook.com"); the calls go to
  // endpoint + "/v1" + path. Empty: not configured (every call throws ApiError, status 0).
  ApiClient(http::Client& client, std::string endpoint, std::string token,
            std::string integration_name, std::string user_agent);

  bool configured() const noexcept { return !endpoint_.empty() && !token_.empty(); }
  const std::string& endpoint() const noexcept { return endpoint_; }
  const std::string& token() const noexcept { return token_; }
  const std::string& integration_name() const noexcept { return integration_name_; }
  const std::string& user_agent() const noexcept { return user_agent_; }

  // Any call: `path` under /v1 ("/integrations/x/installations/y"), `body` sent as JSON when
  // given. The answer's JSON (null for an empty body, a 204). Retried on a 429 always, on a
  // 5xx when `idempotent` (default: the method is). Throws ApiError.
  boost::asio::awaitable<boost::json::value> request(http::Method method, std::string path,
                                                     std::optional<boost::json::value> body = {},
                                                     std::optional<bool> idempotent = {}) const;

  // The integration's installation `installation_id` (IntegrationInstallation), and its
  // update (RequestUpdateIntegrationInstallation: `configuration` replaces the stored one,
  // `externalIds`, …). An update sends the same body again when retried: it is idempotent.
  boost::asio::awaitable<boost::json::object> get_installation(std::string installation_id) const;
  boost::asio::awaitable<boost::json::object> update_installation(std::string installation_id,
                                                                  boost::json::object update) const;
  // The same for the installation on a space, and on a site.
  boost::asio::awaitable<boost::json::object> get_space_installation(std::string installation_id,
                                                                     std::string space_id) const;
  boost::asio::awaitable<boost::json::object> update_space_installation(
      std::string installation_id, std::string space_id, boost::json::object update) const;
  boost::asio::awaitable<boost::json::object> get_site_installation(std::string installation_id,
                                                                    std::string site_id) const;
  boost::asio::awaitable<boost::json::object> update_site_installation(
      std::string installation_id, std::string site_id, boost::json::object update) const;

  // queueIntegrationTask: GitBook delivers a `task` event with `task` after `schedule`
  // (0 to 86,400 s, std::out_of_range otherwise). Not retried on a 5xx (it may be queued).
  boost::asio::awaitable<void> queue_task(boost::json::object task,
                                          std::chrono::milliseconds schedule) const;

 private:
  std::string installation_path(const std::string& installation_id) const;

  http::Client* client_;
  std::string endpoint_;
  std::string token_;
  std::string integration_name_;
  std::string user_agent_;
};

}  // namespace gbrt::runtime
