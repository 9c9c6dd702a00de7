// One forward pass of simdjson On-Demand over the whole input validates every byte
// (simdjson itself validates only what is read, so every value is read) and records
// where the fields the typed views need are. The views are then filled from that record.
#include <gbrt/events/parse.hpp>

#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "json_text.hpp"

namespace gbrt::events {

namespace od = simdjson::ondemand;
using simdjson::error_code;

static_assert(kJsonPadding == simdjson::SIMDJSON_PADDING);

namespace {

// Every field name a typed view reads, at any level: one list, the enum and the names made
// from it (a field of a new view is one more X(name) here).
// clang-format off
#define GBRT_PARSED_KEYS(X) \
  X(eventId) X(type) X(installationId) X(spaceId) X(siteId) X(siteSpaceId) X(pageId) X(status) \
  X(previous) X(configuration) X(visitor) X(anonymousId) X(cookies) X(userAgent) X(ip) \
  X(language) X(url) X(referrer) X(feedback) X(rating) X(comment) X(componentId) X(props) \
  X(state) X(context) X(action) X(auth) X(userId) X(revisionId) X(updatedBy) X(visibility) \
  X(previousVisibility) X(commitId) X(apiEndpoint) X(apiTokens) X(integration) X(installation) \
  X(signingSecrets) X(secrets) X(spaceInstallation) X(siteInstallation) X(authToken) \
  X(signingSecret) X(task) X(request) X(method) X(headers) X(sourceId) X(dependencies) \
  X(location) X(searchParams)
// clang-format on

enum class Key : std::uint8_t {
#define GBRT_KEY_ENUMERATOR(name) name,
  GBRT_PARSED_KEYS(GBRT_KEY_ENUMERATOR)
#undef GBRT_KEY_ENUMERATOR
      count,
  none = count
};
constexpr std::size_t kKeyCount = static_cast<std::size_t>(Key::count);
constexpr std::array<std::string_view, kKeyCount> kKeyNames = {
#define GBRT_KEY_NAME(name) #name,
    GBRT_PARSED_KEYS(GBRT_KEY_NAME)
#undef GBRT_KEY_NAME
};
#undef GBRT_PARSED_KEYS

// Every member name of every event is looked up: an open-addressing table built from
// kKeyNames at compile time, so the cost stays one or two comparisons as keys are added.
constexpr std::size_t key_hash(std::string_view name) noexcept {
  if (name.empty()) return 0;
  return name.size() * 131 + static_cast<unsigned char>(name.front()) * 31 +
         static_cast<unsigned char>(name[name.size() / 2]) * 7 +
         static_cast<unsigned char>(name.back());
}
constexpr std::size_t kKeySlots = 256;  // a power of two, well above kKeyCount
static_assert(kKeyCount < kKeySlots / 2 && kKeyCount < 255);
constexpr auto kKeyTable = [] {
  std::array<std::uint8_t, kKeySlots> table{};  // Key + 1; 0: empty
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    std::size_t slot = key_hash(kKeyNames[i]) & (kKeySlots - 1);
    while (table[slot] != 0) slot = (slot + 1) & (kKeySlots - 1);
    table[slot] = static_cast<std::uint8_t>(i + 1);
  }
  return table;
}();

Key key_from(std::string_view name) noexcept {
  for (std::size_t slot = key_hash(name) & (kKeySlots - 1); kKeyTable[slot] != 0;
       slot = (slot + 1) & (kKeySlots - 1)) {
    const std::size_t i = kKeyTable[slot] - 1;
    if (kKeyNames[i] == name) return Key(i);
  }
  return Key::none;
}

// The objects whose members are recorded: the event itself and the nested objects the
// typed views read field by field. Other objects are validated and kept as a JsonView.
enum class Scope : std::uint8_t {
  top,
  visitor,
  previous,
  feedback,
  auth,
  apiTokens,
  request,
  count,
  none = count
};
constexpr std::size_t kScopeCount = static_cast<std::size_t>(Scope::count);
constexpr std::array<std::string_view, kScopeCount> kScopeNames = {
    "", "visitor", "previous", "feedback", "auth", "apiTokens", "request"};

// Whether a Scope's typed view reads `key` (only those are recorded, so a record never
// holds more than the views can ask for).
bool reads(Scope scope, Key key) noexcept {
  switch (scope) {
    case Scope::top:
      return true;
    case Scope::visitor:
      return key == Key::anonymousId || key == Key::cookies || key == Key::userAgent ||
             key == Key::ip || key == Key::language;
    case Scope::previous:
      return key == Key::status || key == Key::configuration;
    case Scope::feedback:
      return key == Key::rating || key == Key::comment;
    case Scope::auth:
      return key == Key::userId;
    case Scope::apiTokens:
      return key == Key::integration || key == Key::installation;
    case Scope::request:
      return key == Key::method || key == Key::url || key == Key::headers;
    default:
      return false;
  }
}

Scope scope_of(Key key) noexcept {
  switch (key) {
    case Key::visitor:
      return Scope::visitor;
    case Key::previous:
      return Scope::previous;
    case Key::feedback:
      return Scope::feedback;
    case Key::auth:
      return Scope::auth;
    case Key::apiTokens:
      return Scope::apiTokens;
    case Key::request:
      return Scope::request;
    default:
      return Scope::none;
  }
}

// A recorded field: strings as their unescaped text, everything else as raw JSON.
struct Field {
  std::string_view text;
  std::uint32_t offset = 0;
  JsonType type = JsonType::missing;
};

struct Record {
  // Enough for every (scope, key) that reads() accepts; a repeated key reuses its slot.
  static constexpr std::size_t kMaxFields = 80;
  std::array<std::array<std::uint8_t, kKeyCount>, kScopeCount> slot{};  // 0: absent
  std::array<Field, kMaxFields> fields;
  std::size_t count = 0;

  void add(Scope scope, Key key, const Field& field) noexcept {
    auto& s = slot[std::size_t(scope)][std::size_t(key)];
    if (s != 0) {
      fields[s - 1] = field;  // a repeated key: the last one wins, as in JavaScript
    } else if (count < kMaxFields) {
      fields[count] = field;
      s = std::uint8_t(++count);
    }
  }
  const Field* find(Scope scope, Key key) const noexcept {
    auto s = slot[std::size_t(scope)][std::size_t(key)];
    return s == 0 ? nullptr : &fields[s - 1];
  }
};

ParseError simdjson_error(error_code e, std::size_t offset) {
  ParseError err;
  err.offset = offset;
  switch (e) {
    case simdjson::EMPTY:
      err.code = ParseError::Code::empty;
      break;
    case simdjson::UTF8_ERROR:
      err.code = ParseError::Code::invalid_utf8;
      break;
    case simdjson::DEPTH_ERROR:
      err.code = ParseError::Code::too_deep;
      break;
    case simdjson::CAPACITY:
      err.code = ParseError::Code::too_large;
      break;
    default:
      err.code = ParseError::Code::invalid_json;
      break;
  }
  err.detail = simdjson::error_message(e);
  return err;
}

std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && json_text::is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Whether simdjson's error `e` for a number is only that the valid number `text` does not
// fit a double or 64 bits.
bool is_wide_number(error_code e, std::string_view text) noexcept {
  return e == simdjson::NUMBER_ERROR && json_text::is_number(text);
}

// Reads every value of a document once, validating it, recording the fields of Scopes.
class Walker {
 public:
  Walker(od::document& doc, const char* base, StringArena& arena, Record& record,
         std::vector<std::string_view>& wide_numbers)
      : doc_(doc), base_(base), arena_(arena), record_(record), wide_numbers_(wide_numbers) {}

  error_code walk_object(od::object object, Scope scope, std::size_t depth) {
    if (depth > Parser::kMaxDepth) return simdjson::DEPTH_ERROR;
    for (auto member : object) {
      od::field field;
      if (auto e = std::move(member).get(field)) return e;
      Key key = Key::none;
      if (auto e = read_key(field, scope != Scope::none ? &key : nullptr)) return e;
      if (key == Key::none || !reads(scope, key)) {
        if (auto e = walk_value(field.value(), Scope::none, depth, nullptr)) return e;
        continue;
      }
      // Typed nested objects exist only directly under the event (or environment).
      Scope nested = scope == Scope::top ? scope_of(key) : Scope::none;
      Field recorded;
      if (auto e = walk_value(field.value(), nested, depth, &recorded)) return e;
      record_.add(scope, key, recorded);
    }
    return simdjson::SUCCESS;
  }

  // Validates one value that nothing is recorded from.
  error_code validate(od::value value) { return walk_value(value, Scope::none, 1, nullptr); }

  std::size_t location() noexcept {
    const char* at = nullptr;
    if (doc_.current_location().get(at) != simdjson::SUCCESS || at == nullptr) return 0;
    return std::size_t(at - base_);
  }

 private:
  // Validates the key's escapes; finds the Key when `key` is wanted.
  error_code read_key(od::field& field, Key* key) {
    const char* begin = field.key().raw();
    const char* p = begin;
    bool escaped = false;
    while (*p != '"') {  // stage 1 guarantees the closing quote
      if (*p == '\\') {
        escaped = true;
        ++p;
      }
      ++p;
    }
    std::string_view name(begin, std::size_t(p - begin));
    if (escaped) {
      if (auto e = field.unescaped_key().get(name)) return e;
    }
    if (key != nullptr) *key = key_from(name);
    return simdjson::SUCCESS;
  }

  // `nested` is the Scope to record an object's members into; `out` receives the value.
  error_code walk_value(od::value value, Scope nested, std::size_t depth, Field* out) {
    od::json_type type;
    if (auto e = value.type().get(type)) return e;
    std::string_view token = value.raw_json_token();
    const char* start = token.data();
    switch (type) {
      case od::json_type::object: {
        od::object object;
        if (auto e = value.get_object().get(object)) return e;
        if (auto e = walk_object(object, nested, depth + 1)) return e;
        return finish_container(start, JsonType::object, out);
      }
      case od::json_type::array: {
        if (depth + 1 > Parser::kMaxDepth) return simdjson::DEPTH_ERROR;
        od::array array;
        if (auto e = value.get_array().get(array)) return e;
        for (auto element : array) {
          od::value item;
          if (auto e = std::move(element).get(item)) return e;
          if (auto e = walk_value(item, Scope::none, depth + 1, nullptr)) return e;
        }
        return finish_container(start, JsonType::array, out);
      }
      case od::json_type::string: {
        std::string_view body = json_text::string_body(trim_right(token));
        if (std::memchr(body.data(), '\\', body.size()) != nullptr) {
          std::string_view unescaped;  // validates the escapes; lives in the parser
          if (auto e = value.get_string().get(unescaped)) return e;
          if (out != nullptr) {
            char* copy = arena_.allocate(unescaped.size());
            std::memcpy(copy, unescaped.data(), unescaped.size());
            body = {copy, unescaped.size()};
          }
        }
        return record(out, body, start, JsonType::string);
      }
      case od::json_type::number: {
        od::number number;
        const std::string_view text = trim_right(token);
        if (auto e = value.get_number().get(number)) {
          // Valid JSON beyond a double or 64 bits (1e999): kept as text, since gbrt reads
          // no number itself; JsonView's get_double() and get_int64() give nullopt.
          if (!is_wide_number(e, text)) return e;
          wide_numbers_.push_back(text);
        }
        return record(out, text, start, JsonType::number);
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = value.get_bool().get(b)) return e;
        return record(out, trim_right(token), start, JsonType::boolean);
      }
      case od::json_type::null: {
        bool is_null = false;
        if (auto e = value.is_null().get(is_null)) return e;
        if (!is_null) return simdjson::N_ATOM_ERROR;
        return record(out, trim_right(token), start, JsonType::null);
      }
    }
    return simdjson::INCORRECT_TYPE;
  }

  error_code finish_container(const char* start, JsonType type, Field* out) {
    if (out == nullptr) return simdjson::SUCCESS;
    const char* end = nullptr;  // the token after the container: ',' '}' or ']'
    if (auto e = doc_.current_location().get(end)) return e;
    return record(out, trim_right({start, std::size_t(end - start)}), start, type);
  }

  error_code record(Field* out, std::string_view text, const char* start, JsonType type) {
    if (out != nullptr) *out = {text, std::uint32_t(start - base_), type};
    return simdjson::SUCCESS;
  }

  od::document& doc_;
  const char* base_;
  StringArena& arena_;
  Record& record_;
  std::vector<std::string_view>& wide_numbers_;
};

// Reads recorded fields into views; the first problem becomes the error.
class Reader {
 public:
  Reader(const Record& record, StringArena& arena) : record_(record), arena_(arena) {}

  bool failed() const noexcept { return failed_; }
  const ParseError& error() const noexcept { return error_; }

  std::string_view string(Scope scope, Key key) {
    const Field* f = require(scope, key, JsonType::string);
    return f != nullptr ? f->text : std::string_view();
  }
  std::optional<std::string_view> optional_string(Scope scope, Key key) {
    const Field* f = optional(scope, key, JsonType::string);
    return f != nullptr ? std::optional(f->text) : std::nullopt;
  }
  JsonView json(Scope scope, Key key, JsonType type) {
    const Field* f = require(scope, key, type);
    return f != nullptr ? JsonView(f->text, &arena_) : JsonView();
  }
  std::optional<JsonView> optional_json(Scope scope, Key key, JsonType type) {
    const Field* f = optional(scope, key, type);
    return f != nullptr ? std::optional(JsonView(f->text, &arena_)) : std::nullopt;
  }
  bool has(Scope scope, Key key) const noexcept {
    const Field* f = record_.find(scope, key);
    return f != nullptr && f->type != JsonType::null;
  }
  void fail(ParseError::Code code, std::string_view object, std::string_view field,
            std::string_view expected, std::size_t offset, std::string_view found = {}) {
    if (failed_) return;
    failed_ = true;
    error_.code = code;
    error_.object = object;
    error_.field = field;
    error_.expected = expected;
    error_.offset = offset;
    error_.found = found;
  }

 private:
  // Missing-field errors point at the enclosing object.
  std::size_t scope_offset(Scope scope) const noexcept {
    if (scope == Scope::top) return 0;
    for (std::size_t k = 0; k < kKeyCount; ++k) {
      if (scope_of(Key(k)) == scope) {
        const Field* f = record_.find(Scope::top, Key(k));
        if (f != nullptr) return f->offset;
      }
    }
    return 0;
  }
  const Field* require(Scope scope, Key key, JsonType type) {
    const Field* f = record_.find(scope, key);
    if (f == nullptr) {
      fail(ParseError::Code::missing_field, kScopeNames[std::size_t(scope)],
           kKeyNames[std::size_t(key)], to_string(type), scope_offset(scope));
      return nullptr;
    }
    return check(scope, key, f, type);
  }
  const Field* optional(Scope scope, Key key, JsonType type) {
    const Field* f = record_.find(scope, key);
    if (f == nullptr || f->type == JsonType::null) return nullptr;  // null: absent
    return check(scope, key, f, type);
  }
  const Field* check(Scope scope, Key key, const Field* f, JsonType type) {
    if (f->type == type) return f;
    fail(type == JsonType::object ? ParseError::Code::not_an_object : ParseError::Code::wrong_type,
         kScopeNames[std::size_t(scope)], kKeyNames[std::size_t(key)], to_string(type), f->offset,
         to_string(f->type));
    return nullptr;
  }

  const Record& record_;
  StringArena& arena_;
  bool failed_ = false;
  ParseError error_;
};

constexpr Scope T = Scope::top;

Visitor read_visitor(Reader& r) {
  Visitor v;
  if (!r.json(T, Key::visitor, JsonType::object)) return v;
  v.anonymous_id = r.string(Scope::visitor, Key::anonymousId);
  v.cookies = r.json(Scope::visitor, Key::cookies, JsonType::object);
  v.user_agent = r.string(Scope::visitor, Key::userAgent);
  v.ip = r.string(Scope::visitor, Key::ip);
  v.language = r.optional_string(Scope::visitor, Key::language);
  return v;
}

std::optional<PreviousSetup> read_previous_setup(Reader& r) {
  if (!r.optional_json(T, Key::previous, JsonType::object)) return std::nullopt;
  PreviousSetup p;
  p.status = installation_status_from(r.string(Scope::previous, Key::status));
  p.configuration = r.optional_json(Scope::previous, Key::configuration, JsonType::object);
  return p;
}

PreviousDeleted read_previous_deleted(Reader& r) {
  PreviousDeleted p;
  if (!r.json(T, Key::previous, JsonType::object)) return p;
  p.configuration = r.optional_json(Scope::previous, Key::configuration, JsonType::object);
  return p;
}

std::optional<Auth> read_auth(Reader& r) {
  if (!r.optional_json(T, Key::auth, JsonType::object)) return std::nullopt;
  return Auth{r.string(Scope::auth, Key::userId)};
}

void read_content_compute(Reader& r, ContentCompute& e) {
  e.space_id = r.string(T, Key::spaceId);
  e.source_id = r.string(T, Key::sourceId);
  e.props = r.json(T, Key::props, JsonType::object);
  e.dependencies = r.json(T, Key::dependencies, JsonType::object);
}

// `updatedBy` is checked here once so that iterating it later cannot meet a bad entry.
UserList read_users(Reader& r, const char* base) {
  auto users = r.optional_json(T, Key::updatedBy, JsonType::array);
  if (!users) return {};
  for (JsonView user : users->elements()) {
    std::size_t offset = std::size_t(user.raw().data() - base);
    if (!user.is_object()) {
      r.fail(ParseError::Code::wrong_type, "updatedBy", "", "object", offset);
    } else if (user["id"].type() != JsonType::string) {
      r.fail(user["id"] ? ParseError::Code::wrong_type : ParseError::Code::missing_field,
             "updatedBy", "id", "string", offset);
    } else if (user["displayName"].type() != JsonType::string) {
      r.fail(user["displayName"] ? ParseError::Code::wrong_type : ParseError::Code::missing_field,
             "updatedBy", "displayName", "string", offset);
    }
  }
  return UserList(*users);
}

// The spec requires installationId of every typed event but task and fetch.
bool needs_installation(EventType type) noexcept {
  return type != EventType::other && type != EventType::task && type != EventType::fetch;
}

void read_envelope(Reader& r, EventBase& e, EventType type) {
  if (type != EventType::other) e.event_id = r.string(T, Key::eventId);
  if (needs_installation(type)) {
    e.installation_id = r.string(T, Key::installationId);
  } else if (type != EventType::other) {
    e.installation_id = r.optional_string(T, Key::installationId).value_or("");
  } else {
    e.event_id = r.optional_string(T, Key::eventId).value_or("");
    e.installation_id = r.optional_string(T, Key::installationId).value_or("");
  }
}

Event read_event(Reader& r, EventType type, const char* base) {
  switch (type) {
    case EventType::installation_setup: {
      InstallationSetup e;
      e.status = installation_status_from(r.string(T, Key::status));
      e.previous = read_previous_setup(r);
      return e;
    }
    case EventType::space_installation_setup: {
      SpaceInstallationSetup e;
      e.space_id = r.string(T, Key::spaceId);
      e.status = installation_status_from(r.string(T, Key::status));
      e.previous = read_previous_setup(r);
      return e;
    }
    case EventType::site_installation_setup: {
      SiteInstallationSetup e;
      e.site_id = r.string(T, Key::siteId);
      e.status = installation_status_from(r.string(T, Key::status));
      e.previous = read_previous_setup(r);
      return e;
    }
    case EventType::installation_deleted: {
      InstallationDeleted e;
      e.previous = read_previous_deleted(r);
      return e;
    }
    case EventType::space_installation_deleted: {
      SpaceInstallationDeleted e;
      e.space_id = r.string(T, Key::spaceId);
      e.previous = read_previous_deleted(r);
      return e;
    }
    case EventType::site_installation_deleted: {
      SiteInstallationDeleted e;
      e.site_id = r.string(T, Key::siteId);
      e.previous = read_previous_deleted(r);
      return e;
    }
    case EventType::space_view: {
      SpaceView e;
      e.space_id = r.string(T, Key::spaceId);
      e.page_id = r.optional_string(T, Key::pageId);
      e.visitor = read_visitor(r);
      e.url = r.string(T, Key::url);
      e.referrer = r.string(T, Key::referrer);
      return e;
    }
    case EventType::site_view: {
      SiteView e;
      e.site_id = r.string(T, Key::siteId);
      e.space_id = r.optional_string(T, Key::spaceId);
      e.site_space_id = r.optional_string(T, Key::siteSpaceId);
      e.page_id = r.optional_string(T, Key::pageId);
      e.visitor = read_visitor(r);
      e.url = r.string(T, Key::url);
      e.referrer = r.string(T, Key::referrer);
      return e;
    }
    case EventType::page_feedback: {
      PageFeedback e;
      e.site_id = r.string(T, Key::siteId);
      e.space_id = r.optional_string(T, Key::spaceId);
      e.page_id = r.optional_string(T, Key::pageId);
      if (r.json(T, Key::feedback, JsonType::object)) {
        e.feedback.rating = feedback_rating_from(r.string(Scope::feedback, Key::rating));
        e.feedback.comment = r.optional_string(Scope::feedback, Key::comment);
      }
      e.visitor = read_visitor(r);
      e.url = r.string(T, Key::url);
      e.referrer = r.string(T, Key::referrer);
      return e;
    }
    case EventType::ui_render: {
      UiRender e;
      e.space_id = r.optional_string(T, Key::spaceId);
      e.site_id = r.optional_string(T, Key::siteId);
      e.component_id = r.string(T, Key::componentId);
      e.props = r.json(T, Key::props, JsonType::object);
      e.state = r.optional_json(T, Key::state, JsonType::object);
      e.context = r.json(T, Key::context, JsonType::object);
      e.action = r.optional_json(T, Key::action, JsonType::object);
      e.auth = read_auth(r);
      return e;
    }
    case EventType::space_content_updated: {
      SpaceContentUpdated e;
      e.space_id = r.string(T, Key::spaceId);
      e.revision_id = r.string(T, Key::revisionId);
      e.updated_by = read_users(r, base);
      return e;
    }
    case EventType::space_visibility_updated: {
      SpaceVisibilityUpdated e;
      e.space_id = r.string(T, Key::spaceId);
      e.visibility = visibility_from(r.string(T, Key::visibility));
      e.previous_visibility = visibility_from(r.string(T, Key::previousVisibility));
      return e;
    }
    case EventType::space_gitsync_started: {
      SpaceGitSyncStarted e;
      e.space_id = r.string(T, Key::spaceId);
      e.revision_id = r.string(T, Key::revisionId);
      e.commit_id = r.string(T, Key::commitId);
      return e;
    }
    case EventType::space_gitsync_completed: {
      SpaceGitSyncCompleted e;
      e.space_id = r.string(T, Key::spaceId);
      e.state = gitsync_state_from(r.string(T, Key::state));
      e.revision_id = r.string(T, Key::revisionId);
      e.commit_id = r.string(T, Key::commitId);
      return e;
    }
    case EventType::task: {
      Task e;
      e.task = r.json(T, Key::task, JsonType::object);
      return e;
    }
    case EventType::fetch: {
      Fetch e;
      e.space_id = r.optional_string(T, Key::spaceId);
      e.site_id = r.optional_string(T, Key::siteId);
      e.auth = read_auth(r);
      if (r.json(T, Key::request, JsonType::object)) {
        e.request.method = r.string(Scope::request, Key::method);
        e.request.url = r.string(Scope::request, Key::url);
        e.request.headers = r.json(Scope::request, Key::headers, JsonType::object);
      }
      return e;
    }
    case EventType::fetch_published_script: {
      FetchPublishedScript e;
      e.site_id = r.string(T, Key::siteId);
      return e;
    }
    case EventType::fetch_visitor_authentication: {
      FetchVisitorAuthentication e;
      e.site_id = r.string(T, Key::siteId);
      e.location = r.optional_string(T, Key::location);
      e.search_params = r.optional_json(T, Key::searchParams, JsonType::object);
      e.cookies = r.optional_json(T, Key::cookies, JsonType::object);
      e.action = r.optional_string(T, Key::action);
      return e;
    }
    case EventType::content_compute_document: {
      ContentComputeDocument e;
      read_content_compute(r, e);
      return e;
    }
    case EventType::content_compute_revision: {
      ContentComputeRevision e;
      read_content_compute(r, e);
      return e;
    }
    case EventType::other:
      break;
  }
  return GenericEvent{};
}

}  // namespace

// For a document whose root is not an object: is it some other valid JSON value (an
// array, a string, …), or not JSON at all?
bool is_json_value(od::document& doc, Walker& walker) {
  od::json_type type;
  if (doc.type().get(type) != simdjson::SUCCESS) return false;
  switch (type) {
    case od::json_type::array: {
      od::array array;
      if (doc.get_array().get(array) != simdjson::SUCCESS) return false;
      for (auto element : array) {
        od::value item;
        if (std::move(element).get(item) != simdjson::SUCCESS) return false;
        if (walker.validate(item) != simdjson::SUCCESS) return false;
      }
      const char* at = nullptr;
      return doc.current_location().get(at) == simdjson::OUT_OF_BOUNDS;
    }
    case od::json_type::string: {
      std::string_view text;
      return doc.get_string().get(text) == simdjson::SUCCESS;
    }
    case od::json_type::number: {
      std::string_view text;
      if (doc.raw_json_token().get(text) != simdjson::SUCCESS) return false;
      od::number number;
      const error_code e = doc.get_number().get(number);
      return e == simdjson::SUCCESS || is_wide_number(e, trim_right(text));
    }
    case od::json_type::boolean: {
      bool b;
      return doc.get_bool().get(b) == simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      return doc.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
    default:
      return false;
  }
}

struct Parser::Impl {
  explicit Impl(std::size_t max) : max_bytes(max), parser(max), grammar(max) {}
  std::size_t max_bytes;
  od::parser parser;
  // On-Demand checks grammar only as far as it reads (it takes `[{}, "a": 1]`): the DOM
  // parser validates the whole document too, so JsonView's scanner only sees valid JSON.
  simdjson::dom::parser grammar;
  Record record;
  std::vector<std::string_view> wide_numbers;  // valid, but too large for simdjson

  // The DOM parser refuses numbers that fit no double or 64 bits: with such numbers it
  // checks a copy in which they read 0 (a rare case, and the only copy of a body).
  error_code check_grammar(PaddedView input) {
    if (wide_numbers.empty()) return grammar.parse(input.data, input.size, false).error();
    simdjson::padded_string copy(input.data, input.size);
    for (std::string_view number : wide_numbers) {
      char* at = copy.data() + (number.data() - input.data);
      at[0] = '0';
      std::memset(at + 1, ' ', number.size() - 1);
    }
    return grammar.parse(copy).error();
  }

  // Validates the whole input and records its fields; on success `whole` is the object.
  ParseResult<std::string_view> walk(PaddedView input, StringArena& arena) {
    if (input.size == 0) return simdjson_error(simdjson::EMPTY, 0);
    if (input.size > max_bytes) return simdjson_error(simdjson::CAPACITY, 0);
    record.slot = {};
    record.count = 0;
    od::document doc;
    if (auto e = parser.iterate(input.data, input.size, input.capacity).get(doc)) {
      return simdjson_error(e, 0);
    }
    wide_numbers.clear();
    Walker walker(doc, input.data, arena, record, wide_numbers);
    od::object root;
    if (auto e = doc.get_object().get(root)) {
      if (e == simdjson::INCORRECT_TYPE && is_json_value(doc, walker)) {
        ParseError err;
        err.code = ParseError::Code::not_an_object;
        err.expected = "object";
        return err;
      }
      return simdjson_error(e == simdjson::INCORRECT_TYPE ? simdjson::TAPE_ERROR : e,
                            walker.location());
    }
    if (auto e = walker.walk_object(root, Scope::top, 1)) {
      return simdjson_error(e, walker.location());
    }
    const char* at = nullptr;
    if (doc.current_location().get(at) != simdjson::OUT_OF_BOUNDS) {
      return simdjson_error(simdjson::TRAILING_CONTENT, walker.location());
    }
    if (auto e = check_grammar(input)) {
      return simdjson_error(e, 0);
    }
    std::string_view whole = input.str();
    whole.remove_prefix(std::size_t(
        json_text::skip_space(whole.data(), whole.data() + whole.size()) - whole.data()));
    return trim_right(whole);
  }
};

Parser::Parser(std::size_t max_bytes) : impl_(std::make_unique<Impl>(max_bytes)) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;
std::size_t Parser::max_bytes() const noexcept {
  return impl_->max_bytes;
}

ParseResult<Event> Parser::parse_event(PaddedView input, StringArena& arena) {
  auto whole = impl_->walk(input, arena);
  if (!whole) return whole.error();
  Reader r(impl_->record, arena);
  std::string_view type_name = r.string(T, Key::type);
  if (r.failed()) return r.error();
  EventType type = event_type_from_name(type_name);
  Event event = read_event(r, type, input.data);
  EventBase& common = std::visit([](EventBase& e) -> EventBase& { return e; }, event);
  common.type = type_name;
  common.json = JsonView(whole.value(), &arena);
  read_envelope(r, common, type);
  if (r.failed()) return r.error();
  return event;
}

ParseResult<Environment> Parser::parse_environment(PaddedView input, StringArena& arena) {
  auto whole = impl_->walk(input, arena);
  if (!whole) return whole.error();
  Reader r(impl_->record, arena);
  Environment env;
  env.api_endpoint = r.string(T, Key::apiEndpoint);
  if (r.json(T, Key::apiTokens, JsonType::object)) {
    env.api_tokens.integration = r.string(Scope::apiTokens, Key::integration);
    env.api_tokens.installation = r.optional_string(Scope::apiTokens, Key::installation);
  }
  env.integration = r.json(T, Key::integration, JsonType::object);
  env.signing_secrets = r.json(T, Key::signingSecrets, JsonType::object);
  env.secrets = r.json(T, Key::secrets, JsonType::object);
  env.installation = r.optional_json(T, Key::installation, JsonType::object);
  env.space_installation = r.optional_json(T, Key::spaceInstallation, JsonType::object);
  env.site_installation = r.optional_json(T, Key::siteInstallation, JsonType::object);
  env.auth_token = r.optional_string(T, Key::authToken);
  env.signing_secret = r.optional_string(T, Key::signingSecret);
  env.json = JsonView(whole.value(), &arena);
  if (r.failed()) return r.error();
  return env;
}

std::string ParseError::path() const {
  std::string out(object);
  if (!object.empty() && !field.empty()) out += '.';
  out += field;
  return out;
}

std::string ParseError::message() const {
  std::string out;
  switch (code) {
    case Code::empty:
      out = "empty body: expected a JSON object";
      break;
    case Code::invalid_json:
      out = "invalid JSON: " + std::string(detail);
      break;
    case Code::invalid_utf8:
      out = "invalid JSON: the input is not valid UTF-8";
      break;
    case Code::too_deep:
      out = "invalid JSON: nested deeper than 128 levels";
      break;
    case Code::too_large:
      out = "event too large for the parser";
      break;
    case Code::not_an_object:
      out = field.empty() ? "expected a JSON object" : "field \"" + path() + "\": expected object";
      if (!found.empty()) out += ", got " + std::string(found);
      break;
    case Code::missing_field:
      out = "missing required field \"" + path() + "\" (" + std::string(expected) + ")";
      break;
    case Code::wrong_type:
      out = "field \"" + path() + "\": expected " + std::string(expected);
      if (!found.empty()) out += ", got " + std::string(found);
      break;
  }
  out += " (byte " + std::to_string(offset) + ")";
  return out;
}

User UserList::Iterator::operator*() const {
  JsonView u = *it_;
  User user;
  user.object = u["object"].get_string().value_or("");
  user.id = u["id"].get_string().value_or("");
  user.display_name = u["displayName"].get_string().value_or("");
  user.email = u["email"].get_string();
  user.photo_url = u["photoURL"].get_string();
  user.urls = u["urls"];
  return user;
}

}  // namespace gbrt::events
