// Unit-testing a handler without a socket: a runtime on its own thread; run() sends one
// event through the same path as an HTTP event (admission, deadline, answer) and times it.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string_view>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::runtime {

class HandlerHarness {
 public:
  // One shard unless the options say otherwise.
  explicit HandlerHarness(RuntimeOptions options = {.threads = 1});
  ~HandlerHarness();

  // Register handlers here, before the first run().
  Runtime& runtime() noexcept { return runtime_; }

  struct Result {
    Answer answer;
    std::chrono::nanoseconds latency;  // from the bytes to the answer, in the runtime
  };
  // The event's JSON (and optionally the environment's, as the dispatcher sends it).
  Result run(std::string_view event_json, std::optional<std::string_view> environment_json = {});
  // The same, with the event read from a file (a fixture).
  Result run_file(const std::filesystem::path& event_file,
                  std::optional<std::string_view> environment_json = {});
  // The same, with an installed fixture by name ("site_view-1"; fixtures.hpp says where).
  Result run_fixture(std::string_view name, std::optional<std::string_view> environment_json = {});

 private:
  Runtime runtime_;
};

}  // namespace gbrt::runtime
