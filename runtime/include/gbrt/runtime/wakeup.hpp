// gbrt::runtime::Wakeup: one coroutine waits, other code on the same executor wakes it.
// What a steady_timer set to "never" and cancelled did, without the timer queue or a
// service lookup per object: the waiting handler is kept type-erased (Asio's recycling
// allocator: nothing from the heap once warm) and posted when fire() is called.
#pragma once

#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <gbrt/runtime/shard_executor.hpp>

namespace gbrt::runtime {

class Wakeup;

// Keeps the list of an execution context's waiting Wakeups, so that a context shut down
// with waits pending destroys their handlers (and the coroutines they hold), as it does
// its own operations'. One per context: look it up once (use_service), not per Wakeup.
class WakeupService : public boost::asio::execution_context::service {
 public:
  inline static boost::asio::execution_context::id id;
  explicit WakeupService(boost::asio::execution_context& context) : service(context) {}
  template <class Executor>
  static WakeupService& of(const Executor& executor) {
    return boost::asio::use_service<WakeupService>(
        boost::asio::query(executor, boost::asio::execution::context));
  }

 private:
  friend class Wakeup;
  void shutdown() override;
  Wakeup* head_ = nullptr;
};

class Wakeup {
 public:
  Wakeup(WakeupService& service, ShardExecutor executor)
      : service_(service), executor_(std::move(executor)) {}
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  ~Wakeup() { forget(); }

  // Completes with fire()'s code, at once if fire() came first. Cancelled (per-operation
  // cancellation, as a coroutine's own) with operation_aborted, unless set_cancellable(false)
  // said the wait must run to its fire().
  template <class Token>
  auto async_wait(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) {
          if (fired_) {
            fired_ = false;
            post(Handler(std::move(handler)), code_);
            return;
          }
          auto slot = boost::asio::get_associated_cancellation_slot(handler);
          Handler(std::move(handler)).swap(handler_);
          link();
          if (slot.is_connected()) {
            slot_ = slot;
            slot.assign([this](boost::asio::cancellation_type) {
              if (cancellable_) fire(boost::asio::error::operation_aborted);
            });
          }
        },
        token);
  }

  // Wakes the waiter (posted, never run inside the caller), or the next one to wait.
  void fire(boost::system::error_code code = {}) {
    if (!handler_) {
      fired_ = true;
      code_ = code;
      return;
    }
    Handler handler;
    handler.swap(handler_);
    forget();
    post(std::move(handler), code);
  }

  void set_cancellable(bool cancellable) noexcept { cancellable_ = cancellable; }
  bool waiting() const noexcept { return bool(handler_); }

 private:
  friend class WakeupService;
  // Moved only by swap(): Boost 1.81's move assignment copies from an lvalue, which
  // recurses without end.
  using Handler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

  void post(Handler handler, boost::system::error_code code) {
    boost::asio::post(executor_, [h = std::move(handler), code]() mutable { std::move(h)(code); });
  }
  void link() noexcept {
    next_ = service_.head_;
    if (next_ != nullptr) next_->prev_ = this;
    service_.head_ = this;
    linked_ = true;
  }
  // Leaves the service's list and the cancellation slot.
  void forget() noexcept {
    if (slot_.is_connected()) slot_.clear();
    slot_ = {};
    if (!linked_) return;
    if (prev_ != nullptr) prev_->next_ = next_;
    if (next_ != nullptr) next_->prev_ = prev_;
    if (service_.head_ == this) service_.head_ = next_;
    prev_ = next_ = nullptr;
    linked_ = false;
  }

  WakeupService& service_;
  ShardExecutor executor_;
  Handler handler_;
  boost::asio::cancellation_slot slot_;
  boost::system::error_code code_;
  Wakeup* prev_ = nullptr;
  Wakeup* next_ = nullptr;
  bool linked_ = false;
  bool fired_ = false;
  bool cancellable_ = true;
};

// Destroying a handler may destroy the coroutine frame holding its Wakeup (and others):
// each leaves the list as it goes, so take the head again every time.
inline void WakeupService::shutdown() {
  while (Wakeup* wakeup = head_) {
    Wakeup::Handler doomed;
    doomed.swap(wakeup->handler_);
    wakeup->forget();
  }
}

}  // namespace gbrt::runtime
