#include "batch.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gbrt/events/json_view.hpp>

namespace gbrt::net {

namespace asio = boost::asio;
using runtime::Answer;

namespace {

struct Rejected {
  std::size_t line;
  unsigned status;
  std::string error;
};

// What the batch waits on: its events in flight and what they answered.
struct Join {
  explicit Join(const asio::any_io_executor& ex)
      : wake(ex, asio::steady_timer::time_point::max()) {}
  asio::steady_timer wake;  // cancelled whenever an event finishes
  std::size_t in_flight = 0;
  std::size_t accepted = 0;
  std::vector<Rejected> rejected;
};

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// The message of an answer made by Answer::error (its body is {"error":"…"}).
std::string error_of(const Answer& answer) {
  events::StringArena arena;
  events::JsonView body(answer.body, &arena);
  if (answer.content_type == "application/json" && body.is_object()) {
    if (auto message = body["error"].get_string()) return std::string(*message);
  }
  return answer.body;
}

bool is_json_syntax(events::ParseError::Code code) {
  using Code = events::ParseError::Code;
  return code == Code::invalid_json || code == Code::invalid_utf8 || code == Code::empty ||
         code == Code::too_deep;
}

}  // namespace

asio::awaitable<Answer> handle_batch(Server::State& state, runtime::Shard& shard,
                                     runtime::SlotPtr batch) {
  const events::PaddedView bytes = batch->body.view();
  const std::string_view body = bytes.str();
  // Lines: "\n" ends one ("\r\n" too); blank lines are skipped; the last may lack "\n".
  std::vector<std::pair<std::size_t, std::string_view>> lines;  // (line number, text in body)
  std::size_t number = 0;
  for (std::size_t start = 0; start < body.size();) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_blank(line)) {
      if (lines.size() == state.options.max_batch_events) {
        co_return Answer::error(413, "Batch larger than " +
                                         std::to_string(state.options.max_batch_events) +
                                         " events (--max-batch-events)");
      }
      lines.emplace_back(number, line);
    }
    start = end + 1;
  }
  if (lines.empty()) co_return Answer::error(400, "Empty batch: send one JSON event per line");

  Join join(shard.executor());
  // Shared from here on: every line's slot holds the body (on this shard only).
  std::shared_ptr<runtime::EventSlot> shared_body(batch.release(), batch.get_deleter());
  std::size_t syntax_errors = 0;
  std::string first_syntax_error;
  for (const auto& [line_number, text] : lines) {
    runtime::SlotPtr slot = shard.slots().acquire();
    slot->borrowed = shared_body;
    auto event = shard.parser().parse_event(
        bytes.sub(std::size_t(text.data() - bytes.data), text.size()), slot->arena);
    if (!event) {
      if (is_json_syntax(event.error().code) || event.error().field.empty()) {
        if (syntax_errors++ == 0) first_syntax_error = event.error().message();
      }
      join.rejected.push_back({line_number, 400, event.error().message()});
      continue;
    }
    slot->event.emplace(std::move(event.value()));
    if (state.recorder) state.recorder->record(shard.index(), text);
    while (join.in_flight >= kBatchWindow) {
      join.wake.expires_at(asio::steady_timer::time_point::max());
      co_await join.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    ++join.in_flight;
    auto done = [&join, line = line_number](std::exception_ptr error, Answer answer) {
      --join.in_flight;
      if (error) answer = Answer::error(500, "Internal server error");
      if (answer.status >= 200 && answer.status < 300) {
        ++join.accepted;
      } else {
        join.rejected.push_back({line, answer.status, error_of(answer)});
      }
      join.wake.cancel();
    };
    asio::co_spawn(shard.executor(), state.runtime.execute(std::move(slot), shard),
                   std::move(done));
  }
  while (join.in_flight != 0) {
    join.wake.expires_at(asio::steady_timer::time_point::max());
    co_await join.wake.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (syntax_errors == lines.size()) {
    co_return Answer::error(400, "Body is not NDJSON (one JSON event per line): line " +
                                     std::to_string(lines.front().first) + ": " +
                                     first_syntax_error);
  }

  std::sort(join.rejected.begin(), join.rejected.end(),
            [](const Rejected& a, const Rejected& b) { return a.line < b.line; });
  std::string out = "{\"accepted\":" + std::to_string(join.accepted) + ",\"rejected\":[";
  for (std::size_t i = 0; i < join.rejected.size(); ++i) {
    const Rejected& r = join.rejected[i];
    if (i != 0) out += ',';
    out += "{\"line\":" + std::to_string(r.line) + ",\"status\":" + std::to_string(r.status) +
           ",\"error\":\"";
    append_json_escaped(out, r.error);
    out += "\"}";
  }
  out += "]}";
  co_return Answer::json(200, std::move(out));
}

}  // namespace gbrt::net
