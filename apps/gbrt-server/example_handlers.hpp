// The handlers gbrt-server registers by default: every event type counted into /metrics, the
// `view-counter`, `embed-block` and `counter` components, fetch, published script, visitor
// auth and tasks.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::examples {

// Page views per space, kept per shard so that counting takes only that shard's lock.
// Bounded, since anyone who may send events chooses the spaceIds: each shard counts at most
// `max_spaces` spaces (the first it sees; a later one is not counted on that shard) and
// ignores ids longer than kMaxSpaceIdBytes (GitBook's are 20 characters). So the table
// holds at most shards x max_spaces entries of at most 64 bytes of id: about 1.5 MB a
// shard by default. A real integration keeps its counts in a store of its own.
class ViewCounts {
 public:
  static constexpr std::size_t kMaxSpaceIdBytes = 64;
  explicit ViewCounts(std::size_t shards, std::size_t max_spaces = 10000);
  ~ViewCounts();
  void add(std::size_t shard, std::string_view space_id);
  std::uint64_t total(std::string_view space_id) const;
  // Spaces counted, summed over the shards (a space counted on two shards is two).
  std::size_t spaces() const;

 private:
  struct Shard;
  std::unique_ptr<Shard[]> shards_;
  std::size_t count_;
  std::size_t max_spaces_;
};

// Registers the example handlers; the returned counts live as long as the runtime needs.
std::shared_ptr<ViewCounts> register_example_handlers(Runtime& runtime);

}  // namespace gbrt::examples
