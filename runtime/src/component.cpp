#include <gbrt/runtime/component.hpp>

#include <gbrt/runtime/js_json.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;

namespace {

// The parser has validated an object here: it parses.
boost::json::object object_of(events::JsonView view) {
  if (!view.is_object()) return {};
  return parse_json(view.raw()).as_object();
}

}  // namespace

asio::awaitable<ComponentResponse> run_component(const ComponentSpec& spec,
                                                 const events::UiRender& event, Context& context) {
  ComponentInstance instance;
  instance.event = &event;
  instance.props = object_of(event.props);
  instance.context = event.context;
  if (event.state) {
    instance.state = object_of(*event.state);
  } else if (spec.initial_state) {
    instance.state = spec.initial_state(instance.props, event.context, context);
  }
  if (event.action && spec.action) {
    ActionResult result = co_await spec.action(instance, *event.action, context);
    if (result.return_value) {
      std::string json = R"({"type":"complete","returnValue":)";
      append_js_json(json, *result.return_value);
      json += '}';
      co_return ComponentResponse{std::move(json), instance.cache};
    }
    if (result.props) instance.props = std::move(*result.props);
    if (result.state) instance.state = std::move(*result.state);
  }
  contentkit::Root element = co_await spec.render(instance, context);
  std::string json = R"({"type":"element","state":)";
  append_js_json(json, instance.state);
  json += R"(,"props":)";
  append_js_json(json, instance.props);
  json += R"(,"element":)";
  append_js_json(json, element.json());
  json += '}';
  co_return ComponentResponse{std::move(json), instance.cache};
}

}  // namespace gbrt::runtime
