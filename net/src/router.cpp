// Routing of one request: health, readiness, metrics, an event (its signature, content
// type and parse) or a batch, and the answers for a wrong path, version or method.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <gbrt/net/multipart.hpp>

#include "header_text.hpp"
#include "serve.hpp"

namespace gbrt::net {

namespace beast = boost::beast;
namespace http = beast::http;
using runtime::Answer;

namespace {

enum class Route { event, batch, health, ready, metrics, not_found, bad_version };

// `/` and `/v1` take events; `/v<digits>…` is another protocol version.
Route route_of(std::string_view path, std::string_view& version) {
  if (path == "/healthz") return Route::health;
  if (path == "/readyz") return Route::ready;
  if (path == "/metrics") return Route::metrics;
  if (path == "/" || path == "/v1" || path == "/v1/") return Route::event;
  if (path == "/v1/batch") return Route::batch;
  std::string_view first = path.substr(1, path.find('/', 1) - 1);
  if (first.size() >= 2 && first[0] == 'v' && first[1] >= '0' && first[1] <= '9') {
    version = first;
    return Route::bad_version;
  }
  return Route::not_found;
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// With secrets configured: 401 unless X-GitBook-Signature signs these exact bytes.
std::optional<Answer> check_signature(Server::State& state, runtime::Shard& shard,
                                      const RequestParser& request, std::string_view body) {
  const SignatureVerifier& verifier = *state.verifiers[shard.index()];
  if (!verifier.enabled()) return std::nullopt;
  auto status = verifier.verify(request.signature(), body, unix_now());
  if (status == SignatureStatus::valid) return std::nullopt;
  return Answer::error(401, to_string(status));
}

// A batch's content type and signature; the answer if it is refused.
std::optional<Answer> prepare_batch(Server::State& state, runtime::Shard& shard,
                                    const RequestParser& request, const runtime::EventSlot& slot) {
  std::string_view content_type = request.content_type();
  if (!media_type_is(content_type, "application/x-ndjson") &&
      !media_type_is(content_type, "application/jsonl")) {
    return Answer::error(415, "Unsupported Content-Type \"" +
                                  std::string(clip_for_echo(content_type)) +
                                  "\": a batch is application/x-ndjson, one event per line");
  }
  return check_signature(state, shard, request, slot.body.str());
}

// Verifies, decodes and parses one event request into `slot`; the answer if it is refused.
// Not a coroutine: its locals (parse results, the form) stay off the coroutine frame, which
// then fits Asio's recycling allocator.
std::optional<Answer> prepare_event(Server::State& state, runtime::Shard& shard,
                                    const RequestParser& request, runtime::EventSlot& slot) {
  const events::PaddedView body = slot.body.view();
  std::string_view content_type = request.content_type();
  const bool is_json = media_type_is(content_type, "application/json");
  const auto boundary = is_json ? std::nullopt : multipart_boundary(content_type);
  if (!is_json && !boundary) {
    if (media_type_is(content_type, "multipart/form-data")) {
      return Answer::error(400, "multipart/form-data without a valid boundary");
    }
    return Answer::error(
        415, "Unsupported Content-Type \"" + std::string(clip_for_echo(content_type)) +
                 "\": send application/json (Webhook) or multipart/form-data (dispatcher)");
  }
  if (is_json || !state.options.unsigned_dispatcher) {
    if (auto refused = check_signature(state, shard, request, body.str())) return refused;
  }
  events::Parser& parser = shard.parser();
  if (is_json) {
    auto event = parser.parse_event(body, slot.arena);
    if (!event) return Answer::parse_error(event.error());
    slot.event.emplace(std::move(event.value()));
    slot.event_json = body.str();
    if (recording_refused(state)) return Recorder::refusal();
    return std::nullopt;
  }
  DispatcherForm form;
  if (auto problem = decode_dispatcher_form(body.str(), *boundary, form); !problem.empty()) {
    return Answer::error(400, problem);
  }
  if (!form.event) return Answer::error(400, "multipart field \"event\" is missing");
  if (!form.environment) return Answer::error(400, "multipart field \"environment\" is missing");
  auto event = parser.parse_event(body.sub(form.event->offset, form.event->size), slot.arena);
  if (!event) return Answer::parse_error(event.error(), "event");
  auto environment = parser.parse_environment(
      body.sub(form.environment->offset, form.environment->size), slot.arena);
  if (!environment) return Answer::parse_error(environment.error(), "environment");
  slot.event.emplace(std::move(event.value()));
  slot.environment.emplace(std::move(environment.value()));
  if (auto* fetch = std::get_if<events::Fetch>(&*slot.event); fetch && form.fetch_body) {
    fetch->body = body.str().substr(form.fetch_body->offset, form.fetch_body->size);
  }
  slot.event_json = body.str().substr(form.event->offset, form.event->size);
  slot.environment_json = body.str().substr(form.environment->offset, form.environment->size);
  if (recording_refused(state)) return Recorder::refusal();
  return std::nullopt;
}

}  // namespace

Routed route_request(Server::State& state, runtime::Shard& shard, const RequestParser& request,
                     runtime::EventSlot& slot, ConnectionEvents& events, std::string_view& allow,
                     Answer& answer) {
  auto answered = [&answer](Answer&& given) {
    answer = std::move(given);
    return Routed::answered;
  };
  const std::string_view path = target_path(request.get().target());
  std::string_view version;
  const http::verb method = request.get().method();
  const bool get = method == http::verb::get || method == http::verb::head;
  switch (route_of(path, version)) {
    case Route::health:
      allow = "GET, HEAD";
      if (!get) break;
      return answered(Answer::json(200, "{\"status\":\"ok\"}"));
    case Route::ready:
      allow = "GET, HEAD";
      if (!get) break;
      if (state.stopping || state.runtime.draining()) {
        return answered(Answer::json(503, "{\"status\":\"draining\"}"));
      }
      if (state.runtime.overloaded()) {
        return answered(Answer::json(503, "{\"status\":\"overloaded\"}"));
      }
      if (!state.runtime.forwarding_ready()) {
        return answered(Answer::json(503, "{\"status\":\"event store unreachable\"}"));
      }
      if (state.recorder && state.recorder->failing()) {
        return answered(Answer::json(503, "{\"status\":\"record failing\"}"));
      }
      return answered(Answer::json(200, "{\"status\":\"ready\"}"));
    case Route::metrics:
      allow = "GET, HEAD";
      if (!get) break;
      return answered(
          Answer{200, "text/plain; version=0.0.4", state.runtime.metrics().render(), {}, {}});
    case Route::event: {
      allow = "POST";
      if (method != http::verb::post) break;
      if (auto refused = prepare_event(state, shard, request, slot)) {
        return answered(std::move(*refused));
      }
      if (state.options.access_log) {
        const events::EventBase& common = events::base(*slot.event);
        events.event_id = common.event_id;
        events.event_type = common.type;
      }
      // The slot goes to the runtime: keep the bytes until the answer says they were accepted.
      if (state.recorder) events.recorded_event.assign(slot.event_json);
      events.handling_started();
      return Routed::event;
    }
    case Route::batch:
      allow = "POST";
      if (method != http::verb::post) break;
      if (auto refused = prepare_batch(state, shard, request, slot)) {
        return answered(std::move(*refused));
      }
      return Routed::batch;
    case Route::bad_version:
      return answered(
          Answer::error(400, "Unsupported version " + std::string(clip_for_echo(version))));
    case Route::not_found:
      return answered(Answer::error(404, "No route for " + std::string(clip_for_echo(path))));
  }
  return answered(Answer::error(405, "Method " +
                                         std::string(clip_for_echo(request.get().method_string())) +
                                         " not allowed on " + std::string(clip_for_echo(path))));
}

void event_answered(Server::State& state, runtime::Shard& shard, const Answer& answer,
                    ConnectionEvents& events) {
  events.handling_finished();
  if (state.recorder && is_accepted(answer)) {
    state.recorder->record(shard.index(), events.recorded_event);
  }
}

}  // namespace gbrt::net
