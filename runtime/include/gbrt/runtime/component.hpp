// The component model of GitBook's createComponent: initial state, actions that change props
// and state (or complete), and a render whose props and state go back with the element.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <gbrt/events/views.hpp>
#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/contentkit.hpp>
#include <gbrt/runtime/context.hpp>

namespace gbrt::runtime {

// One render of a component: what `action` and `render` read and change.
struct ComponentInstance {
  const events::UiRender* event = nullptr;    // the event being rendered
  boost::json::object props;                  // the event's props (an action may replace them)
  boost::json::object state;                  // the event's state, else the initial state
  events::JsonView context;                   // the render context: `type`, `theme`, …
  std::optional<std::chrono::seconds> cache;  // set_cache: Cache-Control: max-age

  void set_cache(std::chrono::seconds max_age) noexcept { cache = max_age; }
  // A binding of an element's value to `key` of the state: {"$state": key}.
  static contentkit::DynamicBinding dynamic_state(std::string_view key) {
    return {std::string(key)};
  }
};

// What an action returns: new props and/or state (then the component renders), or a
// completion that answers {"type":"complete","returnValue":…} without rendering.
struct ActionResult {
  std::optional<boost::json::object> props;
  std::optional<boost::json::object> state;
  std::optional<boost::json::value> return_value;  // set by complete()

  static ActionResult with_state(boost::json::object state) {
    return {std::nullopt, std::move(state), {}};
  }
  static ActionResult complete(boost::json::value return_value = boost::json::object()) {
    return {std::nullopt, std::nullopt, std::move(return_value)};
  }
};

// A component, as createComponent declares one. Only render is required.
struct ComponentSpec {
  // The state when the event carries none, from the props, the render context and the
  // Context; {} when not set.
  std::function<boost::json::object(const boost::json::object& props, events::JsonView context,
                                    Context& ctx)>
      initial_state;
  // Runs when the event carries an action (the action object: {"action": name, …}).
  std::function<boost::asio::awaitable<ActionResult>(ComponentInstance& instance,
                                                     events::JsonView action, Context& ctx)>
      action;
  std::function<boost::asio::awaitable<contentkit::Root>(ComponentInstance& instance, Context& ctx)>
      render;
};

// Runs `spec` for a ui_render event as GitBook's runtime does: state from the event or the
// initial state, the action if any, then the render; props and state written back as
// JSON.stringify writes them.
boost::asio::awaitable<ComponentResponse> run_component(const ComponentSpec& spec,
                                                        const events::UiRender& event,
                                                        Context& context);

}  // namespace gbrt::runtime

// What a handler or an embedder names, as gbrt::X (like gbrt::Runtime and gbrt::Context).
namespace gbrt {
using runtime::ActionResult;
using runtime::ComponentInstance;
using runtime::ComponentSpec;
}  // namespace gbrt
