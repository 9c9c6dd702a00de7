// One validating pass: simdjson's stage 1 over the bytes, then one walk over its structural
// index that checks everything stage 1 does not and records where the fields the typed
// views need are. The views are then filled from that record.
#include <gbrt/events/parse.hpp>

#include <array>
#include <bitset>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "json_text.hpp"

namespace gbrt::events {

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

// Member names of the objects the views read are looked up in an open-addressing table
// built from kKeyNames at compile time: a slot holds the name itself, zero-padded to three
// words, so a lookup is one hash of the first word and whole-word comparisons. Names are
// read a word at a time: they must have 24 readable bytes (the input and the scratch
// buffer are padded); the bytes past a name's end are masked out.
constexpr std::size_t kKeyWords = 3;
struct KeySlot {
  std::array<std::uint64_t, kKeyWords> words{};
  std::uint8_t size = 0;
  std::uint8_t key = 0;  // Key + 1; 0: an empty slot
};
constexpr std::size_t kKeySlots = 128;  // a power of two, well above kKeyCount
static_assert(kKeyCount < kKeySlots / 2);

// Word w of `name` (little-endian, as a load from memory gives it), zero past its end.
constexpr std::uint64_t name_word(std::string_view name, std::size_t w) noexcept {
  std::uint64_t word = 0;
  for (std::size_t j = 0; j < 8 && w * 8 + j < name.size(); ++j) {
    word |= std::uint64_t(static_cast<unsigned char>(name[w * 8 + j])) << (8 * j);
  }
  return word;
}
std::uint64_t load_name_word(std::string_view name, std::size_t w) noexcept {
  std::uint64_t word;
  std::memcpy(&word, name.data() + w * 8, 8);
  const std::size_t left = name.size() - w * 8;
  return left >= 8 ? word : word & ((std::uint64_t(1) << (left * 8)) - 1);
}
constexpr std::size_t key_slot(std::uint64_t first_word, std::size_t size) noexcept {
  return std::size_t(((first_word ^ size) * 0x9E3779B97F4A7C15ull) >> 57) & (kKeySlots - 1);
}
constexpr auto kKeyTable = [] {
  std::array<KeySlot, kKeySlots> table{};
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    const std::string_view name = kKeyNames[i];
    if (name.size() > kKeyWords * 8) throw "a key name longer than the table's three words";
    std::size_t slot = key_slot(name_word(name, 0), name.size());
    while (table[slot].key != 0) slot = (slot + 1) & (kKeySlots - 1);
    for (std::size_t w = 0; w < kKeyWords; ++w) table[slot].words[w] = name_word(name, w);
    table[slot].size = std::uint8_t(name.size());
    table[slot].key = std::uint8_t(i + 1);
  }
  return table;
}();

Key key_from(std::string_view name) noexcept {
  if (name.size() > kKeyWords * 8) return Key::none;
  const std::uint64_t first = load_name_word(name, 0);
  for (std::size_t slot = key_slot(first, name.size()); kKeyTable[slot].key != 0;
       slot = (slot + 1) & (kKeySlots - 1)) {
    const KeySlot& k = kKeyTable[slot];
    if (k.size != name.size() || k.words[0] != first) continue;
    if (name.size() > 8 && load_name_word(name, 1) != k.words[1]) continue;
    if (name.size() > 16 && load_name_word(name, 2) != k.words[2]) continue;
    return Key(k.key - 1);
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
constexpr bool reads(Scope scope, Key key) noexcept {
  switch (scope) {
    case Scope::top:
      return key != Key::none;
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

// Every (scope, key) that reads() accepts numbered at compile time: the field's place in
// the record. kNoField for the others (Key::none included), so the walk finds where a
// member goes with one table read.
using FieldId = std::uint8_t;
constexpr FieldId kNoField = 0xff;
using FieldTable = std::array<std::array<FieldId, kKeyCount + 1>, kScopeCount>;
constexpr std::pair<FieldTable, std::size_t> number_fields() {
  FieldTable id{};
  std::size_t n = 0;
  for (std::size_t s = 0; s < kScopeCount; ++s) {
    for (std::size_t k = 0; k <= kKeyCount; ++k) {
      id[s][k] = reads(Scope(s), Key(k)) ? FieldId(n++) : kNoField;
    }
  }
  return {id, n};
}
constexpr FieldTable kFieldOf = number_fields().first;
constexpr std::size_t kFieldCount = number_fields().second;
static_assert(kFieldCount < kNoField);

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

// Where the fields the views read are: one place per FieldId, `present` says which were
// found in this parse (a repeated key overwrites: the last one wins, as in JavaScript).
struct Record {
  std::array<Field, kFieldCount> fields;
  std::bitset<kFieldCount> present;

  void clear() noexcept { present.reset(); }
  void add(FieldId id, const Field& field) noexcept {
    fields[id] = field;
    present.set(id);
  }
  const Field* find(Scope scope, Key key) const noexcept {
    const FieldId id = kFieldOf[std::size_t(scope)][std::size_t(key)];
    // A field reads() does not accept is never recorded (a constant test where inlined).
    return id != kNoField && present[id] ? &fields[id] : nullptr;
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

// simdjson's stage 1 (one SIMD pass over the bytes) validates UTF-8, finds every string's
// end, rejects control characters inside strings, and leaves the structural index: the
// offset of every `{ } [ ] , :`, of every string's opening quote and of every other
// value's first byte, then the input's length twice. The walk below goes over that index
// once (not over the bytes again): it checks the grammar and the nesting, checks every
// number, literal and escape, and records the fields the typed views read.
class StructuralWalk {
 public:
  // What an open container's closing restores, and where the container is recorded.
  struct Frame {
    std::uint32_t start;  // offset of the '{' or '['
    bool parent_array;
    Scope parent_members;
    FieldId field;  // where the container is recorded; kNoField: not
  };
  using Frames = std::array<Frame, Parser::kMaxDepth>;

  StructuralWalk(PaddedView input, const std::uint32_t* index, std::size_t count,
                 const simdjson::internal::dom_parser_implementation& strings, char* scratch,
                 Frames& frames, StringArena& arena, Record& record) noexcept
      : base_(input.data),
        size_(input.size),
        index_(index),
        count_(count),
        strings_(strings),
        scratch_(scratch),
        frames_(frames),
        arena_(arena),
        record_(record) {
    next_backslash_ = find_backslash(base_);
  }

  // SUCCESS, or the first error with error_offset() where it was found.
  error_code run() noexcept {
    std::size_t i = 0;      // the next token
    std::size_t depth = 0;  // containers open: frames_[0, depth)
    // The innermost open container: an array, or an object whose members are recorded
    // into `members` (Scope::none: not recorded).
    bool array = false;
    Scope members = Scope::none;
    // Where the value at token i is recorded (kNoField: not), and, if it is an object,
    // where its members are.
    FieldId value_field = kNoField;
    Scope value_members = Scope::top;

  value : {
    const std::uint32_t at = index_[i];
    const char first = base_[at];
    if (first == '"') {
      std::string_view text;
      if (next_backslash_ < base_ + index_[i + 1]) {
        if (!unescape(i, text)) return fail(simdjson::STRING_ERROR, at);
        if (value_field != kNoField) text = copy_to_arena(text);
      } else if (value_field != kNoField && !plain_string(i, text)) {
        return fail(simdjson::STRING_ERROR, at);
      }
      if (value_field != kNoField) record_.add(value_field, {text, at, JsonType::string});
    } else if (first == '{' || first == '[') {
      if (depth == Parser::kMaxDepth) return fail(simdjson::DEPTH_ERROR, at);
      frames_[depth++] = {at, array, members, value_field};
      array = first == '[';
      members = array ? Scope::none : value_members;
      if (++i == count_) return fail(simdjson::INCOMPLETE_ARRAY_OR_OBJECT, size_);
      if (base_[index_[i]] == (array ? ']' : '}')) {
        ++i;
        goto close;
      }
      if (!array) goto member;
      value_field = kNoField;
      value_members = Scope::none;
      goto value;
    } else if (first == 't' || first == 'f' || first == 'n') {
      const std::string_view token = scalar(i);
      const std::string_view literal = first == 't' ? "true" : first == 'f' ? "false" : "null";
      if (token != literal) {
        return fail(first == 't'   ? simdjson::T_ATOM_ERROR
                    : first == 'f' ? simdjson::F_ATOM_ERROR
                                   : simdjson::N_ATOM_ERROR,
                    at);
      }
      if (value_field != kNoField) {
        record_.add(value_field, {token, at, first == 'n' ? JsonType::null : JsonType::boolean});
      }
    } else {
      if (first != '-' && (first < '0' || first > '9')) return fail(simdjson::TAPE_ERROR, at);
      // Any valid number, also one beyond a double or 64 bits (1e999): gbrt reads no
      // number itself, and JsonView's get_double() and get_int64() give nullopt for it.
      const std::string_view token = scalar(i);
      if (!json_text::is_number(token)) return fail(simdjson::NUMBER_ERROR, at);
      if (value_field != kNoField) record_.add(value_field, {token, at, JsonType::number});
    }
    ++i;
    goto after_value;
  }

  member : {  // token i should be a member's key
    const std::uint32_t at = index_[i];
    if (base_[at] != '"') return fail(simdjson::TAPE_ERROR, at);
    std::string_view name;
    if (next_backslash_ < base_ + index_[i + 1]) {
      if (!unescape(i, name)) return fail(simdjson::STRING_ERROR, at);
    } else if (members != Scope::none && !plain_string(i, name)) {
      return fail(simdjson::STRING_ERROR, at);
    }
    value_field = kNoField;
    value_members = Scope::none;
    if (members != Scope::none) {
      const Key key = key_from(name);
      value_field = kFieldOf[std::size_t(members)][std::size_t(key)];
      // Typed nested objects exist only directly under the event (or environment).
      if (members == Scope::top) value_members = scope_of(key);
    }
    if (++i == count_ || base_[index_[i]] != ':') return fail(simdjson::TAPE_ERROR, at);
    if (++i == count_) return fail(simdjson::INCOMPLETE_ARRAY_OR_OBJECT, size_);
    goto value;
  }

  close : {  // the innermost container ended at token i - 1
    const Frame& frame = frames_[--depth];
    if (frame.field != kNoField) {
      const std::uint32_t end = index_[i - 1] + 1;
      record_.add(frame.field, {{base_ + frame.start, end - frame.start},
                                frame.start,
                                array ? JsonType::array : JsonType::object});
    }
    array = frame.parent_array;
    members = frame.parent_members;
  }

  after_value:
    if (depth == 0) {
      if (i != count_) return fail(simdjson::TRAILING_CONTENT, index_[i]);
      return simdjson::SUCCESS;
    }
    if (i == count_) return fail(simdjson::INCOMPLETE_ARRAY_OR_OBJECT, size_);
    {
      const char c = base_[index_[i]];
      ++i;
      if (c == ',') {
        if (i == count_) return fail(simdjson::INCOMPLETE_ARRAY_OR_OBJECT, size_);
        if (!array) goto member;
        value_field = kNoField;
        value_members = Scope::none;
        goto value;
      }
      if (c == (array ? ']' : '}')) goto close;
      return fail(simdjson::TAPE_ERROR, index_[i - 1]);
    }
  }

  std::size_t error_offset() const noexcept { return error_offset_; }

 private:
  error_code fail(error_code e, std::size_t offset) noexcept {
    error_offset_ = offset;
    return e;
  }

  const char* find_backslash(const char* from) const noexcept {
    const char* end = base_ + size_;
    const void* found = std::memchr(from, '\\', std::size_t(end - from));
    return found != nullptr ? static_cast<const char*>(found) : end;
  }

  // The text of the string at token i, which has no escapes: stage 1 put nothing but white
  // space between its closing quote and the next token. (Strings that are neither read
  // nor escaped are not looked at: stage 1 checked them.)
  bool plain_string(std::size_t i, std::string_view& text) const noexcept {
    const char* open = base_ + index_[i];
    const char* p = base_ + index_[i + 1] - 1;
    while (p > open && json_text::is_space(*p)) --p;
    text = {open + 1, std::size_t(p - open - 1)};
    return p > open && *p == '"';
  }

  // A number's or literal's text: from token i to the next token, without white space.
  std::string_view scalar(std::size_t i) const noexcept {
    const char* begin = base_ + index_[i];
    const char* end = base_ + index_[i + 1];
    while (end > begin && json_text::is_space(end[-1])) --end;
    return {begin, std::size_t(end - begin)};
  }

  // Validates the escapes of the string at token i (simdjson's own unescaper, as On-Demand
  // and the DOM use it) and gives its unescaped text, in the scratch buffer.
  bool unescape(std::size_t i, std::string_view& text) noexcept {
    auto* out = reinterpret_cast<std::uint8_t*>(scratch_);
    const auto* body = reinterpret_cast<const std::uint8_t*>(base_ + index_[i] + 1);
    const std::uint8_t* end = strings_.parse_string(body, out);
    // The next backslash is after this string, and so after the next token's start.
    next_backslash_ = find_backslash(base_ + index_[i + 1]);
    if (end == nullptr) return false;
    text = {scratch_, std::size_t(end - out)};
    return true;
  }

  std::string_view copy_to_arena(std::string_view text) {
    char* copy = arena_.allocate(text.size());
    std::memcpy(copy, text.data(), text.size());
    return {copy, text.size()};
  }

  const char* base_;
  std::size_t size_;
  const std::uint32_t* index_;
  std::size_t count_;
  const simdjson::internal::dom_parser_implementation& strings_;
  char* scratch_;
  Frames& frames_;
  StringArena& arena_;
  Record& record_;
  const char* next_backslash_ = nullptr;  // the first '\' not yet checked, or the end
  std::size_t error_offset_ = 0;
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
  // Optional fields are set in place: an optional returned by value is copied into the
  // view with a word load over its flag's one-byte store, which the CPU cannot forward (a
  // stall per field). Absent or null leaves `out` empty; true when it was set.
  bool optional_string(Scope scope, Key key, std::optional<std::string_view>& out) {
    const Field* f = optional(scope, key, JsonType::string);
    if (f != nullptr) out.emplace(f->text);
    return f != nullptr;
  }
  // An optional string's text, empty when absent or null.
  std::string_view string_or_empty(Scope scope, Key key) {
    const Field* f = optional(scope, key, JsonType::string);
    return f != nullptr ? f->text : std::string_view("");
  }
  JsonView json(Scope scope, Key key, JsonType type) {
    const Field* f = require(scope, key, type);
    return f != nullptr ? JsonView(f->text, &arena_) : JsonView();
  }
  bool optional_json(Scope scope, Key key, JsonType type, std::optional<JsonView>& out) {
    const Field* f = optional(scope, key, type);
    if (f != nullptr) out.emplace(f->text, &arena_);
    return f != nullptr;
  }
  // Whether an optional field is there (not null); another type is an error.
  bool present(Scope scope, Key key, JsonType type) {
    return optional(scope, key, type) != nullptr;
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
  // The field when it is there with the type asked for (the usual case, inlined: scope
  // and key are constants, so the lookup is one bit test); else the error, out of line.
  const Field* require(Scope scope, Key key, JsonType type) {
    const Field* f = record_.find(scope, key);
    return f != nullptr && f->type == type ? f : fail_require(scope, key, type, f);
  }
  const Field* optional(Scope scope, Key key, JsonType type) {
    const Field* f = record_.find(scope, key);
    if (f == nullptr || f->type == JsonType::null) return nullptr;  // null: absent
    return f->type == type ? f : fail_type(scope, key, type, f);
  }
  [[gnu::noinline]] const Field* fail_require(Scope scope, Key key, JsonType type, const Field* f) {
    if (f != nullptr) return fail_type(scope, key, type, f);
    fail(ParseError::Code::missing_field, kScopeNames[std::size_t(scope)],
         kKeyNames[std::size_t(key)], to_string(type), scope_offset(scope));
    return nullptr;
  }
  [[gnu::noinline]] const Field* fail_type(Scope scope, Key key, JsonType type, const Field* f) {
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

void read_visitor(Reader& r, Visitor& v) {
  if (!r.json(T, Key::visitor, JsonType::object)) return;
  v.anonymous_id = r.string(Scope::visitor, Key::anonymousId);
  v.cookies = r.json(Scope::visitor, Key::cookies, JsonType::object);
  v.user_agent = r.string(Scope::visitor, Key::userAgent);
  v.ip = r.string(Scope::visitor, Key::ip);
  r.optional_string(Scope::visitor, Key::language, v.language);
}

void read_previous_setup(Reader& r, std::optional<PreviousSetup>& out) {
  if (!r.present(T, Key::previous, JsonType::object)) return;
  PreviousSetup& p = out.emplace();
  p.status = installation_status_from(r.string(Scope::previous, Key::status));
  r.optional_json(Scope::previous, Key::configuration, JsonType::object, p.configuration);
}

void read_previous_deleted(Reader& r, PreviousDeleted& p) {
  if (!r.json(T, Key::previous, JsonType::object)) return;
  r.optional_json(Scope::previous, Key::configuration, JsonType::object, p.configuration);
}

void read_auth(Reader& r, std::optional<Auth>& out) {
  if (r.present(T, Key::auth, JsonType::object)) out.emplace(r.string(Scope::auth, Key::userId));
}

void read_content_compute(Reader& r, ContentCompute& e) {
  e.space_id = r.string(T, Key::spaceId);
  e.source_id = r.string(T, Key::sourceId);
  e.props = r.json(T, Key::props, JsonType::object);
  e.dependencies = r.json(T, Key::dependencies, JsonType::object);
}

// `updatedBy` is checked here once so that iterating it later cannot meet a bad entry.
UserList read_users(Reader& r, const char* base) {
  std::optional<JsonView> users;
  if (!r.optional_json(T, Key::updatedBy, JsonType::array, users)) return {};
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
    e.installation_id = r.string_or_empty(T, Key::installationId);
  } else {
    e.event_id = r.string_or_empty(T, Key::eventId);
    e.installation_id = r.string_or_empty(T, Key::installationId);
  }
}

// Fills `event` in place. Copying a view built aside into the variant, then the variant
// into the result, reloads each one whole right after its field-by-field stores, which the
// CPU cannot forward (a stall per copy).
void fill_view(Reader& r, EventType type, const char* base, Event& event) {
  switch (type) {
    case EventType::installation_setup: {
      auto& e = event.emplace<InstallationSetup>();
      e.status = installation_status_from(r.string(T, Key::status));
      read_previous_setup(r, e.previous);
      return;
    }
    case EventType::space_installation_setup: {
      auto& e = event.emplace<SpaceInstallationSetup>();
      e.space_id = r.string(T, Key::spaceId);
      e.status = installation_status_from(r.string(T, Key::status));
      read_previous_setup(r, e.previous);
      return;
    }
    case EventType::site_installation_setup: {
      auto& e = event.emplace<SiteInstallationSetup>();
      e.site_id = r.string(T, Key::siteId);
      e.status = installation_status_from(r.string(T, Key::status));
      read_previous_setup(r, e.previous);
      return;
    }
    case EventType::installation_deleted: {
      auto& e = event.emplace<InstallationDeleted>();
      read_previous_deleted(r, e.previous);
      return;
    }
    case EventType::space_installation_deleted: {
      auto& e = event.emplace<SpaceInstallationDeleted>();
      e.space_id = r.string(T, Key::spaceId);
      read_previous_deleted(r, e.previous);
      return;
    }
    case EventType::site_installation_deleted: {
      auto& e = event.emplace<SiteInstallationDeleted>();
      e.site_id = r.string(T, Key::siteId);
      read_previous_deleted(r, e.previous);
      return;
    }
    case EventType::space_view: {
      auto& e = event.emplace<SpaceView>();
      e.space_id = r.string(T, Key::spaceId);
      r.optional_string(T, Key::pageId, e.page_id);
      read_visitor(r, e.visitor);
      e.url = r.string(T, Key::url);
      e.referrer = r.string(T, Key::referrer);
      return;
    }
    case EventType::site_view: {
      auto& e = event.emplace<SiteView>();
      e.site_id = r.string(T, Key::siteId);
      r.optional_string(T, Key::spaceId, e.space_id);
      r.optional_string(T, Key::siteSpaceId, e.site_space_id);
      r.optional_string(T, Key::pageId, e.page_id);
      read_visitor(r, e.visitor);
      e.url = r.string(T, Key::url);
      e.referrer = r.string(T, Key::referrer);
      return;
    }
    case EventType::page_feedback: {
      auto& e = event.emplace<PageFeedback>();
      e.site_id = r.string(T, Key::siteId);
      r.optional_string(T, Key::spaceId, e.space_id);
      r.optional_string(T, Key::pageId, e.page_id);
      if (r.json(T, Key::feedback, JsonType::object)) {
        e.feedback.rating = feedback_rating_from(r.string(Scope::feedback, Key::rating));
        r.optional_string(Scope::feedback, Key::comment, e.feedback.comment);
      }
      read_visitor(r, e.visitor);
      e.url = r.string(T, Key::url);
      e.referrer = r.string(T, Key::referrer);
      return;
    }
    case EventType::ui_render: {
      auto& e = event.emplace<UiRender>();
      r.optional_string(T, Key::spaceId, e.space_id);
      r.optional_string(T, Key::siteId, e.site_id);
      e.component_id = r.string(T, Key::componentId);
      e.props = r.json(T, Key::props, JsonType::object);
      r.optional_json(T, Key::state, JsonType::object, e.state);
      e.context = r.json(T, Key::context, JsonType::object);
      r.optional_json(T, Key::action, JsonType::object, e.action);
      read_auth(r, e.auth);
      return;
    }
    case EventType::space_content_updated: {
      auto& e = event.emplace<SpaceContentUpdated>();
      e.space_id = r.string(T, Key::spaceId);
      e.revision_id = r.string(T, Key::revisionId);
      e.updated_by = read_users(r, base);
      return;
    }
    case EventType::space_visibility_updated: {
      auto& e = event.emplace<SpaceVisibilityUpdated>();
      e.space_id = r.string(T, Key::spaceId);
      e.visibility = visibility_from(r.string(T, Key::visibility));
      e.previous_visibility = visibility_from(r.string(T, Key::previousVisibility));
      return;
    }
    case EventType::space_gitsync_started: {
      auto& e = event.emplace<SpaceGitSyncStarted>();
      e.space_id = r.string(T, Key::spaceId);
      e.revision_id = r.string(T, Key::revisionId);
      e.commit_id = r.string(T, Key::commitId);
      return;
    }
    case EventType::space_gitsync_completed: {
      auto& e = event.emplace<SpaceGitSyncCompleted>();
      e.space_id = r.string(T, Key::spaceId);
      e.state = gitsync_state_from(r.string(T, Key::state));
      e.revision_id = r.string(T, Key::revisionId);
      e.commit_id = r.string(T, Key::commitId);
      return;
    }
    case EventType::task: {
      auto& e = event.emplace<Task>();
      e.task = r.json(T, Key::task, JsonType::object);
      return;
    }
    case EventType::fetch: {
      auto& e = event.emplace<Fetch>();
      r.optional_string(T, Key::spaceId, e.space_id);
      r.optional_string(T, Key::siteId, e.site_id);
      read_auth(r, e.auth);
      if (r.json(T, Key::request, JsonType::object)) {
        e.request.method = r.string(Scope::request, Key::method);
        e.request.url = r.string(Scope::request, Key::url);
        e.request.headers = r.json(Scope::request, Key::headers, JsonType::object);
      }
      return;
    }
    case EventType::fetch_published_script: {
      auto& e = event.emplace<FetchPublishedScript>();
      e.site_id = r.string(T, Key::siteId);
      return;
    }
    case EventType::fetch_visitor_authentication: {
      auto& e = event.emplace<FetchVisitorAuthentication>();
      e.site_id = r.string(T, Key::siteId);
      r.optional_string(T, Key::location, e.location);
      r.optional_json(T, Key::searchParams, JsonType::object, e.search_params);
      r.optional_json(T, Key::cookies, JsonType::object, e.cookies);
      r.optional_string(T, Key::action, e.action);
      return;
    }
    case EventType::content_compute_document: {
      auto& e = event.emplace<ContentComputeDocument>();
      read_content_compute(r, e);
      return;
    }
    case EventType::content_compute_revision: {
      auto& e = event.emplace<ContentComputeRevision>();
      read_content_compute(r, e);
      return;
    }
    case EventType::other:
      break;
  }
  event.emplace<GenericEvent>();
}

}  // namespace

struct Parser::Impl {
  explicit Impl(std::size_t max) : max_bytes(max), scratch(new char[max + kJsonPadding]) {
    if (simdjson::get_active_implementation()->create_dom_parser_implementation(
            max, kMaxDepth, simdjson_parser) != simdjson::SUCCESS) {
      throw std::bad_alloc();
    }
  }
  std::size_t max_bytes;
  // simdjson's stage 1 (its structural index, for the documents of up to max_bytes) and
  // its string unescaper. Its stage 2 (the DOM) is not used.
  std::unique_ptr<simdjson::internal::dom_parser_implementation> simdjson_parser;
  std::unique_ptr<char[]> scratch;  // where escaped strings are unescaped while checked
  StructuralWalk::Frames frames;
  Record record;

  // Validates the whole input and records its fields; on success `whole` is the object.
  ParseResult<std::string_view> walk(PaddedView input, StringArena& arena) {
    if (input.size == 0) return simdjson_error(simdjson::EMPTY, 0);
    if (input.size > max_bytes) return simdjson_error(simdjson::CAPACITY, 0);
    record.clear();
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(input.data);
    if (auto e = simdjson_parser->stage1(bytes, input.size, simdjson::stage1_mode::regular)) {
      return simdjson_error(e, 0);
    }
    StructuralWalk walk(input, simdjson_parser->structural_indexes.get(),
                        simdjson_parser->n_structural_indexes, *simdjson_parser, scratch.get(),
                        frames, arena, record);
    if (auto e = walk.run()) return simdjson_error(e, walk.error_offset());
    std::string_view whole = input.str();
    whole.remove_prefix(std::size_t(
        json_text::skip_space(whole.data(), whole.data() + whole.size()) - whole.data()));
    if (whole.front() != '{') {
      ParseError err;
      err.code = ParseError::Code::not_an_object;
      err.expected = "object";
      return err;
    }
    return trim_right(whole);
  }

  // Parses `input` into `event`; the error, if it is not an event.
  std::optional<ParseError> read_event(PaddedView input, StringArena& arena, Event& event) {
    auto whole = walk(input, arena);
    if (!whole) return whole.error();
    Reader r(record, arena);
    std::string_view type_name = r.string(T, Key::type);
    if (r.failed()) return r.error();
    EventType type = event_type_from_name(type_name);
    fill_view(r, type, input.data, event);
    EventBase& common = std::visit([](EventBase& e) -> EventBase& { return e; }, event);
    common.type = type_name;
    common.json = JsonView(whole.value(), &arena);
    read_envelope(r, common, type);
    if (r.failed()) return r.error();
    return std::nullopt;
  }

  std::optional<ParseError> read_environment(PaddedView input, StringArena& arena,
                                             Environment& env) {
    auto whole = walk(input, arena);
    if (!whole) return whole.error();
    Reader r(record, arena);
    env.api_endpoint = r.string(T, Key::apiEndpoint);
    if (r.json(T, Key::apiTokens, JsonType::object)) {
      env.api_tokens.integration = r.string(Scope::apiTokens, Key::integration);
      r.optional_string(Scope::apiTokens, Key::installation, env.api_tokens.installation);
    }
    env.integration = r.json(T, Key::integration, JsonType::object);
    env.signing_secrets = r.json(T, Key::signingSecrets, JsonType::object);
    env.secrets = r.json(T, Key::secrets, JsonType::object);
    r.optional_json(T, Key::installation, JsonType::object, env.installation);
    r.optional_json(T, Key::spaceInstallation, JsonType::object, env.space_installation);
    r.optional_json(T, Key::siteInstallation, JsonType::object, env.site_installation);
    r.optional_string(T, Key::authToken, env.auth_token);
    r.optional_string(T, Key::signingSecret, env.signing_secret);
    env.json = JsonView(whole.value(), &arena);
    if (r.failed()) return r.error();
    return std::nullopt;
  }
};

Parser::Parser(std::size_t max_bytes) : impl_(std::make_unique<Impl>(max_bytes)) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;
std::size_t Parser::max_bytes() const noexcept {
  return impl_->max_bytes;
}

namespace {

// Every path returns this one object (NRVO), so the view is filled where the caller gets it.
template <class View, class Read>
ParseResult<View> parse_in_place(Read read) {
  ParseResult<View> result(boost::outcome_v2::in_place_type<View>);
  if (auto error = read(result.value())) result = *error;
  return result;
}

}  // namespace

ParseResult<Event> Parser::parse_event(PaddedView input, StringArena& arena) {
  return parse_in_place<Event>([&](Event& e) { return impl_->read_event(input, arena, e); });
}

ParseResult<Environment> Parser::parse_environment(PaddedView input, StringArena& arena) {
  return parse_in_place<Environment>(
      [&](Environment& env) { return impl_->read_environment(input, arena, env); });
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
