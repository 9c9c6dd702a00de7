// Corpora of events, as replay(), gbrt-send and gbrt-loadgen read them: a folder of event
// files (the fixtures) or an NDJSON recording (--record).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gbrt::runtime {

struct CorpusEntry {
  std::string text;    // as read (a line without its line break)
  std::string source;  // its file, or file:line
};

// The entries of `path`: every *.json file of a directory, one each (sorted by name; files
// named bad* skipped); else the file as one entry when it holds one JSON document; else one
// entry a non-blank line (NDJSON). Whether an entry is an event is the caller's to check.
// Throws std::runtime_error if `path` cannot be read.
std::vector<CorpusEntry> read_corpus(const std::filesystem::path& path);

// The texts of read_corpus(path). Throws std::runtime_error if there are none.
std::vector<std::string> load_corpus(const std::filesystem::path& path);

}  // namespace gbrt::runtime
