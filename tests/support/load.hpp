// Many concurrent keep-alive connections from one thread (Asio coroutines), for tests that
// need load: overload, drain, queues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gbrt::test {

struct LoadOptions {
  std::uint16_t port = 0;
  std::size_t connections = 32;
  std::size_t requests_per_connection = 1;
  std::string target = "/v1";
  std::string content_type = "application/json";
  std::vector<std::string> bodies;                 // cycled
  std::function<void(unsigned status)> on_answer;  // called on the load's thread
};

struct LoadResult {
  std::map<unsigned, std::size_t> statuses;  // answers by status code
  std::size_t errors = 0;                    // connections that failed (refused, closed, …)
  std::size_t retry_after = 0;               // 503 answers that carried Retry-After
  std::size_t count(unsigned status) const {
    auto it = statuses.find(status);
    return it == statuses.end() ? 0 : it->second;
  }
};

// Runs the load to completion on the calling thread.
LoadResult run_load(const LoadOptions& options);

// Lets this process open many sockets (the soft limit up to the hard one).
void raise_file_limit();

}  // namespace gbrt::test
