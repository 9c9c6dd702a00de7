#include "corpus.hpp"
#include "trim.hpp"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include <simdjson.h>

#include <gbrt/runtime/corpus.hpp>
#include <gbrt/runtime/read_file.hpp>

namespace gbrt::client {

namespace fs = std::filesystem;

namespace {

using runtime::read_file;

using app_common::trim;

// The minified text if `text` is one JSON object with a string "type", else empty.
std::string as_event(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) return {};
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return {};
  std::string_view type;
  if (object["type"].get_string().get(type) != simdjson::SUCCESS) return {};
  return simdjson::minify(root);
}

void add(Corpus& corpus, simdjson::dom::parser& parser, const std::string& raw,
         std::string source) {
  std::string text = trim(raw);
  std::string minified = text.empty() ? std::string() : as_event(parser, text);
  if (minified.empty()) {
    ++corpus.skipped;
    return;
  }
  corpus.events.push_back(std::move(text));
  corpus.minified.push_back(std::move(minified));
  corpus.sources.push_back(std::move(source));
}

}  // namespace

Corpus load_corpus(const std::string& path) {
  Corpus corpus;
  simdjson::dom::parser parser;
  for (runtime::CorpusEntry& entry : runtime::read_corpus(path)) {
    add(corpus, parser, entry.text, std::move(entry.source));
  }
  return corpus;
}

std::string load_environment(const std::string& path, const std::string& corpus_path) {
  if (!path.empty()) return trim(read_file(path));
  std::error_code ec;
  fs::path dir = fs::is_directory(corpus_path, ec) ? fs::path(corpus_path)
                                                   : fs::path(corpus_path).parent_path();
  if (dir.empty()) dir = ".";
  if (fs::is_regular_file(dir / "environment.json", ec)) {
    return trim(read_file(dir / "environment.json"));
  }
  return R"({"apiEndpoint":"https://api.gitbook.com","apiTokens":{"integration":"gb_int_loadgen"},)"
         R"("integration":{"name":"loadgen","version":1,"title":"gbrt-loadgen"},)"
         R"("signingSecrets":{"integration":"loadgen"},"secrets":{}})";
}

std::string multipart_body(std::string_view event, std::string_view environment) {
  const std::string_view b = kBoundary;
  std::string body;
  body.reserve(event.size() + environment.size() + 4 * b.size() + 160);
  body.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"event\"\r\n\r\n");
  body.append(event);
  body.append("\r\n--").append(b).append(
      "\r\nContent-Disposition: form-data; name=\"environment\"\r\n\r\n");
  body.append(environment);
  body.append("\r\n--").append(b).append("--\r\n");
  return body;
}

Bodies make_bodies(const Corpus& corpus, Format format, std::size_t batch,
                   const std::string& environment) {
  Bodies out;
  const std::size_t n = corpus.events.size();
  switch (format) {
    case Format::json:
      out.content_type = "application/json";
      out.bodies = corpus.events;
      break;
    case Format::multipart: {
      out.content_type = std::string("multipart/form-data; boundary=") + kBoundary;
      for (const auto& event : corpus.events) {
        out.bodies.push_back(multipart_body(event, environment));
      }
      break;
    }
    case Format::ndjson: {
      out.content_type = "application/x-ndjson";
      out.events_per_request = batch;
      const std::size_t distinct = std::clamp<std::size_t>((n + batch - 1) / batch, 1, 1024);
      for (std::size_t j = 0; j < distinct; ++j) {
        std::string body;
        for (std::size_t i = 0; i < batch; ++i) {
          body += corpus.minified[(j * batch + i) % n];
          body += '\n';
        }
        out.bodies.push_back(std::move(body));
      }
      break;
    }
  }
  return out;
}

}  // namespace gbrt::client
