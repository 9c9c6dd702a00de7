#include <gbrt/events/event_type.hpp>

#include <array>

namespace gbrt::events {
namespace {

constexpr std::array<std::string_view, kTypedEventCount + 1> kTypeNames = {
    "installation_setup",
    "space_installation_setup",
    "site_installation_setup",
    "installation_deleted",
    "space_installation_deleted",
    "site_installation_deleted",
    "space_view",
    "site_view",
    "page_feedback",
    "ui_render",
    "space_content_updated",
    "space_visibility_updated",
    "space_gitsync_started",
    "space_gitsync_completed",
    "task",
    "fetch",
    "fetch_published_script",
    "fetch_visitor_authentication",
    "content_compute_document",
    "content_compute_revision",
    "other",
};

// Each enum's names, in declaration order, `unknown` last (and not listed).
constexpr std::array<std::string_view, 3> kStatusNames = {"active", "pending", "paused"};
constexpr std::array<std::string_view, 6> kVisibilityNames = {
    "public", "unlisted", "share-link", "visitor-auth", "in-collection", "private"};
constexpr std::array<std::string_view, 2> kGitSyncNames = {"success", "failure"};
constexpr std::array<std::string_view, 3> kRatingNames = {"bad", "ok", "good"};

template <class Enum, std::size_t N>
Enum from_name(const std::array<std::string_view, N>& names, std::string_view text) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return static_cast<Enum>(N);  // unknown
}

template <class Enum, std::size_t N>
std::string_view to_name(const std::array<std::string_view, N>& names, Enum value) noexcept {
  auto index = static_cast<std::size_t>(value);
  return index < N ? names[index] : std::string_view("unknown");
}

}  // namespace

std::string_view to_string(EventType type) noexcept {
  return kTypeNames[static_cast<std::size_t>(type)];
}

EventType event_type_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kTypedEventCount; ++i) {
    if (kTypeNames[i] == name) return static_cast<EventType>(i);
  }
  return EventType::other;
}

std::string_view to_string(InstallationStatus v) noexcept {
  return to_name(kStatusNames, v);
}
std::string_view to_string(Visibility v) noexcept {
  return to_name(kVisibilityNames, v);
}
std::string_view to_string(GitSyncState v) noexcept {
  return to_name(kGitSyncNames, v);
}
std::string_view to_string(FeedbackRating v) noexcept {
  return to_name(kRatingNames, v);
}

InstallationStatus installation_status_from(std::string_view text) noexcept {
  return from_name<InstallationStatus>(kStatusNames, text);
}
Visibility visibility_from(std::string_view text) noexcept {
  return from_name<Visibility>(kVisibilityNames, text);
}
GitSyncState gitsync_state_from(std::string_view text) noexcept {
  return from_name<GitSyncState>(kGitSyncNames, text);
}
FeedbackRating feedback_rating_from(std::string_view text) noexcept {
  return from_name<FeedbackRating>(kRatingNames, text);
}

}  // namespace gbrt::events
