#include <gbrt/runtime/corpus.hpp>

#include <algorithm>
#include <stdexcept>
#include <system_error>

#include <boost/json/parse.hpp>

#include <gbrt/runtime/read_file.hpp>

namespace gbrt::runtime {

namespace fs = std::filesystem;

std::vector<CorpusEntry> read_corpus(const fs::path& path) {
  std::vector<CorpusEntry> entries;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path)) {
      const auto name = entry.path().filename().string();
      if (entry.is_regular_file() && entry.path().extension() == ".json" &&
          !name.starts_with("bad")) {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) entries.push_back({read_file(file), file.string()});
    return entries;
  }
  std::string text = read_file(path);
  // One document, even across lines (a pretty-printed event).
  boost::json::parse(text, ec);
  if (!ec) {
    entries.push_back({std::move(text), path.string()});
    return entries;
  }
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    ++line_number;
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      entries.push_back({std::move(line), path.string() + ":" + std::to_string(line_number)});
    }
    start = end + 1;
  }
  return entries;
}

std::vector<std::string> load_corpus(const fs::path& path) {
  std::vector<std::string> events;
  for (CorpusEntry& entry : read_corpus(path)) events.push_back(std::move(entry.text));
  if (events.empty()) throw std::runtime_error("no events in " + path.string());
  return events;
}

}  // namespace gbrt::runtime
