#include <gbrt/runtime/api.hpp>

#include <boost/system/system_error.hpp>

#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/url.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

// GitBook's error body is {"error":{"code":…,"message":"…"}}; anything else: the status.
std::string error_message(unsigned status, const std::string& body) {
  try {
    const auto value = parse_json(body);
    if (const auto* error = value.is_object() ? value.as_object().if_contains("error") : nullptr) {
      if (error->is_object()) {
        if (const auto* message = error->as_object().if_contains("message");
            message && message->is_string()) {
          return std::string(message->as_string());
        }
      } else if (error->is_string()) {
        return std::string(error->as_string());
      }
    }
  } catch (const boost::system::system_error&) {
  }
  return "GitBook's API answered " + std::to_string(status);
}

json::object object_of(json::value value) {
  if (!value.is_object()) throw ApiError(200, "GitBook's API answered something not an object");
  return std::move(value.as_object());
}

// queueIntegrationTask's body; built outside the coroutine (g++ 12 and braced lists in them).
json::value task_body(json::object task, std::chrono::milliseconds schedule) {
  json::object body;
  body["task"] = std::move(task);
  body["schedule"] = double(schedule.count()) / 1000.0;  // whole seconds print as integers
  return body;
}

}  // namespace

ApiClient::ApiClient(http::Client& client, std::string endpoint, std::string token,
                     std::string integration_name, std::string user_agent)
    : client_(&client),
      endpoint_(std::move(endpoint)),
      token_(std::move(token)),
      integration_name_(std::move(integration_name)),
      user_agent_(std::move(user_agent)) {
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
}

asio::awaitable<json::value> ApiClient::request(http::Method method, std::string path,
                                                std::optional<json::value> body,
                                                std::optional<bool> idempotent) const {
  if (!configured()) {
    throw ApiError(0,
                   "GitBook's API is not configured: the event came without an environment "
                   "(apiEndpoint, apiTokens)");
  }
  http::Request request{.method = method,
                        .url = endpoint_ + "/v1" + path,
                        .headers = {{"Authorization", "Bearer " + token_},
                                    {"User-Agent", user_agent_},
                                    {"Accept", "application/json"}},
                        .idempotent = idempotent};
  if (body) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = to_js_json(*body);
  }
  const http::Reply reply = co_await client_->send(std::move(request));
  if (reply.error) {
    throw ApiError(0, "GitBook's API could not be reached: " + reply.error.message());
  }
  if (reply.status >= 400)
    throw ApiError(reply.status, error_message(reply.status, reply.body), reply.body);
  if (reply.body.empty()) co_return json::value();
  try {
    co_return parse_json(reply.body);
  } catch (const boost::system::system_error&) {
    throw ApiError(reply.status, "GitBook's API answered invalid JSON", reply.body);
  }
}

std::string ApiClient::installation_path(const std::string& installation_id) const {
  return "/integrations/" + encode_uri_component(integration_name_) + "/installations/" +
         encode_uri_component(installation_id);
}

asio::awaitable<json::object> ApiClient::get_installation(std::string installation_id) const {
  auto path = installation_path(installation_id);
  co_return object_of(co_await request(http::Method::get, std::move(path)));
}

asio::awaitable<json::object> ApiClient::update_installation(std::string installation_id,
                                                             json::object update) const {
  auto path = installation_path(installation_id);
  json::value body(std::move(update));
  co_return object_of(
      co_await request(http::Method::patch, std::move(path), std::move(body), true));
}

asio::awaitable<json::object> ApiClient::get_space_installation(std::string installation_id,
                                                                std::string space_id) const {
  auto path = installation_path(installation_id) + "/spaces/" + encode_uri_component(space_id);
  co_return object_of(co_await request(http::Method::get, std::move(path)));
}

asio::awaitable<json::object> ApiClient::update_space_installation(std::string installation_id,
                                                                   std::string space_id,
                                                                   json::object update) const {
  auto path = installation_path(installation_id) + "/spaces/" + encode_uri_component(space_id);
  json::value body(std::move(update));
  co_return object_of(
      co_await request(http::Method::patch, std::move(path), std::move(body), true));
}

asio::awaitable<json::object> ApiClient::get_site_installation(std::string installation_id,
                                                               std::string site_id) const {
  auto path = installation_path(installation_id) + "/sites/" + encode_uri_component(site_id);
  co_return object_of(co_await request(http::Method::get, std::move(path)));
}

asio::awaitable<json::object> ApiClient::update_site_installation(std::string installation_id,
                                                                  std::string site_id,
                                                                  json::object update) const {
  auto path = installation_path(installation_id) + "/sites/" + encode_uri_component(site_id);
  json::value body(std::move(update));
  co_return object_of(
      co_await request(http::Method::patch, std::move(path), std::move(body), true));
}

asio::awaitable<void> ApiClient::queue_task(json::object task,
                                            std::chrono::milliseconds schedule) const {
  if (schedule.count() < 0 || schedule > std::chrono::hours(24)) {
    throw std::out_of_range("queue_task: the schedule must be 0 to 86,400 s");
  }
  auto path = "/integrations/" + encode_uri_component(integration_name_) + "/tasks";
  json::value body = task_body(std::move(task), schedule);
  co_await request(http::Method::post, std::move(path), std::move(body), false);
}

}  // namespace gbrt::runtime
