#include "corpus.hpp"
#include "trim.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <simdjson.h>

namespace gbrt::client {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

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
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path)) {
      const auto name = entry.path().filename().string();
      if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
      if (name.rfind("bad", 0) == 0) continue;
      files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) add(corpus, parser, read_file(file), file.string());
    return corpus;
  }
  const std::string text = read_file(path);
  if (!as_event(parser, trim(text)).empty()) {
    add(corpus, parser, text, path);
    return corpus;
  }
  std::size_t start = 0, line_number = 0;
  while (start < text.size()) {
    ++line_number;
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!trim(line).empty()) add(corpus, parser, line, path + ":" + std::to_string(line_number));
    start = end + 1;
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
