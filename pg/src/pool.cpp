#include <gbrt/pg/pool.hpp>

#include <future>
#include <thread>

#include <boost/asio/post.hpp>

#include <gbrt/runtime/runtime.hpp>

namespace gbrt::pg {

namespace asio = boost::asio;

namespace {

std::vector<asio::any_io_executor> executors_of(runtime::Runtime& runtime) {
  std::vector<asio::any_io_executor> executors;
  for (std::size_t i = 0; i < runtime.shard_count(); ++i) {
    executors.push_back(runtime.shard(i).executor());
  }
  return executors;
}

// A shard that no longer runs never picks the work up: then nothing else runs there either,
// and the caller may do it itself.
constexpr std::chrono::seconds kShardAnswers{5};

}  // namespace

Pool::Pool(std::vector<asio::any_io_executor> shards, std::string url, PoolOptions options) {
  for (auto& executor : shards) {
    auto& group = shards_.emplace_back();
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options.connections_per_shard); ++i) {
      group.push_back(std::make_unique<Connection>(executor, blocking_.get_executor(), url,
                                                   options.connection));
      group.back()->start();
    }
  }
}

Pool::Pool(runtime::Runtime& runtime, std::string url, PoolOptions options)
    : Pool(executors_of(runtime), std::move(url), options) {}

Pool::~Pool() {
  close();
  blocking_.join();  // cancel requests already posted
}

bool Pool::wait_connected(std::chrono::milliseconds limit) const {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (connected() < size()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void Pool::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& group : shards_) {
    for (auto& connection : group) {
      auto done = std::make_shared<std::promise<void>>();
      auto closed = done->get_future();
      asio::post(connection->executor(), [raw = connection.get(), done] {
        raw->close();
        done->set_value();
      });
      if (closed.wait_for(kShardAnswers) != std::future_status::ready) connection->close();
    }
  }
}

std::size_t Pool::connected() const noexcept {
  std::size_t n = 0;
  for (auto& group : shards_) {
    for (auto& connection : group) n += connection->connected() ? 1 : 0;
  }
  return n;
}

std::size_t Pool::size() const noexcept {
  std::size_t n = 0;
  for (auto& group : shards_) n += group.size();
  return n;
}

Connection& Pool::connection(std::size_t shard) noexcept {
  auto& group = shards_[shard % shards_.size()];
  Connection* best = group.front().get();
  for (auto& candidate : group) {
    const bool better_up = candidate->connected() && !best->connected();
    const bool less_busy =
        candidate->connected() == best->connected() && candidate->in_flight() < best->in_flight();
    if (better_up || less_busy) best = candidate.get();
  }
  return *best;
}

asio::awaitable<Result<Rows>> Pool::query(runtime::Context& context, std::string_view sql,
                                          std::vector<Param> params, Deadline deadline) {
  return connection(context.shard_index()).query(sql, std::move(params), deadline);
}

asio::awaitable<Result<Rows>> Pool::execute(runtime::Context& context, const Statement& statement,
                                            std::vector<Param> params, Deadline deadline) {
  return connection(context.shard_index()).execute(statement, std::move(params), deadline);
}

}  // namespace gbrt::pg
