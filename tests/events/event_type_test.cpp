#include <gbrt/events/event_type.hpp>

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace std::string_view_literals;
namespace ev = gbrt::events;
using ev::EventType;

// Every typed event with GitBook's wire name, in declaration order.
const std::vector<std::pair<EventType, std::string_view>> kEventTypeNames = {
    {EventType::installation_setup, "installation_setup"},
    {EventType::space_installation_setup, "space_installation_setup"},
    {EventType::site_installation_setup, "site_installation_setup"},
    {EventType::installation_deleted, "installation_deleted"},
    {EventType::space_installation_deleted, "space_installation_deleted"},
    {EventType::site_installation_deleted, "site_installation_deleted"},
    {EventType::space_view, "space_view"},
    {EventType::site_view, "site_view"},
    {EventType::page_feedback, "page_feedback"},
    {EventType::ui_render, "ui_render"},
    {EventType::space_content_updated, "space_content_updated"},
    {EventType::space_visibility_updated, "space_visibility_updated"},
    {EventType::space_gitsync_started, "space_gitsync_started"},
    {EventType::space_gitsync_completed, "space_gitsync_completed"},
    {EventType::task, "task"},
    {EventType::fetch, "fetch"},
    {EventType::fetch_published_script, "fetch_published_script"},
    {EventType::fetch_visitor_authentication, "fetch_visitor_authentication"},
    {EventType::content_compute_document, "content_compute_document"},
    {EventType::content_compute_revision, "content_compute_revision"},
};

TEST(EventType, EveryTypedEventIsListedInDeclarationOrder) {
  ASSERT_EQ(kEventTypeNames.size(), ev::kTypedEventCount);
  for (std::size_t i = 0; i < kEventTypeNames.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kEventTypeNames[i].first), i);
  }
  EXPECT_EQ(static_cast<std::size_t>(EventType::other), ev::kTypedEventCount);
}

TEST(EventType, ToStringGivesGitBooksName) {
  for (const auto& [type, name] : kEventTypeNames) {
    EXPECT_EQ(ev::to_string(type), name);
  }
  EXPECT_EQ(ev::to_string(EventType::other), "other"sv);
}

TEST(EventType, NameRoundTripsToTheSameType) {
  for (const auto& [type, name] : kEventTypeNames) {
    EXPECT_EQ(ev::event_type_from_name(name), type) << name;
    EXPECT_EQ(ev::event_type_from_name(ev::to_string(type)), type) << name;
  }
}

TEST(EventType, UntypedNamesAreOther) {
  for (std::string_view name : {"integration_event", "", "other", "Space_View", "space_view ",
                                "space_vie", "space_view_x", "fetch_", "Task"}) {
    EXPECT_EQ(ev::event_type_from_name(name), EventType::other) << '"' << name << '"';
  }
}

// The enums: each value with its wire name, then `unknown`.
TEST(InstallationStatus, RoundTripsEveryValue) {
  const std::vector<std::pair<ev::InstallationStatus, std::string_view>> values = {
      {ev::InstallationStatus::active, "active"},
      {ev::InstallationStatus::pending, "pending"},
      {ev::InstallationStatus::paused, "paused"},
  };
  for (const auto& [value, name] : values) {
    EXPECT_EQ(ev::to_string(value), name);
    EXPECT_EQ(ev::installation_status_from(name), value) << name;
  }
}

TEST(InstallationStatus, UnknownValues) {
  EXPECT_EQ(ev::to_string(ev::InstallationStatus::unknown), "unknown"sv);
  EXPECT_EQ(ev::installation_status_from("archived"), ev::InstallationStatus::unknown);
  EXPECT_EQ(ev::installation_status_from("Active"), ev::InstallationStatus::unknown);
  EXPECT_EQ(ev::installation_status_from(""), ev::InstallationStatus::unknown);
  EXPECT_EQ(ev::installation_status_from("unknown"), ev::InstallationStatus::unknown);
}

TEST(Visibility, RoundTripsEveryValue) {
  const std::vector<std::pair<ev::Visibility, std::string_view>> values = {
      {ev::Visibility::public_, "public"},
      {ev::Visibility::unlisted, "unlisted"},
      {ev::Visibility::share_link, "share-link"},
      {ev::Visibility::visitor_auth, "visitor-auth"},
      {ev::Visibility::in_collection, "in-collection"},
      {ev::Visibility::private_, "private"},
  };
  for (const auto& [value, name] : values) {
    EXPECT_EQ(ev::to_string(value), name);
    EXPECT_EQ(ev::visibility_from(name), value) << name;
  }
}

TEST(Visibility, UnknownValues) {
  EXPECT_EQ(ev::to_string(ev::Visibility::unknown), "unknown"sv);
  // The C++ spellings are not GitBook's.
  EXPECT_EQ(ev::visibility_from("share_link"), ev::Visibility::unknown);
  EXPECT_EQ(ev::visibility_from("public_"), ev::Visibility::unknown);
  EXPECT_EQ(ev::visibility_from("secret"), ev::Visibility::unknown);
  EXPECT_EQ(ev::visibility_from(""), ev::Visibility::unknown);
}

TEST(GitSyncState, RoundTripsEveryValue) {
  const std::vector<std::pair<ev::GitSyncState, std::string_view>> values = {
      {ev::GitSyncState::success, "success"},
      {ev::GitSyncState::failure, "failure"},
  };
  for (const auto& [value, name] : values) {
    EXPECT_EQ(ev::to_string(value), name);
    EXPECT_EQ(ev::gitsync_state_from(name), value) << name;
  }
}

TEST(GitSyncState, UnknownValues) {
  EXPECT_EQ(ev::to_string(ev::GitSyncState::unknown), "unknown"sv);
  EXPECT_EQ(ev::gitsync_state_from("cancelled"), ev::GitSyncState::unknown);
  EXPECT_EQ(ev::gitsync_state_from("SUCCESS"), ev::GitSyncState::unknown);
  EXPECT_EQ(ev::gitsync_state_from(""), ev::GitSyncState::unknown);
}

TEST(FeedbackRating, RoundTripsEveryValue) {
  const std::vector<std::pair<ev::FeedbackRating, std::string_view>> values = {
      {ev::FeedbackRating::bad, "bad"},
      {ev::FeedbackRating::ok, "ok"},
      {ev::FeedbackRating::good, "good"},
  };
  for (const auto& [value, name] : values) {
    EXPECT_EQ(ev::to_string(value), name);
    EXPECT_EQ(ev::feedback_rating_from(name), value) << name;
  }
}

TEST(FeedbackRating, UnknownValues) {
  EXPECT_EQ(ev::to_string(ev::FeedbackRating::unknown), "unknown"sv);
  EXPECT_EQ(ev::feedback_rating_from("great"), ev::FeedbackRating::unknown);
  EXPECT_EQ(ev::feedback_rating_from("go"), ev::FeedbackRating::unknown);
  EXPECT_EQ(ev::feedback_rating_from(""), ev::FeedbackRating::unknown);
}

}  // namespace
