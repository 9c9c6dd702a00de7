// What gbrt-loadgen and gbrt-send send: events read from fixture files or an NDJSON recording,
// turned into request bodies for one wire format.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gbrt::client {

enum class Format { json, multipart, ndjson };

struct Corpus {
  std::vector<std::string> events;    // each event's text as read (surrounding space trimmed)
  std::vector<std::string> minified;  // the same on one line, for NDJSON
  std::vector<std::string> sources;   // where each came from: its file, or file:line
  std::size_t skipped = 0;            // files or lines that were not an event object
};

// `path` is a directory (its *.json files whose names do not start with "bad", sorted by
// name) or a file: one JSON event object, or NDJSON (one event per line). Whatever does
// not parse as a JSON object with a string "type" is skipped. Throws if unreadable.
Corpus load_corpus(const std::string& path);

// The `environment` part for the dispatcher format: `path` if given, else environment.json
// beside the corpus if there is one, else a minimal environment.
std::string load_environment(const std::string& path, const std::string& corpus_path);

// Whether an answer means the event was taken: 2xx, or a redirect (3xx), which is how a
// `fetch_visitor_authentication` handler answers.
constexpr bool is_success(unsigned status) noexcept {
  return status >= 200 && status < 400;
}

inline constexpr const char* kBoundary = "----gbrtLoadgenBoundary7MA4YWxkTrZu0gW";

// One event with its `environment`, as GitBook's dispatcher sends it (boundary kBoundary).
std::string multipart_body(std::string_view event, std::string_view environment);

struct Bodies {
  std::string content_type;
  std::vector<std::string> bodies;  // cycled
  std::size_t events_per_request = 1;
};

// json: each event as is. multipart: each event with `environment`, as GitBook's
// dispatcher sends it. ndjson: `batch` events a body (minified, one a line), cycling
// through the corpus; at most 1024 distinct bodies.
Bodies make_bodies(const Corpus& corpus, Format format, std::size_t batch,
                   const std::string& environment);

}  // namespace gbrt::client
