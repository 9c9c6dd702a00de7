// The handlers gbrt-server registers by default: every event type counted into /metrics, a
// `view-counter` component that shows the page views seen for a space, and `embed-block`.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::examples {

// Page views per space, kept per shard so that counting takes only that shard's lock.
class ViewCounts {
 public:
  explicit ViewCounts(std::size_t shards);
  ~ViewCounts();
  void add(std::size_t shard, std::string_view space_id);
  std::uint64_t total(std::string_view space_id) const;

 private:
  struct Shard;
  std::unique_ptr<Shard[]> shards_;
  std::size_t count_;
};

// Registers the example handlers; the returned counts live as long as the runtime needs.
std::shared_ptr<ViewCounts> register_example_handlers(Runtime& runtime);

}  // namespace gbrt::examples
