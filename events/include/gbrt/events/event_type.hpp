// The names GitBook gives its event types and the enumerated values inside events.
// Every enum has `unknown`: a value GitBook adds later is accepted, not rejected.
#pragma once

#include <cstdint>
#include <string_view>

namespace gbrt::events {

// Event types with a typed view; `other` is every other `type` (a GenericEvent).
// The order is the order of the alternatives of gbrt::events::Event.
enum class EventType : std::uint8_t {
  installation_setup,
  space_installation_setup,
  site_installation_setup,
  installation_deleted,
  space_installation_deleted,
  site_installation_deleted,
  space_view,
  site_view,
  page_feedback,
  ui_render,
  space_content_updated,
  space_visibility_updated,
  space_gitsync_started,
  space_gitsync_completed,
  task,
  fetch,
  fetch_published_script,
  fetch_visitor_authentication,
  content_compute_document,
  content_compute_revision,
  other,
};
inline constexpr std::size_t kTypedEventCount = static_cast<std::size_t>(EventType::other);

// GitBook's wire name ("space_view"); "other" for EventType::other.
std::string_view to_string(EventType type) noexcept;
// EventType::other when `name` is not one of the typed events.
EventType event_type_from_name(std::string_view name) noexcept;

enum class InstallationStatus : std::uint8_t { active, pending, paused, unknown };
enum class Visibility : std::uint8_t {
  public_,
  unlisted,
  share_link,
  visitor_auth,
  in_collection,
  private_,
  unknown
};
enum class GitSyncState : std::uint8_t { success, failure, unknown };
enum class FeedbackRating : std::uint8_t { bad, ok, good, unknown };

std::string_view to_string(InstallationStatus value) noexcept;
std::string_view to_string(Visibility value) noexcept;
std::string_view to_string(GitSyncState value) noexcept;
std::string_view to_string(FeedbackRating value) noexcept;

// Each maps GitBook's string to the enum, `unknown` for a value this build does not know.
InstallationStatus installation_status_from(std::string_view text) noexcept;
Visibility visibility_from(std::string_view text) noexcept;
GitSyncState gitsync_state_from(std::string_view text) noexcept;
FeedbackRating feedback_rating_from(std::string_view text) noexcept;

}  // namespace gbrt::events
