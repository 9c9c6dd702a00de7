#include "batch.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <memory_resource>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gbrt::net {

namespace asio = boost::asio;
using runtime::Answer;

namespace {

constexpr std::chrono::seconds kDefaultRetryAfter{1};
// Lines run between two turns of the shard: tens of µs of work when no handler
// suspends, short enough for the connections waiting behind a batch.
constexpr std::size_t kLinesPerTurn = 16;

struct Rejected {
  std::size_t line;
  unsigned status;
  std::string error;  // JSON-escaped
};

// A non-blank line of a batch: its number (counting blank ones) and where it is in the body.
struct Line {
  std::size_t number;
  std::size_t offset;
  std::size_t size;
};

// The non-blank lines of a body, in one pass: "\n" ends one ("\r\n" too); the last may lack
// "\n". Stops at `most` + 1 lines: a batch over the limit is refused whatever follows.
void find_lines(std::string_view body, std::size_t most, std::pmr::vector<Line>& out) {
  std::size_t number = 0;
  for (std::size_t start = 0; start < body.size() && out.size() <= most;) {
    const void* found = std::memchr(body.data() + start, '\n', body.size() - start);
    const std::size_t end =
        found == nullptr ? body.size() : std::size_t(static_cast<const char*>(found) - body.data());
    std::string_view line = body.substr(start, end - start);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      out.push_back({number, start, line.size()});
    }
    start = end + 1;
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  append_json_escaped(out, text);
  return out;
}

// An answer's error message, JSON-escaped: the one it carries, else its whole body (a
// handler's own response).
std::string error_of(const Answer& answer) {
  return answer.has_message() ? std::string(answer.escaped_message()) : escaped(answer.body);
}

// What the lines of a batch got, and the answer that reports it. Not in the coroutine: its
// frame stays small enough for Asio's recycling allocator.
class Outcomes {
 public:
  explicit Outcomes(std::pmr::memory_resource* memory) : rejected_(memory) {}
  void reject(std::size_t line, unsigned status, std::string escaped_error) {
    rejected_.push_back({line, status, std::move(escaped_error)});
  }
  // 2xx: accepted; else rejected, and a 503 is shed (to be sent again).
  void count(std::size_t line, const Answer& answer) {
    if (answer.status >= 200 && answer.status < 300) {
      ++accepted_;
      return;
    }
    if (answer.status == 503) {
      ++shed_;
      retry_after_ = std::max(retry_after_, answer.retry_after.value_or(kDefaultRetryAfter));
    }
    reject(line, answer.status, error_of(answer));
  }
  // A shed line must be retried: the header says so whenever one was, and a batch of which
  // nothing was accepted is a 503 as a whole (a sender that reads only the status retries).
  Answer answer() const {
    const bool all_shed = shed_ != 0 && accepted_ == 0;
    std::string out = "{";
    if (all_shed) {
      out += "\"error\":\"No line handled, " + std::to_string(shed_) +
             " shed (overloaded or unavailable): retry the batch later\",";
    }
    // In line order already: the lines ran in order.
    out += "\"accepted\":";  // appended piece by piece: one allocation, not a temporary's too
    out += std::to_string(accepted_);
    out += ",\"rejected\":[";
    for (std::size_t i = 0; i < rejected_.size(); ++i) {
      const Rejected& r = rejected_[i];
      if (i != 0) out += ',';
      out += "{\"line\":" + std::to_string(r.line) + ",\"status\":" + std::to_string(r.status) +
             ",\"error\":\"";
      out += r.error;
      out += "\"}";
    }
    out += "]}";
    Answer answer = Answer::json(all_shed ? 503 : 200, std::move(out));
    if (shed_ != 0) answer.retry_after = retry_after_;
    return answer;
  }

 private:
  std::size_t accepted_ = 0;
  std::size_t shed_ = 0;
  std::chrono::seconds retry_after_{0};  // the longest a shed line asked for
  std::pmr::vector<Rejected> rejected_;
};

bool is_json_syntax(events::ParseError::Code code) {
  using Code = events::ParseError::Code;
  return code == Code::invalid_json || code == Code::invalid_utf8 || code == Code::empty ||
         code == Code::too_deep;
}

}  // namespace

runtime::ShardAwaitable<Answer> handle_batch(Server::State& state, runtime::Shard& shard,
                                             runtime::SlotPtr batch) {
  const events::PaddedView bytes = batch->body.view();
  const std::string_view body = bytes.str();
  // Found once, before any line runs: a batch over the limit is refused whole.
  std::pmr::vector<Line> lines(&shard.memory());
  find_lines(body, state.options.max_batch_events, lines);
  const std::size_t events = lines.size();
  if (events > state.options.max_batch_events) {
    co_return Answer::error(413, "Batch larger than " +
                                     std::to_string(state.options.max_batch_events) +
                                     " events (--max-batch-events)");
  }
  if (events == 0) co_return Answer::error(400, "Empty batch: send one JSON event per line");

  // Shared from here on: every line's slot holds the body, in case one of its events
  // outlives the batch (a handler ignoring cancellation). The count lives in shard memory.
  std::shared_ptr<runtime::EventSlot> shared_body(
      batch.release(), batch.get_deleter(),
      std::pmr::polymorphic_allocator<std::byte>(&shard.memory()));
  Outcomes outcomes(&shard.memory());
  std::size_t syntax_errors = 0;
  std::string first_syntax_error;
  // The lines run one after another, in order: no coroutine per line, and a batch is
  // handled in the order it was written. Concurrency comes from connections and shards.
  std::size_t since_turn = 0;
  for (const Line& line : lines) {
    const std::string_view text = body.substr(line.offset, line.size);
    runtime::SlotPtr slot = shard.slots().acquire();
    slot->borrowed = shared_body;
    auto event = shard.parser().parse_event(bytes.sub(line.offset, line.size), slot->arena);
    if (!event) {
      if (is_json_syntax(event.error().code) || event.error().field.empty()) {
        if (syntax_errors++ == 0) first_syntax_error = event.error().message();
      }
      outcomes.reject(line.number, 400, escaped(event.error().message()));
      continue;
    }
    slot->event.emplace(std::move(event.value()));
    slot->event_json = text;
    if (recording_refused(state)) {
      outcomes.count(line.number, Recorder::refusal());
      continue;
    }
    Answer answer = co_await state.runtime.execute(std::move(slot), shard);
    // The batch's body outlives its lines: `text` is still valid.
    if (state.recorder && is_accepted(answer)) state.recorder->record(shard.index(), text);
    outcomes.count(line.number, answer);
    // A turn of the shard now and then, so that other connections are not kept waiting
    // behind a long batch.
    if (++since_turn == kLinesPerTurn) {
      since_turn = 0;
      co_await asio::post(shard.executor(), runtime::shard_awaitable);
    }
  }
  if (syntax_errors == events) {
    co_return Answer::error(400, "Body is not NDJSON (one JSON event per line): line " +
                                     std::to_string(lines.front().number) + ": " +
                                     first_syntax_error);
  }

  co_return outcomes.answer();
}

}  // namespace gbrt::net
