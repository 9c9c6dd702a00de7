#include "example_handlers.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/router.hpp>
#include <gbrt/runtime/url.hpp>

namespace gbrt::examples {

namespace asio = boost::asio;
namespace contentkit = gbrt::contentkit;
namespace ev = gbrt::events;
namespace json = boost::json;

struct ViewCounts::Shard {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  mutable std::mutex mutex;  // uncontended except while a component reads
  std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> views;
};

ViewCounts::ViewCounts(std::size_t shards, std::size_t max_spaces)
    : shards_(std::make_unique<Shard[]>(shards)), count_(shards), max_spaces_(max_spaces) {}
ViewCounts::~ViewCounts() = default;

void ViewCounts::add(std::size_t shard, std::string_view space_id) {
  if (space_id.size() > kMaxSpaceIdBytes) return;
  Shard& s = shards_[shard];
  std::lock_guard lock(s.mutex);
  if (auto it = s.views.find(space_id); it != s.views.end()) {
    ++it->second;  // no allocation for a space already seen
  } else if (s.views.size() < max_spaces_) {
    s.views.emplace(std::string(space_id), 1);
  }
}

std::size_t ViewCounts::spaces() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    n += shards_[i].views.size();
  }
  return n;
}

std::uint64_t ViewCounts::total(std::string_view space_id) const {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    if (auto it = shards_[i].views.find(space_id); it != shards_[i].views.end()) sum += it->second;
  }
  return sum;
}

namespace {

// A number of `object` as a double (JavaScript's numbers), `fallback` when absent.
double number_or(const json::object& object, std::string_view key, double fallback) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_number() ? value->to_number<double>() : fallback;
}

struct Nothing {
  void operator()(const auto&, Context&) const {}
};

// Counts every event of type View into gbrt_example_events_seen_total{type=…}, then does
// `also` with it (one handler per type keeps dispatch on its fastest path).
template <ev::EventView View, class Also = Nothing>
void count_events(Runtime& runtime, Also also = {}) {
  std::string series =
      "gbrt_example_events_seen_total{type=\"" + std::string(ev::to_string(View::kType)) + "\"}";
  runtime::Counter& seen =
      runtime.metrics().counter(std::move(series), "Events seen by the example handlers.");
  runtime.on<View>(
      [&seen, also](const View& event, Context& context) -> boost::asio::awaitable<void> {
        seen.inc(context.shard_index());
        also(event, context);
        co_return;
      });
}

// The `counter` component: a number kept in the component's state, changed by actions.
void register_counter(Runtime& runtime) {
  runtime::ComponentSpec counter;
  counter.initial_state = [](const json::object& props, ev::JsonView, Context&) {
    const json::value* start = props.if_contains("start");
    if (start != nullptr && start->is_number()) return json::object{{"count", *start}};
    return json::object{{"count", 0}};
  };
  counter.action = [](runtime::ComponentInstance& instance, ev::JsonView action,
                      Context&) -> asio::awaitable<runtime::ActionResult> {
    const std::string_view name = action["action"].get_string().value_or("");
    const double count = number_or(instance.state, "count", 0);
    if (name == "increment") {
      json::object state = instance.state;
      state["count"] = count + action["by"].get_double().value_or(1);
      co_return runtime::ActionResult::with_state(std::move(state));
    }
    if (name == "reset") co_return runtime::ActionResult::with_state({{"count", 0}});
    if (name == "close") co_return runtime::ActionResult::complete(json::object{{"count", count}});
    throw ExposableError("Unknown action " + std::string(name), 400);
  };
  counter.render = [](runtime::ComponentInstance& instance,
                      Context&) -> asio::awaitable<contentkit::Root> {
    instance.set_cache(std::chrono::seconds(60));
    co_return contentkit::Block(
        {contentkit::Text("Count: " + runtime::js_number(number_or(instance.state, "count", 0)))});
  };
  runtime.component("counter", std::move(counter));
}

// HTTP: a small API on `fetch`, the published site's script, and visitor authentication.
void register_http_handlers(Runtime& runtime) {
  runtime::Router router;
  router.get(
      "/hello",
      [](const runtime::FetchRequest& request, Context&) -> asio::awaitable<runtime::Response> {
        json::object body{{"hello", request.query("name").value_or("world")}};
        co_return runtime::Response::json(runtime::to_js_json(body));
      });
  router.post(
      "/echo",
      [](const runtime::FetchRequest& request, Context&) -> asio::awaitable<runtime::Response> {
        std::string type(request.header("content-type").value_or("text/plain"));
        co_return runtime::Response::text(std::string(request.body()), type);
      });
  runtime.fetch(std::move(router));

  runtime.published_script([](const ev::FetchPublishedScript& event,
                              Context&) -> asio::awaitable<std::optional<runtime::Response>> {
    if (event.site_id.starts_with("site_none")) co_return std::nullopt;  // the no-op script
    std::string script = "window.gbrtSite=";
    runtime::append_js_string(script, event.site_id);
    script += ';';
    co_return runtime::Response::text(std::move(script), "application/javascript");
  });

  runtime.visitor_authentication([](const ev::FetchVisitorAuthentication& event,
                                    Context&) -> asio::awaitable<runtime::Response> {
    co_return runtime::Response::redirect(
        "https://auth.example.com/login?site=" + runtime::encode_uri_component(event.site_id) +
        "&location=" + runtime::encode_uri_component(event.location.value_or("")));
  });
}

}  // namespace

std::shared_ptr<ViewCounts> register_example_handlers(Runtime& runtime) {
  auto views = std::make_shared<ViewCounts>(runtime.shard_count());
  count_events<ev::InstallationSetup>(runtime);
  count_events<ev::SpaceInstallationSetup>(runtime);
  count_events<ev::SiteInstallationSetup>(runtime);
  count_events<ev::InstallationDeleted>(runtime);
  count_events<ev::SpaceInstallationDeleted>(runtime);
  count_events<ev::SiteInstallationDeleted>(runtime);
  count_events<ev::SpaceView>(runtime, [views](const ev::SpaceView& e, Context& context) {
    views->add(context.shard_index(), e.space_id);
  });
  count_events<ev::SiteView>(runtime, [views](const ev::SiteView& e, Context& context) {
    if (e.space_id) views->add(context.shard_index(), *e.space_id);
  });
  count_events<ev::PageFeedback>(runtime);
  count_events<ev::SpaceContentUpdated>(runtime);
  count_events<ev::SpaceVisibilityUpdated>(runtime);
  count_events<ev::SpaceGitSyncStarted>(runtime);
  count_events<ev::SpaceGitSyncCompleted>(runtime);

  // The space is the event's, else the one in props or context (installation-level renders);
  // an empty one counts as absent.
  runtime.component(
      "view-counter",
      runtime::ComponentSpec{.render = [views](runtime::ComponentInstance& instance,
                                               Context&) -> asio::awaitable<contentkit::Root> {
        const ev::UiRender& render = *instance.event;
        std::string_view space = render.space_id.value_or("");
        if (space.empty()) space = render.props["spaceId"].get_string().value_or("");
        if (space.empty()) space = instance.context["spaceId"].get_string().value_or("");
        if (space.empty()) throw ExposableError("view-counter needs a spaceId", 400);
        std::uint64_t n = views->total(space);
        co_return contentkit::Block(
            {contentkit::Text(std::to_string(n) + (n == 1 ? " page view" : " page views"))});
      }});
  // The component of the fixtures' other renders: shows what it was given, closes on an action.
  runtime.component(
      "embed-block",
      runtime::ComponentSpec{
          .action = [](runtime::ComponentInstance&, ev::JsonView action,
                       Context&) -> asio::awaitable<runtime::ActionResult> {
            co_return runtime::ActionResult::complete(runtime::parse_json(action.raw()));
          },
          .render = [](runtime::ComponentInstance& instance,
                       Context&) -> asio::awaitable<contentkit::Root> {
            co_return contentkit::Block({contentkit::Text(instance.event->props.raw())});
          }});
  register_counter(runtime);
  register_http_handlers(runtime);
  count_events<ev::Task>(runtime);
  // Content sources of the fixtures: empty pages, empty documents.
  for (const char* source : {"openapi-pages", "changelog"}) {
    runtime.content_source(
        source, [](const ev::ContentCompute& e, Context&) -> asio::awaitable<std::string> {
          if (e.type == "content_compute_revision") co_return R"({"pages":[],"files":[]})";
          co_return R"({"object":"document","nodes":[]})";
        });
  }
  return views;
}

}  // namespace gbrt::examples
