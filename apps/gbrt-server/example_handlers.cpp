#include "example_handlers.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace gbrt::examples {

namespace ev = gbrt::events;

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

std::string text_block(std::string_view text) {
  std::string element = R"({"type":"block","children":[{"type":"text","text":")";
  append_json_escaped(element, text);
  element += "\"}]}";
  return element;
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

  // The space is the event's, else the one in props or context (installation-level renders).
  runtime.component(
      "view-counter",
      [views](const ev::UiRender& e,
              Context&) -> boost::asio::awaitable<runtime::ComponentResponse> {
        std::string_view space = e.space_id.value_or(e.props["spaceId"].get_string().value_or(
            e.context["spaceId"].get_string().value_or("")));
        if (space.empty()) throw ExposableError("view-counter needs a spaceId", 400);
        std::uint64_t n = views->total(space);
        std::string text = std::to_string(n) + (n == 1 ? " page view" : " page views");
        co_return runtime::ComponentResponse::element(text_block(text), "{}", e.props.raw());
      });
  // The component of the fixtures' other renders: shows what it was given, closes on an action.
  runtime.component(
      "embed-block",
      [](const ev::UiRender& e, Context&) -> boost::asio::awaitable<runtime::ComponentResponse> {
        if (e.action) co_return runtime::ComponentResponse::complete(e.action->raw());
        co_return runtime::ComponentResponse::element(text_block(e.props.raw()), "{}",
                                                      e.props.raw());
      });
  return views;
}

}  // namespace gbrt::examples
