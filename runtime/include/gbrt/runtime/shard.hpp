// gbrt::runtime::Shard: one thread's share of the runtime, as a transport sees it: its
// executor, parser, pool of event slots and scratch memory. Used only from that thread.
#pragma once

#include <cstddef>
#include <memory>
#include <memory_resource>

#include <gbrt/events/parse.hpp>
#include <gbrt/http/client.hpp>
#include <gbrt/runtime/event_slot.hpp>
#include <gbrt/runtime/shard_executor.hpp>

namespace gbrt::runtime {

// Made only by the Runtime (Runtime::shard(i)), which keeps its queues beside it.
class Shard {
 public:
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  std::size_t index() const noexcept { return index_; }
  const ShardExecutor& executor() const noexcept { return executor_; }
  events::Parser& parser() noexcept { return parser_; }
  SlotPool& slots() noexcept { return slots_; }
  // Scratch memory for this shard's requests (HTTP header fields, …): pooled, so a warm
  // shard takes nothing from the heap per event. Only this shard's thread may use it.
  std::pmr::memory_resource& memory() noexcept { return memory_; }
  // This shard's outbound HTTP client, made at the first call: an event that makes no
  // outbound call costs nothing.
  http::Client& http_client(const http::ClientOptions& options);

 protected:
  Shard(std::size_t index, ShardExecutor executor, std::size_t max_event_bytes)
      : index_(index), executor_(std::move(executor)), parser_(max_event_bytes) {}
  ~Shard() = default;
  std::unique_ptr<http::Client> http_;  // closed by the Runtime before the executor goes

 private:
  std::size_t index_;
  ShardExecutor executor_;
  events::Parser parser_;
  SlotPool slots_;
  std::pmr::unsynchronized_pool_resource memory_;
};

}  // namespace gbrt::runtime
