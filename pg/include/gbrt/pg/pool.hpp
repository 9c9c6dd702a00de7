// PostgreSQL connections for every shard of a runtime: each shard queries over its own
// connections (no lock, no thread hop); handlers reach the pool with Context::service<Pool>().
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <gbrt/pg/connection.hpp>

namespace gbrt::runtime {
class Context;
class Runtime;
}  // namespace gbrt::runtime

namespace gbrt::pg {

struct PoolOptions {
  // Connections per shard; a statement goes to the one with the fewest in flight.
  std::size_t connections_per_shard = 1;
  ConnectionOptions connection;
};

class Pool {
 public:
  // One group of connections per executor (a shard each); they start connecting at once.
  Pool(std::vector<boost::asio::any_io_executor> shards, std::string url, PoolOptions options = {});
  // For every shard of `runtime` (construct it after the runtime, destroy it before).
  Pool(runtime::Runtime& runtime, std::string url, PoolOptions options = {});
  ~Pool();  // close()
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Blocks (never call it on a shard) until every connection is up or `limit` passes.
  bool wait_connected(std::chrono::milliseconds limit) const;
  // Closes every connection on its shard's thread and waits (blocking; not on a shard).
  void close();

  std::size_t shard_count() const noexcept { return shards_.size(); }
  std::size_t connected() const noexcept;  // connections up, all shards
  std::size_t size() const noexcept;       // connections, all shards
  // The connection of `shard` with the fewest statements in flight (a connected one if any).
  Connection& connection(std::size_t shard) noexcept;

  // Runs `sql` on the handler's shard; see Connection::query.
  boost::asio::awaitable<Result<Rows>> query(runtime::Context& context, std::string_view sql,
                                             std::vector<Param> params = {},
                                             Deadline deadline = kNoDeadline);
  boost::asio::awaitable<Result<Rows>> execute(runtime::Context& context,
                                               const Statement& statement,
                                               std::vector<Param> params = {},
                                               Deadline deadline = kNoDeadline);

 private:
  boost::asio::thread_pool blocking_{1};  // PQcancel
  std::vector<std::vector<std::unique_ptr<Connection>>> shards_;
  bool closed_ = false;
};

}  // namespace gbrt::pg
