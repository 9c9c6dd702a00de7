#include <gbrt/forward/jetstream.hpp>

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <boost/asio/post.hpp>

#include <gbrt/runtime/log.hpp>

#include "connection_options.hpp"

namespace gbrt::forward {

namespace {

std::int64_t nanoseconds(std::chrono::nanoseconds d) {
  return std::int64_t(d.count());
}

void on_disconnected(natsConnection*, void*) {
  log::warn("NATS connection lost: forwarded events answer 503 until it is back");
}

void on_reconnected(natsConnection* nc, void*) {
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof url);
  log::info("NATS connection re-established", {{"server", url}});
}

}  // namespace

std::string nats_error(int status) {
  std::string text = natsStatus_GetText(natsStatus(status));
  natsStatus last = NATS_OK;
  if (const char* detail = nats_GetLastError(&last); detail != nullptr && *detail != '\0') {
    text += ": ";
    text += detail;
  }
  return text;
}

JetStream::JetStream(JetStreamOptions options) : options_(std::move(options)) {
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = set_connection_options(opts, options_, "gbrt");
  // The caller thread writing to a full socket buffer waits at most this long (then:
  // reconnect).
  if (s == NATS_OK) s = natsOptions_SetWriteDeadline(opts, 1000);
  // With a callback, Connect returns at once when no server answers and keeps trying in
  // the background; ensure_stream's deadline then applies. (Without one it blocks.)
  if (s == NATS_OK) {
    s = natsOptions_SetRetryOnFailedConnect(
        opts, true, [](natsConnection*, void*) {}, nullptr);
  }
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_disconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, on_reconnected, nullptr);
  natsConnection* nc = nullptr;
  if (s == NATS_OK) {
    s = natsConnection_Connect(&nc, opts);
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;  // retried in the background
  }
  natsOptions_Destroy(opts);
  if (s != NATS_OK) throw std::runtime_error("NATS: cannot connect: " + nats_error(s));
  connection_ = nc;
  jsCtx* js = nullptr;
  jsOptions management;
  jsOptions_Init(&management);
  management.Wait = 2000;  // per request: start-up retries within its own deadline
  if (s = natsConnection_JetStream(&js, nc, &management); s != NATS_OK) {
    natsConnection_Destroy(nc);
    throw std::runtime_error("NATS: no JetStream context: " + nats_error(s));
  }
  context_ = js;
  try {
    ensure_stream();
  } catch (...) {
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    throw;
  }
  keep_calling_.emplace(calls_.get_executor());
  poll_status();  // the first poll here, so that both are known when the constructor returns
  caller_thread_ = std::thread([this] { calls_.run(); });
}

JetStream::~JetStream() {
  boost::asio::post(calls_, [this] {
    stop_polling_ = true;
    status_timer_.cancel();
  });
  keep_calling_.reset();  // what is queued still runs, then the thread ends
  caller_thread_.join();
  jsCtx_Destroy(static_cast<jsCtx*>(context_));
  natsConnection_Close(static_cast<natsConnection*>(connection_));
  natsConnection_Destroy(static_cast<natsConnection*>(connection_));
}

void JetStream::poll_status() {
  auto* nc = static_cast<natsConnection*>(connection_);
  connected_.store(natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED,
                   std::memory_order_relaxed);
  max_payload_.store(natsConnection_GetMaxPayload(nc), std::memory_order_relaxed);
  status_timer_.expires_after(kStatusPoll);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stop_polling_) poll_status();
  });
}

void JetStream::finish_calls() {
  std::promise<void> done;
  auto finished = done.get_future();
  boost::asio::post(calls_, [&done] { done.set_value(); });
  finished.wait();
}

void JetStream::flush(std::chrono::milliseconds timeout) {
  finish_calls();
  natsConnection_FlushTimeout(static_cast<natsConnection*>(connection_), timeout.count());
}

// Creates the stream if it is missing. Right after a cluster starts, JetStream may not be
// ready (no meta leader yet): retried until the start-up timeout.
void JetStream::ensure_stream() {
  auto* js = static_cast<jsCtx*>(context_);
  auto* nc = static_cast<natsConnection*>(connection_);
  using std::chrono::steady_clock;
  const auto give_up = steady_clock::now() + options_.startup_timeout;
  std::string problem;
  while (true) {
    // Not connected (yet): the client retries in the background; no request would be answered.
    if (natsConnection_Status(nc) != NATS_CONN_STATUS_CONNECTED) {
      if (steady_clock::now() >= give_up) {
        std::string urls;
        for (const auto& url : options_.servers) urls += (urls.empty() ? "" : ",") + url;
        throw std::runtime_error("NATS: no server answers at " + urls + " within " +
                                 std::to_string(options_.startup_timeout.count()) +
                                 " ms (is nats-server running there? see --nats and "
                                 "--nats-startup-timeout)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    // Each request waits at most until the start-up deadline.
    jsOptions request;
    jsOptions_Init(&request);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(give_up - steady_clock::now());
    request.Wait = std::clamp<std::int64_t>(left.count(), 1, 2000);
    jsStreamInfo* info = nullptr;
    jsErrCode code = jsErrCode(0);
    natsStatus s = js_GetStreamInfo(&info, js, options_.stream.c_str(), &request, &code);
    if (s == NATS_OK) {
      log::info("JetStream stream ready",
                {{"stream", options_.stream},
                 {"replicas", std::to_string(info->Config->Replicas), true},
                 {"messages", std::to_string(info->State.Msgs), true}});
      jsStreamInfo_Destroy(info);
      return;
    }
    if (s == NATS_NOT_FOUND) {
      jsStreamConfig config;
      jsStreamConfig_Init(&config);
      const char* subjects[] = {kEventSubjects, kDeadSubjects};
      config.Name = options_.stream.c_str();
      config.Subjects = subjects;
      config.SubjectsLen = 2;
      config.Storage = js_FileStorage;
      config.Retention = js_LimitsPolicy;
      config.Replicas = options_.replicas;
      config.MaxAge = nanoseconds(options_.max_age);
      config.Duplicates = nanoseconds(options_.duplicate_window);
      s = js_AddStream(&info, js, &config, &request, &code);
      if (s == NATS_OK) {
        log::info(
            "JetStream stream created",
            {{"stream", options_.stream}, {"replicas", std::to_string(options_.replicas), true}});
        jsStreamInfo_Destroy(info);
        return;
      }
      // Another gbrt process may have created it meanwhile: the next turn finds it.
    }
    problem = nats_error(s) +
              (code != 0 ? " (JetStream error " + std::to_string(int(code)) + ")" : std::string());
    if (steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  throw std::runtime_error("NATS: stream " + options_.stream + " is not available: " + problem);
}

}  // namespace gbrt::forward
