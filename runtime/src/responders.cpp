// Answers of the handlers that answer HTTP themselves, and GitBook's words when no handler,
// component or content source takes an event.
#include <gbrt/runtime/registry.hpp>

#include "runtime_impl.hpp"

namespace gbrt::runtime {

namespace asio = boost::asio;
using events::EventType;

namespace detail {

asio::awaitable<Answer> response_answer(asio::awaitable<Response> response) {
  co_return Answer::from(co_await std::move(response));
}

asio::awaitable<Answer> published_script_answer(asio::awaitable<std::optional<Response>> response) {
  std::optional<Response> script = co_await std::move(response);
  if (!script) co_return Answer::from(Response::text("/** no-op */", "application/javascript"));
  co_return Answer::from(std::move(*script));
}

asio::awaitable<Answer> content_answer(asio::awaitable<std::string> json, EventType type) {
  std::string output = co_await std::move(json);
  if (type == EventType::content_compute_document) output = "{\"document\":" + output + "}";
  co_return Answer::json(200, std::move(output));
}

Component spec_component(ComponentSpec spec) {
  return [s = std::move(spec)](const events::UiRender& e, Context& c) {
    return run_component(s, e, c);
  };
}

}  // namespace detail

Answer Runtime::Impl::unhandled(const events::Event& event) {
  switch (events::type_of(event)) {
    case EventType::fetch:
      return Answer::error(400, "Integration does not handle HTTP requests");
    case EventType::fetch_published_script:
      return Answer::error(400, "Integration does not handle fetch_published_script");
    case EventType::fetch_visitor_authentication:
      return Answer::error(400, "Integration does not handle fetch_visitor_authentication");
    case EventType::task:
      return Answer::error(400, "Integration does not handle tasks");
    case EventType::ui_render:
      return Answer::error(
          404, "Component " +
                   std::string(clip_for_echo(std::get_if<events::UiRender>(&event)->component_id)) +
                   " not found");
    case EventType::content_compute_document:
    case EventType::content_compute_revision: {
      const auto& compute = static_cast<const events::ContentCompute&>(events::base(event));
      return Answer::error(
          404, "Content source " + std::string(clip_for_echo(compute.source_id)) + " not found");
    }
    default:
      return Answer::error(406, "Integration does not handle \"" +
                                    std::string(clip_for_echo(events::base(event).type)) +
                                    "\" events");
  }
}

}  // namespace gbrt::runtime
