// Typed, zero-copy views of GitBook's events (one struct per event type) and the
// Event variant the parser returns. Every string_view borrows the request body.
#pragma once

#include <concepts>
#include <optional>
#include <string_view>
#include <type_traits>
#include <variant>

#include <gbrt/events/event_type.hpp>
#include <gbrt/events/json_view.hpp>

namespace gbrt::events {

// Lifetime: a view is valid while the runtime keeps its event's body and StringArena,
// that is until every handler of the event has finished. Copy what you keep longer.

// Fields every event has.
struct EventBase {
  std::string_view type;             // GitBook's type name, e.g. "space_view"
  std::string_view event_id;         // unique per event: use it for idempotency
  std::string_view installation_id;  // empty only for a GenericEvent that has none
  JsonView json;                     // the whole event, for fields this view does not name
};

// The visitor of a page (space_view, site_view, page_feedback).
struct Visitor {
  std::string_view anonymous_id;
  JsonView cookies;  // object of string -> string
  std::string_view user_agent;
  std::string_view ip;
  std::optional<std::string_view> language;
};

// `previous` of the *_installation_setup events.
struct PreviousSetup {
  InstallationStatus status = InstallationStatus::unknown;
  std::optional<JsonView> configuration;
};

// `previous` of the *_installation_deleted events.
struct PreviousDeleted {
  std::optional<JsonView> configuration;
};

struct InstallationSetup : EventBase {
  static constexpr EventType kType = EventType::installation_setup;
  InstallationStatus status = InstallationStatus::unknown;
  std::optional<PreviousSetup> previous;
};

struct SpaceInstallationSetup : EventBase {
  static constexpr EventType kType = EventType::space_installation_setup;
  std::string_view space_id;
  InstallationStatus status = InstallationStatus::unknown;
  std::optional<PreviousSetup> previous;
};

struct SiteInstallationSetup : EventBase {
  static constexpr EventType kType = EventType::site_installation_setup;
  std::string_view site_id;
  InstallationStatus status = InstallationStatus::unknown;
  std::optional<PreviousSetup> previous;
};

struct InstallationDeleted : EventBase {
  static constexpr EventType kType = EventType::installation_deleted;
  PreviousDeleted previous;
};

struct SpaceInstallationDeleted : EventBase {
  static constexpr EventType kType = EventType::space_installation_deleted;
  std::string_view space_id;
  PreviousDeleted previous;
};

struct SiteInstallationDeleted : EventBase {
  static constexpr EventType kType = EventType::site_installation_deleted;
  std::string_view site_id;
  PreviousDeleted previous;
};

// A page of a space was visited (the older name; GitBook's docs still use it).
struct SpaceView : EventBase {
  static constexpr EventType kType = EventType::space_view;
  std::string_view space_id;
  std::optional<std::string_view> page_id;
  Visitor visitor;
  std::string_view url;
  std::string_view referrer;
};

// A page of a site was visited (the current name).
struct SiteView : EventBase {
  static constexpr EventType kType = EventType::site_view;
  std::string_view site_id;
  std::optional<std::string_view> space_id;  // deprecated by GitBook
  std::optional<std::string_view> site_space_id;
  std::optional<std::string_view> page_id;
  Visitor visitor;
  std::string_view url;
  std::string_view referrer;
};

struct Feedback {
  FeedbackRating rating = FeedbackRating::unknown;
  std::optional<std::string_view> comment;
};

struct PageFeedback : EventBase {
  static constexpr EventType kType = EventType::page_feedback;
  std::string_view site_id;
  std::optional<std::string_view> space_id;
  std::optional<std::string_view> page_id;
  Feedback feedback;
  Visitor visitor;
  std::string_view url;
  std::string_view referrer;
};

struct Auth {
  std::string_view user_id;
};

// A UI component is rendered (or one of its actions ran). Routed by component_id.
struct UiRender : EventBase {
  static constexpr EventType kType = EventType::ui_render;
  std::optional<std::string_view> space_id;
  std::optional<std::string_view> site_id;
  std::string_view component_id;
  JsonView props;
  std::optional<JsonView> state;
  JsonView context;  // `type`, `theme`, ... see gitbook-events.md
  std::optional<JsonView> action;
  std::optional<Auth> auth;
};

// One entry of `updatedBy`.
struct User {
  std::string_view object;  // "user"
  std::string_view id;
  std::string_view display_name;
  std::optional<std::string_view> email;
  std::optional<std::string_view> photo_url;
  JsonView urls;
};

// `updatedBy`: iterated as User values, read from the body on each step.
class UserList {
 public:
  UserList() = default;
  explicit UserList(JsonView array) noexcept : array_(array) {}

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = User;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = User;
    Iterator() = default;
    explicit Iterator(JsonView::ElementIterator it) noexcept : it_(it) {}
    User operator*() const;
    Iterator& operator++() noexcept {
      ++it_;
      return *this;
    }
    friend bool operator==(const Iterator&, const Iterator&) = default;

   private:
    JsonView::ElementIterator it_;
  };
  Iterator begin() const noexcept { return Iterator(array_.elements().begin()); }
  Iterator end() const noexcept { return Iterator(array_.elements().end()); }
  std::size_t size() const noexcept { return array_.size(); }
  bool empty() const noexcept { return size() == 0; }
  JsonView json() const noexcept { return array_; }

 private:
  JsonView array_;
};

struct SpaceContentUpdated : EventBase {
  static constexpr EventType kType = EventType::space_content_updated;
  std::string_view space_id;
  std::string_view revision_id;
  UserList updated_by;  // empty when absent (older deliveries)
};

struct SpaceVisibilityUpdated : EventBase {
  static constexpr EventType kType = EventType::space_visibility_updated;
  std::string_view space_id;
  Visibility visibility = Visibility::unknown;
  Visibility previous_visibility = Visibility::unknown;
};

struct SpaceGitSyncStarted : EventBase {
  static constexpr EventType kType = EventType::space_gitsync_started;
  std::string_view space_id;
  std::string_view revision_id;
  std::string_view commit_id;
};

struct SpaceGitSyncCompleted : EventBase {
  static constexpr EventType kType = EventType::space_gitsync_completed;
  std::string_view space_id;
  GitSyncState state = GitSyncState::unknown;
  std::string_view revision_id;
  std::string_view commit_id;
};

// A task the integration queued for itself (`task` is its own payload). installation_id is
// empty when GitBook sends none.
struct Task : EventBase {
  static constexpr EventType kType = EventType::task;
  JsonView task;
};

// `request` of a fetch event: the HTTP request GitBook received for the integration.
struct FetchRequest {
  std::string_view method;  // as GitBook sends it: "get", "post", "put", "delete"
  std::string_view url;     // absolute: scheme, host, path, query
  JsonView headers;         // object of string -> string
};

// An HTTP request to the integration. installation_id is empty when not installation-specific.
struct Fetch : EventBase {
  static constexpr EventType kType = EventType::fetch;
  std::optional<std::string_view> space_id;
  std::optional<std::string_view> site_id;
  std::optional<Auth> auth;
  FetchRequest request;
  // The request's body: the dispatcher's `fetch-body` part, in place in the request
  // (empty when absent, and for a Webhook delivery, which has none).
  std::string_view body;
};

// GitBook asks for the script the integration injects into a published site.
struct FetchPublishedScript : EventBase {
  static constexpr EventType kType = EventType::fetch_published_script;
  std::string_view site_id;
};

// A visitor of a site with visitor authentication arrives: answer with where to log in.
struct FetchVisitorAuthentication : EventBase {
  static constexpr EventType kType = EventType::fetch_visitor_authentication;
  std::string_view site_id;
  std::optional<std::string_view> location;  // where the visitor was going
  std::optional<JsonView> search_params;     // whitelisted query parameters
  std::optional<JsonView> cookies;           // whitelisted cookies
  std::optional<std::string_view> action;    // "logout", or absent for a login
};

// Fields both content_compute_* events have.
struct ContentCompute : EventBase {
  std::string_view space_id;
  std::string_view source_id;  // the content source asked for: routed by it
  JsonView props;
  JsonView dependencies;  // object of name -> resolved dependency
};

// Compute the document of one page of a content source (answer: a Document).
struct ContentComputeDocument : ContentCompute {
  static constexpr EventType kType = EventType::content_compute_document;
};

// Compute a revision of a content source (answer: its pages and files).
struct ContentComputeRevision : ContentCompute {
  static constexpr EventType kType = EventType::content_compute_revision;
};

// Any other type (a type GitBook adds later): the envelope plus the whole event as JSON.
struct GenericEvent : EventBase {
  static constexpr EventType kType = EventType::other;
};

// Alternatives in EventType order: event.index() == static_cast<size_t>(type).
using Event = std::variant<InstallationSetup, SpaceInstallationSetup, SiteInstallationSetup,
                           InstallationDeleted, SpaceInstallationDeleted, SiteInstallationDeleted,
                           SpaceView, SiteView, PageFeedback, UiRender, SpaceContentUpdated,
                           SpaceVisibilityUpdated, SpaceGitSyncStarted, SpaceGitSyncCompleted, Task,
                           Fetch, FetchPublishedScript, FetchVisitorAuthentication,
                           ContentComputeDocument, ContentComputeRevision, GenericEvent>;

// The alternative of Event at a view's kType.
template <class T>
using EventAlternative = std::variant_alternative_t<std::size_t(T::kType), Event>;

// A view type of this module: what `Runtime::on<View>` accepts.
template <class T>
concept EventView = std::derived_from<T, EventBase> && requires {
  { T::kType } -> std::convertible_to<EventType>;
  requires std::same_as<EventAlternative<T>, T>;
};

inline const EventBase& base(const Event& event) noexcept {
  return std::visit([](const EventBase& e) -> const EventBase& { return e; }, event);
}
inline EventType type_of(const Event& event) noexcept {
  return static_cast<EventType>(event.index());
}

// `apiTokens` of the environment.
struct ApiTokens {
  std::string_view integration;
  std::optional<std::string_view> installation;
};

// The integration environment (multipart field `environment` of GitBook's dispatcher).
struct Environment {
  std::string_view api_endpoint;
  ApiTokens api_tokens;
  JsonView integration;      // name, version, title, ...
  JsonView signing_secrets;  // integration, installation?, ...
  JsonView secrets;
  std::optional<JsonView> installation;
  std::optional<JsonView> space_installation;
  std::optional<JsonView> site_installation;
  std::optional<std::string_view> auth_token;
  std::optional<std::string_view> signing_secret;
  JsonView json;  // the whole environment

  // Typed reads of what integrations use most; empty or nullopt when GitBook sent none.
  std::string_view integration_name() const {
    return integration["name"].get_string().value_or("");
  }
  std::optional<std::int64_t> integration_version() const {
    return integration["version"].get_int64();
  }
  JsonView integration_urls() const { return integration["urls"]; }
  JsonView installation_configuration() const { return configuration_of(installation); }
  JsonView space_installation_configuration() const { return configuration_of(space_installation); }
  JsonView site_installation_configuration() const { return configuration_of(site_installation); }
  std::optional<std::string_view> secret(std::string_view name) const {
    return secrets[name].get_string();
  }
  std::optional<std::string_view> signing_secret_for(std::string_view scope) const {
    return signing_secrets[scope].get_string();
  }

 private:
  static JsonView configuration_of(const std::optional<JsonView>& installation) {
    return installation ? (*installation)["configuration"] : JsonView();
  }
};

}  // namespace gbrt::events
