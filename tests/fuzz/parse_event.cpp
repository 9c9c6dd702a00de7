// Fuzzes events::Parser: any bytes as an event (or, first byte odd, as an environment),
// then every accessor of whatever view comes back, and a walk of every JsonView.
#include <cstdint>
#include <string_view>

#include <gbrt/events/parse.hpp>

namespace {

namespace ev = gbrt::events;

volatile std::size_t sink;  // keeps reads from being optimized away

void touch(std::string_view s) {
  sink = sink + s.size();
}
void touch(const std::optional<std::string_view>& s) {
  if (s) touch(*s);
}

void walk(const ev::JsonView& v, int depth = 0) {
  touch(v.raw());
  sink = sink + std::size_t(v.type()) + v.size();
  if (auto s = v.get_string()) touch(*s);
  if (auto i = v.get_int64()) sink = sink + std::size_t(*i);
  if (auto d = v.get_double()) sink = sink + std::size_t(*d > 0);
  if (auto b = v.get_bool()) sink = sink + *b;
  if (depth > 8) return;
  for (const auto& member : v.members()) {
    touch(member.key);
    walk(member.value, depth + 1);
    touch(v[member.key].raw());
  }
  std::size_t i = 0;
  for (const auto& element : v.elements()) {
    walk(element, depth + 1);
    touch(v[i++].raw());
  }
}
void walk(const std::optional<ev::JsonView>& v) {
  if (v) walk(*v);
}

void touch(const ev::Visitor& v) {
  touch(v.anonymous_id);
  walk(v.cookies);
  touch(v.user_agent);
  touch(v.ip);
  touch(v.language);
}

void touch_view(const ev::EventBase& e) {
  touch(e.type);
  touch(e.event_id);
  touch(e.installation_id);
  walk(e.json);
}

struct TouchAll {
  void operator()(const ev::InstallationSetup& e) const {
    sink = sink + std::size_t(e.status);
    if (e.previous) walk(e.previous->configuration);
  }
  void operator()(const ev::SpaceInstallationSetup& e) const {
    touch(e.space_id);
    if (e.previous) walk(e.previous->configuration);
  }
  void operator()(const ev::SiteInstallationSetup& e) const {
    touch(e.site_id);
    if (e.previous) walk(e.previous->configuration);
  }
  void operator()(const ev::InstallationDeleted& e) const { walk(e.previous.configuration); }
  void operator()(const ev::SpaceInstallationDeleted& e) const {
    touch(e.space_id);
    walk(e.previous.configuration);
  }
  void operator()(const ev::SiteInstallationDeleted& e) const {
    touch(e.site_id);
    walk(e.previous.configuration);
  }
  void operator()(const ev::SpaceView& e) const {
    touch(e.space_id);
    touch(e.page_id);
    touch(e.visitor);
    touch(e.url);
    touch(e.referrer);
  }
  void operator()(const ev::SiteView& e) const {
    touch(e.site_id);
    touch(e.space_id);
    touch(e.site_space_id);
    touch(e.page_id);
    touch(e.visitor);
    touch(e.url);
    touch(e.referrer);
  }
  void operator()(const ev::PageFeedback& e) const {
    touch(e.site_id);
    touch(e.feedback.comment);
    sink = sink + std::size_t(e.feedback.rating);
    touch(e.visitor);
  }
  void operator()(const ev::UiRender& e) const {
    touch(e.component_id);
    walk(e.props);
    walk(e.state);
    walk(e.context);
    walk(e.action);
    if (e.auth) touch(e.auth->user_id);
  }
  void operator()(const ev::SpaceContentUpdated& e) const {
    touch(e.revision_id);
    for (const ev::User& user : e.updated_by) {
      touch(user.id);
      touch(user.display_name);
      touch(user.email);
      touch(user.photo_url);
      walk(user.urls);
    }
  }
  void operator()(const ev::SpaceVisibilityUpdated& e) const {
    sink = sink + std::size_t(e.visibility) + std::size_t(e.previous_visibility);
  }
  void operator()(const ev::SpaceGitSyncStarted& e) const { touch(e.commit_id); }
  void operator()(const ev::SpaceGitSyncCompleted& e) const {
    touch(e.commit_id);
    sink = sink + std::size_t(e.state);
  }
  void operator()(const ev::Task& e) const { walk(e.task); }
  void operator()(const ev::Fetch& e) const {
    touch(e.request.method);
    touch(e.request.url);
    walk(e.request.headers);
    touch(e.space_id);
    touch(e.site_id);
    if (e.auth) touch(e.auth->user_id);
  }
  void operator()(const ev::FetchPublishedScript& e) const { touch(e.site_id); }
  void operator()(const ev::FetchVisitorAuthentication& e) const {
    touch(e.site_id);
    touch(e.location);
    walk(e.search_params);
    walk(e.cookies);
    touch(e.action);
  }
  void operator()(const ev::ContentCompute& e) const {
    touch(e.space_id);
    touch(e.source_id);
    walk(e.props);
    walk(e.dependencies);
  }
  void operator()(const ev::GenericEvent& e) const { walk(e.json["other"]); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The bound also tells g++ that the buffer's size arithmetic cannot wrap (-Wstringop-overflow).
  if (size > 64 * 1024 * 1024) return 0;
  static ev::Parser parser(64 * 1024);
  ev::StringArena arena;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const bool environment = size > 0 && (data[0] & 1) && bytes.find("apiEndpoint") != bytes.npos;
  ev::PaddedBuffer buffer(bytes);
  if (environment) {
    auto env = parser.parse_environment(buffer.view(), arena);
    if (env) {
      touch(env.value().api_endpoint);
      touch(env.value().api_tokens.installation);
      walk(env.value().integration);
      walk(env.value().json);
    } else {
      sink = sink + env.error().message().size();
    }
    return 0;
  }
  auto event = parser.parse_event(buffer.view(), arena);
  if (!event) {
    sink = sink + event.error().message().size();  // every error has a message
    return 0;
  }
  touch_view(ev::base(event.value()));
  std::visit(TouchAll{}, event.value());
  return 0;
}
