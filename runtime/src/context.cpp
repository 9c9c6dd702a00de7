// What a handler's Context does: its shard, background work, tasks, and the outbound
// clients (HTTP, GitBook's API), made only when a handler asks for them.
#include <gbrt/runtime/context.hpp>

#include <boost/system/system_error.hpp>

#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/runtime.hpp>

#include "runtime_impl.hpp"

namespace gbrt::runtime {

namespace asio = boost::asio;

namespace {

// `integration-<name>/<version>`, as GitBook's runtime says it (the version as JavaScript
// prints it: "undefined" when the environment has none).
std::string user_agent_of(const events::Environment& environment) {
  std::string agent = "integration-" + std::string(environment.integration_name()) + "/";
  const auto version = environment.integration["version"];
  if (auto number = version.get_int64()) return agent + std::to_string(*number);
  if (auto text = version.get_string()) return agent + std::string(*text);
  return agent + "undefined";
}

asio::awaitable<void> queue_through_api(ApiClient api, boost::json::object task,
                                        std::chrono::milliseconds delay) {
  co_await api.queue_task(std::move(task), delay);
}

// The in-memory queue did its work when queue_task() was called: nothing left to await.
asio::awaitable<void> queued_in_memory(std::chrono::milliseconds) {
  co_return;
}

}  // namespace

asio::any_io_executor Context::executor() const noexcept {
  return shard_.executor();
}
std::size_t Context::shard_index() const noexcept {
  return shard_.index();
}
http::Client& Context::http() const {
  return shard_.http_client(runtime_.options().http);
}

ApiClient Context::make_api(bool installation_token) const {
  if (environment_ == nullptr) return ApiClient(http(), {}, {}, {}, {});
  std::string_view token = environment_->api_tokens.integration;
  if (installation_token && environment_->api_tokens.installation) {
    token = *environment_->api_tokens.installation;
  }
  return ApiClient(http(), std::string(environment_->api_endpoint), std::string(token),
                   std::string(environment_->integration_name()), user_agent_of(*environment_));
}
ApiClient Context::api() const {
  return make_api(true);
}
ApiClient Context::integration_api() const {
  return make_api(false);
}

void* Context::find_service(std::type_index type) const noexcept {
  return runtime_.find_service(type);
}
asio::thread_pool::executor_type Context::compute_executor() const {
  return runtime_.compute_executor();
}

void Context::wait_until(asio::awaitable<void> work) const {
  runtime_.impl().spawn_background(shard_, std::move(work), event_);
}

asio::awaitable<void> Context::queue_task(std::string_view payload_json,
                                          std::chrono::milliseconds delay) const {
  if (delay.count() < 0 || delay > std::chrono::hours(24)) {
    throw std::out_of_range("queue_task: delay must be 0 to 86,400 s");
  }
  // Through GitBook's API when the event says where it is: the task outlives this process.
  if (environment_ != nullptr && !environment_->api_endpoint.empty() &&
      !environment_->api_tokens.integration.empty()) {
    boost::json::value payload;
    try {
      payload = parse_json(payload_json);
    } catch (const boost::system::system_error&) {
    }
    if (!payload.is_object()) {
      throw std::invalid_argument("queue_task: the payload is not a JSON object");
    }
    return queue_through_api(integration_api(), std::move(payload.as_object()), delay);
  }

  std::string text = R"({"type":"task","eventId":"task_)" + std::to_string(shard_.index()) + "_" +
                     std::to_string(++state_of(shard_).next_task) + R"(","installationId":")";
  append_json_escaped(text, event_.installation_id);
  text += R"(","task":)";
  text += payload_json;
  text += '}';
  // The task runs with this event's environment, as GitBook's queued tasks do.
  std::optional<std::string_view> environment;
  if (environment_ != nullptr) environment = environment_->json.raw();
  SlotPtr slot = shard_.slots().acquire();
  if (auto refused = slot->load(shard_.parser(), text, environment)) {
    throw std::invalid_argument("queue_task: the payload is not a JSON object: " + refused->body);
  }
  runtime_.impl().schedule_task(state_of(shard_), std::move(slot), delay);
  return queued_in_memory(delay);
}

}  // namespace gbrt::runtime
