#include <gbrt/runtime/runtime.hpp>

#include <cstdio>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gbrt::runtime {

namespace asio = boost::asio;
using events::EventType;

namespace {

std::size_t default_threads(std::size_t requested) {
  if (requested != 0) return requested;
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

}  // namespace

Runtime::Runtime(RuntimeOptions options) {
  std::size_t n = default_threads(options.threads);
  for (std::size_t i = 0; i < n; ++i) {
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    shards_.push_back(
        std::make_unique<Shard>(i, contexts_.back()->get_executor(), options.max_event_bytes));
  }
  init_types();
}

Runtime::Runtime(std::vector<asio::any_io_executor> executors, std::size_t max_event_bytes) {
  for (std::size_t i = 0; i < executors.size(); ++i) {
    shards_.push_back(std::make_unique<Shard>(i, std::move(executors[i]), max_event_bytes));
  }
  init_types();
}

// Type ids 0..14: the typed events, then "other"; registered names come after.
void Runtime::init_types() {
  metrics_ = std::make_unique<Metrics>(shards_.size());
  for (std::size_t t = 0; t <= events::kTypedEventCount; ++t) {
    metrics_->add_type(std::string(events::to_string(EventType(t))));
  }
  handlers_.resize(events::kTypedEventCount + 1);
}

Runtime::~Runtime() {
  if (!threads_.empty()) shutdown(std::chrono::milliseconds(0));
}

Metrics& Runtime::metrics() {
  return *metrics_;
}

void Runtime::add_handler(std::size_t type_id, Handler handler) {
  if (started_) throw std::logic_error("gbrt: register handlers before start()");
  handlers_[type_id].push_back(std::move(handler));
}

void Runtime::add_component(std::string id, Component component) {
  if (started_) throw std::logic_error("gbrt: register components before start()");
  components_.insert_or_assign(std::move(id), std::move(component));
}

std::size_t Runtime::type_id_for(std::string name) {
  EventType typed = events::event_type_from_name(name);
  if (typed != EventType::other) return std::size_t(typed);  // has a typed view
  if (auto it = named_types_.find(name); it != named_types_.end()) return it->second;
  std::size_t id = metrics_->add_type(name);
  named_types_.emplace(std::move(name), id);
  handlers_.resize(id + 1);
  return id;
}

std::size_t Runtime::type_id(const events::Event& event) const noexcept {
  EventType type = events::type_of(event);
  if (type != EventType::other || named_types_.empty()) return std::size_t(type);
  auto it = named_types_.find(events::base(event).type);
  return it == named_types_.end() ? std::size_t(EventType::other) : it->second;
}

void Runtime::start() {
  if (started_ || contexts_.empty()) return;
  started_ = true;
  for (auto& context : contexts_) {
    threads_.emplace_back([ctx = context.get()] {
      auto guard = asio::make_work_guard(*ctx);
      ctx->run();
    });
  }
}

void Runtime::shutdown(std::chrono::milliseconds drain_timeout) {
  auto deadline = std::chrono::steady_clock::now() + drain_timeout;
  while (background_.load() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
}

void Runtime::spawn_background(Shard& shard, asio::awaitable<void> work) {
  background_.fetch_add(1);
  asio::co_spawn(shard.executor(), std::move(work), [this](std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "gbrt: background work failed: %s\n", e.what());
      } catch (...) {
        std::fprintf(stderr, "gbrt: background work failed\n");
      }
    }
    background_.fetch_sub(1);
  });
}

// Runs every handler concurrently on this shard and waits for all; rethrows the first
// failure once all have finished (Promise.all waits for the first; we do not abandon the
// rest, since they borrow the event).
asio::awaitable<void> Runtime::run_all(const std::vector<Handler>& handlers,
                                       const events::Event& event, Context& context) {
  auto executor = co_await asio::this_coro::executor;
  struct Join {
    std::size_t remaining;
    std::exception_ptr first_error;
    asio::steady_timer done;
  } join{handlers.size(), nullptr,
         asio::steady_timer(executor, asio::steady_timer::time_point::max())};
  for (const Handler& handler : handlers) {
    auto on_done = [&join](std::exception_ptr error) {
      if (error && !join.first_error) join.first_error = error;
      if (--join.remaining == 0) join.done.cancel();
    };
    asio::co_spawn(executor, handler(event, context), std::move(on_done));
  }
  if (join.remaining != 0) {
    co_await join.done.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (join.first_error) std::rethrow_exception(join.first_error);
}

asio::awaitable<Answer> Runtime::dispatch(const events::Event& event,
                                          const events::Environment* environment, Shard& shard) {
  const std::size_t type = type_id(event);
  const events::EventBase& common = events::base(event);
  metrics_->event_received(shard.index(), type);
  Context context(*this, shard, common, environment);
  Outcome outcome = Outcome::ok;
  Answer answer;
  try {
    if (const auto* render = std::get_if<events::UiRender>(&event)) {
      auto it = components_.find(render->component_id);
      if (it == components_.end()) {
        outcome = Outcome::rejected;
        answer =
            Answer::error(404, "Component " + std::string(render->component_id) + " not found");
      } else {
        ComponentResponse response = co_await it->second(*render, context);
        answer = Answer::json(200, std::move(response.json));
        answer.cache_max_age = response.cache_max_age;
      }
    } else if (const auto& handlers = handlers_[type]; handlers.empty()) {
      outcome = Outcome::rejected;
      answer = Answer::error(
          406, "Integration does not handle \"" + std::string(common.type) + "\" events");
    } else if (handlers.size() == 1) {
      co_await handlers.front()(event, context);  // no extra frame for the common case
    } else {
      co_await run_all(handlers, event, context);
    }
  } catch (const ExposableError& e) {
    outcome = Outcome::error;
    answer = Answer::error(e.code(), e.what());
  } catch (const std::exception& e) {
    outcome = Outcome::error;
    std::fprintf(stderr, "gbrt: handler for %.*s event %.*s failed: %s\n", int(common.type.size()),
                 common.type.data(), int(common.event_id.size()), common.event_id.data(), e.what());
    answer = Answer::error(500, "Internal server error");
  } catch (...) {
    outcome = Outcome::error;
    answer = Answer::error(500, "Internal server error");
  }
  metrics_->event_handled(shard.index(), type, outcome);
  co_return answer;
}

// Context

asio::any_io_executor Context::executor() const noexcept {
  return shard_.executor();
}
std::size_t Context::shard_index() const noexcept {
  return shard_.index();
}
void Context::wait_until(asio::awaitable<void> work) const {
  runtime_.spawn_background(shard_, std::move(work));
}

}  // namespace gbrt::runtime
