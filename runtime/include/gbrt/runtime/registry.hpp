// What an integration registers with its Runtime before start(): handlers per event type,
// the handlers that answer HTTP themselves, content sources, components, services.
#pragma once

#include <concepts>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeindex>
#include <variant>

#include <boost/asio/awaitable.hpp>

#include <gbrt/events/views.hpp>
#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/component.hpp>
#include <gbrt/runtime/context.hpp>
#include <gbrt/runtime/response.hpp>

namespace gbrt::runtime {

// What a handler called with (const View&, Context&) returns; no type when it cannot be
// called so, which makes the concepts below false rather than an error.
template <class F, class View>
using HandlerResult = std::invoke_result_t<F&, const View&, Context&>;

template <class F, class View, class Result>
concept RespondingHandler = std::same_as<HandlerResult<F, View>, boost::asio::awaitable<Result>>;

template <class F, class View>
concept EventHandler = RespondingHandler<F, View, void>;

template <class F>
concept ComponentHandler = RespondingHandler<F, events::UiRender, ComponentResponse>;

// A registered handler, its view's type erased.
using Handler = std::function<boost::asio::awaitable<void>(const events::Event&, Context&)>;
// A handler that answers HTTP itself (fetch, published scripts, visitor authentication,
// content sources): its answer is the event's.
using Responder = std::function<boost::asio::awaitable<Answer>(const events::Event&, Context&)>;
using Component =
    std::function<boost::asio::awaitable<ComponentResponse>(const events::UiRender&, Context&)>;

namespace detail {

boost::asio::awaitable<Answer> response_answer(boost::asio::awaitable<Response> response);
// std::nullopt answers GitBook's no-op script (`/** no-op */`, application/javascript).
boost::asio::awaitable<Answer> published_script_answer(
    boost::asio::awaitable<std::optional<Response>> response);
// A document is answered as {"document": …}, as GitBook's createContentSource does.
boost::asio::awaitable<Answer> content_answer(boost::asio::awaitable<std::string> json,
                                              events::EventType type);
// The component model of component.hpp as a Component.
Component spec_component(ComponentSpec spec);

template <class View, class F>
Handler typed_handler(F handler) {
  return [h = std::move(handler)](const events::Event& e, Context& c) mutable {
    return h(*std::get_if<View>(&e), c);
  };
}

template <class View, class F>
Responder responding(F handler) {
  return [h = std::move(handler)](const events::Event& e, Context& c) mutable {
    return response_answer(h(*std::get_if<View>(&e), c));
  };
}

template <class F>
Responder published_script(F handler) {
  return [h = std::move(handler)](const events::Event& e, Context& c) mutable {
    return published_script_answer(h(*std::get_if<events::FetchPublishedScript>(&e), c));
  };
}

template <class F>
Responder content_source(F handler) {
  return [h = std::move(handler)](const events::Event& e, Context& c) mutable {
    const auto& compute = std::visit(
        [](const auto& v) -> const events::ContentCompute& {
          if constexpr (std::is_base_of_v<events::ContentCompute, std::decay_t<decltype(v)>>) {
            return v;
          } else {
            throw std::logic_error("not a content_compute event");
          }
        },
        e);
    return content_answer(h(compute, c), events::type_of(e));
  };
}

}  // namespace detail

// Runtime's registration calls (Runtime is a Registry); the adapters above turn each kind
// of handler into one of the three erased forms the runtime runs.
class Registry {
 public:
  // Several handlers for one type all run, concurrently.
  template <events::EventView View, EventHandler<View> F>
  void on(F handler) {
    static_assert(!std::is_same_v<View, events::UiRender>,
                  "ui_render is routed by componentId: register it with Runtime::component()");
    static_assert(!std::is_same_v<View, events::GenericEvent>,
                  "name the type: Runtime::on(\"task\", handler)");
    add_handler(std::size_t(View::kType), detail::typed_handler<View>(std::move(handler)));
  }
  // A handler for a type without a typed view ("task", "fetch", a new GitBook type).
  template <EventHandler<events::GenericEvent> F>
  void on(std::string type_name, F handler) {
    add_handler(type_id_for(std::move(type_name)),
                detail::typed_handler<events::GenericEvent>(std::move(handler)));
  }
  // The `fetch` handler (one): the HTTP request GitBook received for the integration, answered
  // with the handler's Response. A Router is one. Without it: 400, as GitBook's runtime.
  template <RespondingHandler<events::Fetch, Response> F>
  void fetch(F handler) {
    set_responder(events::EventType::fetch, detail::responding<events::Fetch>(std::move(handler)));
  }
  // The `fetch_published_script` handler (one): the script injected into a published site.
  // std::nullopt answers GitBook's no-op script (`/** no-op */`, application/javascript).
  template <RespondingHandler<events::FetchPublishedScript, std::optional<Response>> F>
  void published_script(F handler) {
    set_responder(events::EventType::fetch_published_script,
                  detail::published_script(std::move(handler)));
  }
  // The `fetch_visitor_authentication` handler (one): typically a redirect to a login page.
  template <RespondingHandler<events::FetchVisitorAuthentication, Response> F>
  void visitor_authentication(F handler) {
    set_responder(events::EventType::fetch_visitor_authentication,
                  detail::responding<events::FetchVisitorAuthentication>(std::move(handler)));
  }
  // The content source `source_id` (content_compute_document and _revision events route by
  // sourceId). The handler returns JSON text: for a revision, GitBook's
  // ContentComputeRevisionEventResponse; for a document, the Document, which is answered as
  // {"document": …} as GitBook's createContentSource does. Unknown source: 404.
  template <RespondingHandler<events::ContentCompute, std::string> F>
  void content_source(std::string source_id, F handler) {
    add_content_source(std::move(source_id), detail::content_source(std::move(handler)));
  }
  // The ui_render component `component_id`, with GitBook's component model (component.hpp).
  void component(std::string component_id, ComponentSpec spec) {
    add_component(std::move(component_id), detail::spec_component(std::move(spec)));
  }
  // The same with a handler that answers the whole ContentKit output itself.
  template <ComponentHandler F>
  void component(std::string component_id, F handler) {
    add_component(std::move(component_id), Component(std::move(handler)));
  }
  // A service handlers reach through Context::service<T>() (a database pool, say). Not
  // owned: it must outlive the runtime's use.
  template <class T>
  void provide(T& service) {
    add_service(std::type_index(typeid(T)), &service);
  }

 protected:
  Registry() = default;
  ~Registry() = default;
  // Each throws std::logic_error once registration is closed (Runtime::start()).
  virtual void add_handler(std::size_t type_id, Handler handler) = 0;
  virtual std::size_t type_id_for(std::string name) = 0;
  virtual void set_responder(events::EventType type, Responder responder) = 0;
  virtual void add_content_source(std::string id, Responder responder) = 0;
  virtual void add_component(std::string id, Component component) = 0;
  virtual void add_service(std::type_index type, void* service) = 0;
};

}  // namespace gbrt::runtime
