// gbrt-loadgen: an HTTP/1.1 load generator for gbrt-server (and any HTTP server that takes
// POSTs): keep-alive or a new connection per request, over TCP or TLS. Closed loop (--rate 0) or
// open loop (--rate R events/s on a fixed schedule, latency from each request's intended send time:
// coordinated omission corrected). Requests are precomputed byte strings; only the signature header
// is remade, at most once a second per body. Human summary on stdout, then one JSON line (always
// the last line).
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/program_options.hpp>

#include <gbrt/net/signature.hpp>
#include <gbrt/runtime/answer.hpp>
#include <gbrt/runtime/fixtures.hpp>

#include "batch_answer.hpp"
#include "client_stream.hpp"
#include "corpus.hpp"
#include "histogram.hpp"
#include "url.hpp"

namespace po = boost::program_options;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace gbrt::client;
using gbrt::loadgen::BatchLines;
using gbrt::loadgen::ClientStream;
using gbrt::loadgen::Histogram;
using gbrt::loadgen::read_batch_answer;

namespace {

constexpr auto token = asio::as_tuple(asio::use_awaitable);

struct Config {
  Url url;
  std::string url_text;
  std::string path;
  Format format = Format::json;
  std::string format_name = "json";
  std::size_t connections = 64;
  std::size_t threads = 1;
  double duration = 10;
  double warmup = 0;
  double rate = 0;  // events per second overall; 0 = closed loop
  // Open loop: each connection sleeps on a timer until its send time (--pace timer), or the
  // worker's thread polls for answers and send times, no timer per request (--pace spin).
  bool spin = false;
  std::size_t batch = 100;
  std::string corpus;
  std::chrono::milliseconds timeout{10000};
  std::string secret;
  std::size_t idle_connections = 0;
  double hold = 10;
  std::string json_file;
  std::string environment_file;  // the multipart `environment` part; empty: beside the corpus
  bool new_connection = false;   // connect, send, read the answer, close: for each request
  gbrt::loadgen::TlsOptions tls;
};

// One run's shared, read-only plan.
struct Plan {
  const Config* config = nullptr;
  tcp::endpoint endpoint;
  Bodies bodies;
  std::string head_prefix;  // request line and the fixed headers
  Clock::time_point start, measure_from, end;
  double request_rate = 0;                  // requests per second overall (open loop)
  std::unique_ptr<asio::ssl::context> tls;  // with --tls
};

struct Connection {
  Connection(asio::io_context& io, const Plan& plan)
      : stream(io, plan.tls.get(), &plan.config->tls) {}
  ClientStream stream;
  beast::flat_buffer buffer;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  // --pace spin: when to send next, and the coroutine waiting for it.
  Clock::time_point send_at;
  std::optional<asio::any_completion_handler<void()>> resume;
};

// One io_context on one thread, running a share of the connections.
struct Worker {
  const Plan* plan = nullptr;
  asio::io_context io{1};
  std::vector<std::unique_ptr<Connection>> connections;
  std::size_t live = 0;
  std::vector<std::size_t> indexes;  // global connection numbers, for the open-loop phase

  // Results, owned by the worker's thread.
  Histogram histogram;
  Histogram send_lag;  // open loop: how late each request left, its intended time to its send
  Histogram answer;    // open loop: its send to its answer, without the generator's lateness
  std::array<std::uint64_t, 600> statuses{};
  std::uint64_t answered = 0, ok = 0;
  BatchLines lines;                             // ndjson: summed over the batch answers
  std::uint64_t lines_in_2xx_not_accepted = 0;  // shed or rejected inside a 2xx answer
  std::uint64_t err_connect = 0, err_reset = 0, err_timeout = 0, err_other = 0;
  std::uint64_t connected = 0;  // successful connects (with TLS: handshakes)
  std::uint64_t resumed = 0;    // TLS handshakes that resumed a session
  std::string first_connect_error;
  // Live counters for the progress line (written by the worker only, read by main).
  std::atomic<std::uint64_t> p_sent{0}, p_answered{0}, p_errors{0};
  static void bump(std::atomic<std::uint64_t>& a) {
    a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // Per-body request heads with their signature; remade when the second changes.
  std::vector<std::string> heads;
  std::vector<std::int64_t> signed_at;
  std::size_t next_body = 0;

  // Open loop with --pace spin: the connections waiting for their send time. The thread polls
  // the io_context and releases them as their time passes: no timer per request (each timerfd
  // update and wake-up costs the generator microseconds it needs for the requests themselves).
  std::vector<Connection*> due;
  Clock::time_point next_due = Clock::time_point::max();
  Clock::duration polled{0}, working{0};  // of the thread's time: all, and running handlers
  void release_due(Clock::time_point now) {
    if (now < next_due) return;
    next_due = Clock::time_point::max();
    for (std::size_t i = 0; i < due.size();) {
      Connection& c = *due[i];
      if (c.send_at <= now) {
        asio::post(io, [resume = std::move(*c.resume)]() mutable { std::move(resume)(); });
        c.resume.reset();
        due[i] = due.back();
        due.pop_back();
      } else {
        next_due = std::min(next_due, c.send_at);
        ++i;
      }
    }
  }

  // Idle mode.
  std::atomic<std::size_t> ready{0}, failed{0};
  std::optional<asio::steady_timer> release;

  const std::string& head(std::size_t b, std::int64_t now) {
    if (heads.empty()) {
      heads.resize(plan->bodies.bodies.size());
      signed_at.assign(plan->bodies.bodies.size(), -1);
    }
    const std::string& secret = plan->config->secret;
    if (signed_at[b] == now || (signed_at[b] >= 0 && secret.empty())) return heads[b];
    const std::string& body = plan->bodies.bodies[b];
    std::string& h = heads[b];
    h = plan->head_prefix;
    h += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    if (!secret.empty()) {
      h += "X-GitBook-Signature: " + gbrt::net::sign_webhook(secret, now, body) + "\r\n";
    }
    h += "\r\n";
    signed_at[b] = now;
    return h;
  }

  void count_error(const boost::system::error_code& ec, Connection& c) {
    if (c.timed_out) {
      ++err_timeout;
    } else if (ec == asio::error::eof || ec == asio::error::connection_reset ||
               ec == asio::error::broken_pipe || ec == http::error::end_of_stream ||
               ec == http::error::partial_message) {
      ++err_reset;
    } else {
      ++err_other;
    }
    bump(p_errors);
  }
};

// A duration as the histograms record it: whole microseconds, never below 0.
std::uint64_t micros(Clock::duration d) {
  return static_cast<std::uint64_t>(
      std::max<std::int64_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count(), 0));
}

// Completes once `w`'s thread sees `at` pass (--pace spin).
template <class Token>
auto wait_until(Worker& w, Connection& c, Clock::time_point at, Token&& token) {
  return asio::async_initiate<Token, void()>(
      [&w, &c, at](auto handler) {
        c.send_at = at;
        c.resume.emplace(std::move(handler));
        w.due.push_back(&c);
        w.next_due = std::min(w.next_due, at);
      },
      token);
}

// `clean`: after a whole exchange (a TLS session may then be resumed).
void close(Connection& c, bool clean = false) {
  c.stream.close(clean);
  c.buffer.clear();
  c.timed_out = false;
  c.deadline = Clock::time_point::max();
}

// Connects `c` (and shakes hands with TLS); false (counted) on failure or timeout.
asio::awaitable<bool> connect(Worker& w, Connection& c) {
  c.deadline = Clock::now() + w.plan->config->timeout;
  const boost::system::error_code ec = co_await c.stream.open(w.plan->endpoint);
  c.deadline = Clock::time_point::max();
  if (ec) {
    ++w.err_connect;
    Worker::bump(w.p_errors);
    if (w.first_connect_error.empty()) {
      w.first_connect_error = c.timed_out ? "timed out" : ec.message();
      std::cerr << "gbrt-loadgen: cannot connect" << (c.stream.is_tls() ? " over TLS" : "") << ": "
                << w.first_connect_error << "\n";
    }
    close(c);
    co_return false;
  }
  ++w.connected;
  if (c.stream.resumed()) ++w.resumed;
  co_return true;
}

struct Reply {
  unsigned status = 0;              // 0: no answer (the error is counted)
  std::optional<BatchLines> lines;  // ndjson: what the batch answer says of its lines
};

// Counts one answer in the worker's results (not during warmup).
void count_reply(Worker& w, const Reply& reply) {
  ++w.answered;
  ++w.statuses[std::min<unsigned>(reply.status, 599)];
  const bool success = gbrt::client::is_success(reply.status);
  if (success) ++w.ok;
  if (!reply.lines) return;
  w.lines.accepted += reply.lines->accepted;
  w.lines.shed += reply.lines->shed;
  w.lines.rejected += reply.lines->rejected;
  if (success) w.lines_in_2xx_not_accepted += reply.lines->shed + reply.lines->rejected;
}

// Sends body `b` and reads the answer; a status of 0 after an error (counted).
asio::awaitable<Reply> exchange(Worker& w, Connection& c, std::size_t b,
                                Clock::time_point deadline) {
  const std::string& head = w.head(b, static_cast<std::int64_t>(std::time(nullptr)));
  const std::string& body = w.plan->bodies.bodies[b];
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  c.deadline = deadline;
  Worker::bump(w.p_sent);
  auto [write_ec, written] = co_await asio::async_write(c.stream, buffers, token);
  boost::system::error_code ec = write_ec;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (!ec) {
    auto [read_ec, read] = co_await http::async_read(c.stream, c.buffer, parser, token);
    ec = read_ec;
  }
  c.deadline = Clock::time_point::max();
  if (ec) {
    w.count_error(ec, c);
    close(c);
    co_return Reply{};
  }
  Reply reply{std::max(parser.get().result_int(), 1u), std::nullopt};
  BatchLines lines;
  if (w.plan->config->format == Format::ndjson && read_batch_answer(parser.get().body(), lines)) {
    reply.lines = lines;
  }
  if (!parser.get().keep_alive() || w.plan->config->new_connection) close(c, true);
  co_return reply;
}

asio::awaitable<void> run_connection(Worker& w, Connection& c, std::size_t index) {
  const Plan& plan = *w.plan;
  const Config& config = *plan.config;
  const bool open_loop = plan.request_rate > 0;
  const std::size_t n = plan.bodies.bodies.size();
  // Open loop: connection `index` of C sends at start + index/R + k*C/R.
  const double interval_ns = open_loop ? 1e9 * double(config.connections) / plan.request_rate : 0;
  const double offset_ns = open_loop ? 1e9 * double(index) / plan.request_rate : 0;
  asio::steady_timer timer(w.io);
  bool ever_connected = false;
  std::uint64_t k = 0;
  for (;;) {
    // Keep-alive: (re)connect before the request's time is taken, so the connect is not
    // part of its latency; with a new connection per request, it is.
    if (!config.new_connection && !c.stream.is_open()) {
      if (Clock::now() >= plan.end) break;
      if (!co_await connect(w, c)) {
        if (!ever_connected) break;  // never reached the server: give this connection up
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(token);
        continue;
      }
      ever_connected = true;
    }
    Clock::time_point intended;
    if (open_loop) {
      intended = plan.start + std::chrono::nanoseconds(
                                  static_cast<std::int64_t>(offset_ns + double(k) * interval_ns));
      if (intended >= plan.end) break;
      ++k;
      if (intended > Clock::now()) {
        if (config.spin) {
          co_await wait_until(w, c, intended, asio::use_awaitable);
        } else {
          timer.expires_at(intended);
          co_await timer.async_wait(token);
        }
      }  // behind schedule: send at once, the wait counts in the latency
    } else {
      intended = Clock::now();
      if (intended >= plan.end) break;
    }
    if (config.new_connection) {
      if (!co_await connect(w, c)) {
        if (!ever_connected) break;
        timer.expires_after(std::chrono::milliseconds(10));
        co_await timer.async_wait(token);
        continue;
      }
      ever_connected = true;
    }
    const std::size_t b = w.next_body++ % n;
    const auto sent = Clock::now();
    if (open_loop && intended >= plan.measure_from) {
      w.send_lag.record(micros(sent - intended));
    }
    const Reply reply = co_await exchange(w, c, b, sent + config.timeout);
    if (reply.status == 0) continue;
    const auto done = Clock::now();
    Worker::bump(w.p_answered);
    if (intended < plan.measure_from) continue;  // warmup
    count_reply(w, reply);
    w.histogram.record(micros(done - intended));
    if (open_loop) w.answer.record(micros(done - sent));
  }
  close(c);
}

// Idle mode: connect, one request, then hold the connection open until released.
asio::awaitable<void> idle_connection(Worker& w, Connection& c) {
  bool ok = co_await connect(w, c);
  if (ok) {
    const auto start = Clock::now();
    const Reply reply = co_await exchange(w, c, w.next_body++ % w.plan->bodies.bodies.size(),
                                          start + w.plan->config->timeout);
    ok = reply.status != 0;
    if (ok) {
      count_reply(w, reply);
      w.histogram.record(micros(Clock::now() - start));
      Worker::bump(w.p_answered);
    }
  }
  if (!ok) {
    w.failed.fetch_add(1);
    co_return;
  }
  w.ready.fetch_add(1);
  co_await w.release->async_wait(token);  // cancelled by main when the hold is over
  close(c);
}

// Closes connections whose exchange has passed its deadline (counted as timeouts).
asio::awaitable<void> watchdog(Worker& w) {
  asio::steady_timer timer(w.io);
  while (w.live > 0) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(token);
    const auto now = Clock::now();
    for (auto& c : w.connections) {
      if (c->deadline < now && c->stream.is_open()) {
        c->timed_out = true;
        boost::system::error_code ignored;
        c->stream.socket().close(ignored);
      }
    }
  }
}

void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string json_escape(const std::string& s) {
  std::string out;
  gbrt::append_json_escaped(out, s);
  return out;
}

std::string fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The flags into `config`; false with the exit status when the program ends here.
bool read_flags(int argc, char** argv, Config& config, int& status) {
  po::options_description options("gbrt-loadgen options");
  // clang-format off
  options.add_options()
      ("help,h", "print this help and exit")
      ("url", po::value<std::string>()->default_value("http://127.0.0.1:8080/v1"),
       "http://HOST:PORT/PATH to POST to; without a path: /v1, or /v1/batch for ndjson; "
       "https://… is --tls (port 443 unless given)")
      ("format", po::value<std::string>()->default_value("json"),
       "json (Webhook: one event, application/json), multipart (GitBook's dispatcher: "
       "event + environment parts) or ndjson (--batch events a request, for /v1/batch)")
      ("connections,c", po::value<std::size_t>()->default_value(64),
       "keep-alive connections (with --new-connection: clients, each one request at a time)")
      ("new-connection", "a new connection per request: connect (and TLS handshake), send "
       "with Connection: close, read the answer, close; its latency includes the connect")
      ("tls", "HTTPS: TLS over each connection (TLS 1.2 or newer), the URL's host as SNI")
      ("ca-file", po::value<std::string>(),
       "with --tls: trust the CAs of this PEM file (default: the system's); the certificate "
       "must name the URL's host")
      ("insecure", "with --tls: do not check the server's certificate (a self-signed bench one)")
      ("tls-resume", "with --tls: offer each connection's TLS session (ticket) on its next "
       "connection, so a reconnect resumes instead of a full handshake")
      ("threads,t", po::value<std::size_t>()->default_value(1),
       "threads, each with its own io_context and a share of the connections")
      ("duration,d", po::value<double>()->default_value(10), "seconds measured")
      ("warmup", po::value<double>()->default_value(0),
       "seconds of load before the measured duration, not counted")
      ("rate", po::value<double>()->default_value(0),
       "events per second overall on a fixed schedule (open loop; latency from each "
       "request's intended send time); 0 = closed loop, each connection as fast as answered")
      ("pace", po::value<std::string>()->default_value("timer"),
       "open loop: timer (each connection sleeps until its send time) or spin (each thread "
       "polls for answers and send times and keeps its core busy: no timer or wake-up per "
       "request, so a generator on a core of its own keeps a fast schedule)")
      ("batch", po::value<std::size_t>()->default_value(100), "events per request for ndjson")
      ("corpus", po::value<std::string>()->default_value(gbrt::runtime::fixtures_dir().string()),
       "a directory of event .json files (names starting with \"bad\" skipped) or a file: one "
       "event, or an NDJSON recording (one event a line); cycled")
      ("environment", po::value<std::string>(),
       "the multipart `environment` part (JSON file); default: environment.json beside the "
       "corpus, else a minimal one")
      ("secret-file", po::value<std::string>(),
       "sign every request (X-GitBook-Signature) with the first secret in this file; "
       "without it, with GBRT_SECRET if set")
      ("timeout", po::value<std::size_t>()->default_value(10000),
       "ms for a connect or a request's answer; past it the connection is closed, counted "
       "as a timeout, and reopened")
      ("json", po::value<std::string>(),
       "write the full result (config, counts, statuses, percentiles, histogram) to this file")
      ("idle-connections", po::value<std::size_t>()->default_value(0),
       "idle mode: open N connections, send one request on each, print \"holding N\" and keep "
       "them open for --hold seconds (for measuring a server's memory per connection)")
      ("hold", po::value<double>()->default_value(10), "idle mode: seconds to hold");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << "Usage: gbrt-loadgen [options]\n\n" << options << "\n";
      status = 0;
      return false;
    }
    config.url_text = vm["url"].as<std::string>();
    config.tls.enabled = vm.count("tls") > 0;
    std::string http_url = config.url_text;
    bool default_port = false;
    if (const std::string https = "https://"; http_url.compare(0, https.size(), https) == 0) {
      config.tls.enabled = true;
      http_url = "http://" + http_url.substr(https.size());
      const std::string rest = http_url.substr(7, http_url.find('/', 7) - 7);
      default_port = rest.find(':', rest.rfind(']') == std::string::npos ? 0 : rest.rfind(']')) ==
                     std::string::npos;
    }
    auto url = parse_url(http_url);
    if (!url) {
      throw std::runtime_error("--url wants http(s)://HOST:PORT/PATH, got " + config.url_text);
    }
    config.url = *url;
    if (default_port) config.url.port = "443";
    config.new_connection = vm.count("new-connection") > 0;
    config.tls.insecure = vm.count("insecure") > 0;
    config.tls.resume = vm.count("tls-resume") > 0;
    if (vm.count("ca-file")) config.tls.ca_file = vm["ca-file"].as<std::string>();
    config.tls.server_name = config.url.host;
    if (!config.tls.enabled && (config.tls.insecure || config.tls.resume || vm.count("ca-file"))) {
      throw std::runtime_error("--ca-file, --insecure and --tls-resume need --tls");
    }
    config.format_name = vm["format"].as<std::string>();
    if (config.format_name == "json") {
      config.format = Format::json;
    } else if (config.format_name == "multipart") {
      config.format = Format::multipart;
    } else if (config.format_name == "ndjson") {
      config.format = Format::ndjson;
    } else {
      throw std::runtime_error("--format wants json, multipart or ndjson, got " +
                               config.format_name);
    }
    config.path = !config.url.path.empty()          ? config.url.path
                  : config.format == Format::ndjson ? "/v1/batch"
                                                    : "/v1";
    config.connections = vm["connections"].as<std::size_t>();
    config.threads = vm["threads"].as<std::size_t>();
    config.duration = vm["duration"].as<double>();
    config.warmup = vm["warmup"].as<double>();
    config.rate = vm["rate"].as<double>();
    const std::string pace = vm["pace"].as<std::string>();
    if (pace != "spin" && pace != "timer") {
      throw std::runtime_error("--pace wants spin or timer, got " + pace);
    }
    config.spin = pace == "spin";
    config.batch = vm["batch"].as<std::size_t>();
    config.corpus = vm["corpus"].as<std::string>();
    config.timeout = std::chrono::milliseconds(vm["timeout"].as<std::size_t>());
    config.idle_connections = vm["idle-connections"].as<std::size_t>();
    config.hold = vm["hold"].as<double>();
    if (vm.count("json")) config.json_file = vm["json"].as<std::string>();
    if (vm.count("environment")) config.environment_file = vm["environment"].as<std::string>();
    if (config.connections == 0) throw std::runtime_error("--connections must be at least 1");
    if (config.threads == 0) throw std::runtime_error("--threads must be at least 1");
    if (!(config.duration > 0)) throw std::runtime_error("--duration must be above 0");
    if (!(config.warmup >= 0)) throw std::runtime_error("--warmup must not be negative");
    if (!(config.rate >= 0)) throw std::runtime_error("--rate must not be negative");
    if (!(config.hold >= 0)) throw std::runtime_error("--hold must not be negative");
    if (config.batch == 0) throw std::runtime_error("--batch must be at least 1");
    if (config.timeout.count() == 0) throw std::runtime_error("--timeout must be at least 1");
    config.secret =
        load_secret("", vm.count("secret-file") ? vm["secret-file"].as<std::string>() : "");
  } catch (const std::exception& e) {
    std::cerr << "gbrt-loadgen: " << e.what() << "\n(see gbrt-loadgen --help)\n";
    status = 2;
    return false;
  }
  if (config.idle_connections > 0) config.connections = config.idle_connections;
  config.threads = std::min(config.threads, config.connections);

  return true;
}

// The bodies, the request head, the address and the schedule; an exit status if impossible.
std::optional<int> make_plan(const Config& config, Plan& plan) {
  plan.config = &config;
  try {
    Corpus corpus = load_corpus(config.corpus);
    if (corpus.events.empty()) {
      throw std::runtime_error("--corpus " + config.corpus + " holds no event");
    }
    std::string environment;
    if (config.format == Format::multipart) {
      environment = load_environment(config.environment_file, config.corpus);
    }
    plan.bodies = make_bodies(corpus, config.format, config.batch, environment);
    std::cerr << "gbrt-loadgen: " << corpus.events.size() << " events from " << config.corpus;
    if (corpus.skipped) std::cerr << " (" << corpus.skipped << " not an event, skipped)";
    std::cerr << "\n";
  } catch (const std::exception& e) {
    std::cerr << "gbrt-loadgen: " << e.what() << "\n";
    return 2;
  }
  const std::string host_header = config.url.authority();
  plan.head_prefix = "POST " + config.path + " HTTP/1.1\r\nHost: " + host_header +
                     "\r\nUser-Agent: gbrt-loadgen\r\nContent-Type: " + plan.bodies.content_type +
                     "\r\n";
  if (config.new_connection) plan.head_prefix += "Connection: close\r\n";
  try {
    if (config.tls.enabled) {
      plan.tls = std::make_unique<asio::ssl::context>(gbrt::loadgen::make_tls_context(config.tls));
    }
  } catch (const std::exception& e) {
    std::cerr << "gbrt-loadgen: " << e.what() << "\n";
    return 2;
  }
  try {
    asio::io_context io;
    tcp::resolver resolver(io);
    auto results = resolver.resolve(config.url.host, config.url.port);
    if (results.empty()) throw std::runtime_error("no address");
    // IPv4 first ("localhost" may list ::1 first), as gbrt-server listens on a name.
    plan.endpoint = *results.begin();
    for (const auto& entry : results) {
      if (entry.endpoint().address().is_v4()) {
        plan.endpoint = entry.endpoint();
        break;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "gbrt-loadgen: cannot resolve " << config.url.host << ": " << e.what() << "\n";
    return 1;
  }
  plan.request_rate = config.rate / double(plan.bodies.events_per_request);
  plan.start = Clock::now();
  plan.measure_from = plan.start + std::chrono::nanoseconds(std::int64_t(config.warmup * 1e9));
  plan.end = plan.measure_from + std::chrono::nanoseconds(std::int64_t(config.duration * 1e9));

  return std::nullopt;
}

// The workers' threads from start to end (or, idle, for --hold), with progress on a terminal.
std::vector<std::unique_ptr<Worker>> run(const Plan& plan) {
  const Config& config = *plan.config;
  const bool idle = config.idle_connections > 0;
  std::vector<std::unique_ptr<Worker>> workers;
  for (std::size_t t = 0; t < config.threads; ++t) {
    workers.push_back(std::make_unique<Worker>());
    workers.back()->plan = &plan;
    workers.back()->release.emplace(workers.back()->io, Clock::time_point::max());
  }
  for (std::size_t i = 0; i < config.connections; ++i) {
    Worker& w = *workers[i % config.threads];
    w.connections.push_back(std::make_unique<Connection>(w.io, plan));
    w.indexes.push_back(i);
  }
  for (auto& wp : workers) {
    Worker& w = *wp;
    w.live = w.connections.size();
    for (std::size_t j = 0; j < w.connections.size(); ++j) {
      Connection& c = *w.connections[j];
      auto body = idle ? idle_connection(w, c) : run_connection(w, c, w.indexes[j]);
      asio::co_spawn(w.io, std::move(body), [&w](std::exception_ptr e) {
        --w.live;
        if (e) std::rethrow_exception(e);
      });
    }
    asio::co_spawn(w.io, watchdog(w), asio::detached);
  }
  std::atomic<std::size_t> finished{0};
  std::vector<std::thread> threads;
  for (auto& wp : workers) {
    const bool spin = config.spin && plan.request_rate > 0 && !idle;
    threads.emplace_back([&finished, &w = *wp, spin] {
      if (spin) {
        auto busy = asio::make_work_guard(w.io);  // connections waiting in `due` are work
        const auto begin = Clock::now();
        for (auto now = begin; w.live > 0;) {
          const bool worked = w.io.poll() > 0;
          const auto then = std::exchange(now, Clock::now());
          if (worked) w.working += now - then;
          w.release_due(now);
        }
        w.polled = Clock::now() - begin;
      }
      w.io.run();
      finished.fetch_add(1);
    });
  }

  const bool tty = isatty(STDERR_FILENO) != 0;
  auto sum = [&](auto member) {
    std::uint64_t s = 0;
    for (auto& w : workers) s += ((*w).*member).load(std::memory_order_relaxed);
    return s;
  };
  if (idle) {
    while (sum(&Worker::ready) + sum(&Worker::failed) < config.connections &&
           finished.load() < workers.size()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::cout << "holding " << sum(&Worker::ready) << " idle connections for " << config.hold
              << " s" << std::endl;
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::int64_t(config.hold * 1e9)));
    for (auto& w : workers) asio::post(w->io, [&w] { w->release->cancel(); });
  } else {
    std::uint64_t last_answered = 0;
    auto next = plan.start + std::chrono::seconds(1);
    while (finished.load() < workers.size()) {
      std::this_thread::sleep_until(std::min(next, Clock::now() + std::chrono::milliseconds(50)));
      if (Clock::now() < next) continue;
      if (tty) {
        const std::uint64_t answered = sum(&Worker::p_answered);
        const double elapsed = std::chrono::duration<double>(Clock::now() - plan.start).count();
        std::fprintf(stderr, "\r[%5.0f s] sent %llu  answered %llu  errors %llu  rate %llu/s   ",
                     elapsed, static_cast<unsigned long long>(sum(&Worker::p_sent)),
                     static_cast<unsigned long long>(answered),
                     static_cast<unsigned long long>(sum(&Worker::p_errors)),
                     static_cast<unsigned long long>(answered - last_answered));
        last_answered = answered;
      }
      next += std::chrono::seconds(1);
    }
    if (tty) std::fprintf(stderr, "\n");
  }
  for (auto& t : threads) t.join();

  return workers;
}

// The workers' counts together, printed for people and as the last JSON line (and --json).
int report(const Plan& plan, const std::vector<std::unique_ptr<Worker>>& workers) {
  const Config& config = *plan.config;
  const bool idle = config.idle_connections > 0;
  const std::string host_header = config.url.authority();
  Histogram histogram, send_lag, answer;
  Clock::duration polled{0}, working{0};
  std::map<unsigned, std::uint64_t> statuses;
  std::uint64_t answered = 0, ok = 0, e_connect = 0, e_reset = 0, e_timeout = 0, e_other = 0,
                connected = 0, resumed = 0, lines_not_accepted = 0;
  BatchLines lines;
  for (auto& w : workers) {
    histogram.merge(w->histogram);
    send_lag.merge(w->send_lag);
    answer.merge(w->answer);
    polled += w->polled;
    working += w->working;
    for (unsigned s = 0; s < w->statuses.size(); ++s) {
      if (w->statuses[s]) statuses[s] += w->statuses[s];
    }
    answered += w->answered;
    ok += w->ok;
    e_connect += w->err_connect;
    e_reset += w->err_reset;
    e_timeout += w->err_timeout;
    e_other += w->err_other;
    connected += w->connected;
    resumed += w->resumed;
    lines.accepted += w->lines.accepted;
    lines.shed += w->lines.shed;
    lines.rejected += w->lines.rejected;
    lines_not_accepted += w->lines_in_2xx_not_accepted;
  }
  const std::uint64_t non_2xx = answered - ok;
  // Paced by polling: the share of the threads' time spent running handlers.
  const bool polling = polled.count() > 0;
  const double busy = polling ? double(working.count()) / double(polled.count()) : 0;
  // A batch line shed or rejected inside a 200 is an error too: a status alone hides it.
  const std::uint64_t errors =
      e_connect + e_reset + e_timeout + e_other + non_2xx + lines_not_accepted;
  const bool batches = config.format == Format::ndjson;
  const std::uint64_t events = batches ? lines.accepted : ok * plan.bodies.events_per_request;
  const double seconds = idle ? config.hold : config.duration;
  const double rps = idle ? 0 : double(answered) / seconds;
  const double eps = idle ? 0 : double(events) / seconds;

  std::ostringstream statuses_json;
  statuses_json << '{';
  for (auto it = statuses.begin(); it != statuses.end(); ++it) {
    statuses_json << (it == statuses.begin() ? "" : ",") << '"' << it->first << "\":" << it->second;
  }
  statuses_json << '}';
  std::ostringstream summary;  // the fields of the last line
  summary << "\"requests\":" << answered << ",\"events\":" << events << ",\"errors\":" << errors
          << ",\"non_2xx\":" << non_2xx << ",\"errors_connect\":" << e_connect
          << ",\"errors_reset\":" << e_reset << ",\"errors_timeout\":" << e_timeout
          << ",\"errors_other\":" << e_other << ",\"lines_shed\":" << lines.shed
          << ",\"lines_rejected\":" << lines.rejected << ",\"connected\":" << connected
          << ",\"tls_resumed\":" << resumed << ",\"rps\":" << fixed(rps)
          << ",\"eps\":" << fixed(eps) << ",\"duration_s\":" << seconds
          << ",\"mean_us\":" << fixed(histogram.mean())
          << ",\"p50_us\":" << histogram.percentile(50)
          << ",\"p90_us\":" << histogram.percentile(90)
          << ",\"p99_us\":" << histogram.percentile(99)
          << ",\"p999_us\":" << histogram.percentile(99.9)
          << ",\"p9999_us\":" << histogram.percentile(99.99) << ",\"max_us\":" << histogram.max()
          << ",\"send_lag_p50_us\":" << send_lag.percentile(50)
          << ",\"send_lag_p99_us\":" << send_lag.percentile(99)
          << ",\"send_lag_p999_us\":" << send_lag.percentile(99.9)
          << ",\"send_lag_max_us\":" << send_lag.max()
          << ",\"answer_p50_us\":" << answer.percentile(50)
          << ",\"answer_p99_us\":" << answer.percentile(99)
          << ",\"answer_p999_us\":" << answer.percentile(99.9)
          << ",\"generator_busy\":" << (polling ? fixed(busy, 3) : std::string("null"))
          << ",\"statuses\":" << statuses_json.str();

  if (!config.json_file.empty()) {
    std::ofstream out(config.json_file);
    out << "{\"config\":{\"url\":\"" << json_escape(config.url_text) << "\",\"path\":\""
        << json_escape(config.path) << "\",\"format\":\"" << config.format_name
        << "\",\"connections\":" << config.connections << ",\"threads\":" << config.threads
        << ",\"duration_s\":" << config.duration << ",\"warmup_s\":" << config.warmup
        << ",\"rate\":" << config.rate << ",\"batch\":" << plan.bodies.events_per_request
        << ",\"corpus\":\"" << json_escape(config.corpus)
        << "\",\"bodies\":" << plan.bodies.bodies.size()
        << ",\"signed\":" << (config.secret.empty() ? "false" : "true")
        << ",\"idle_connections\":" << config.idle_connections
        << ",\"new_connection\":" << (config.new_connection ? "true" : "false")
        << ",\"tls\":" << (config.tls.enabled ? "true" : "false")
        << ",\"tls_resume\":" << (config.tls.resume ? "true" : "false") << "}," << summary.str()
        << ",\"histogram\":[";
    bool first = true;
    for (auto [upper, count] : histogram.buckets()) {
      out << (first ? "" : ",") << '[' << upper << ',' << count << ']';
      first = false;
    }
    out << "]}\n";
    if (!out) std::cerr << "gbrt-loadgen: cannot write " << config.json_file << "\n";
  }

  std::cout << "gbrt-loadgen: " << config.format_name << " to "
            << (config.tls.enabled ? "https://" : "http://") << host_header << config.path << ", "
            << config.connections
            << (config.new_connection ? " clients, a new connection per request, "
                                      : " connections, ")
            << config.threads << " threads, "
            << (idle              ? "idle"
                : config.rate > 0 ? "open loop at " + fixed(config.rate, 0) + " events/s"
                                  : std::string("closed loop"))
            << ", " << seconds << " s"
            << (config.warmup > 0 ? " after " + fixed(config.warmup) + " s warmup" : "")
            << (config.secret.empty() ? "" : ", signed") << "\n";
  std::cout << "  requests " << answered << " (" << fixed(rps) << "/s), events " << events << " ("
            << fixed(eps) << "/s)\n";
  std::cout << "  latency us: p50 " << histogram.percentile(50) << "  p90 "
            << histogram.percentile(90) << "  p99 " << histogram.percentile(99) << "  p99.9 "
            << histogram.percentile(99.9) << "  p99.99 " << histogram.percentile(99.99) << "  max "
            << histogram.max() << "  mean " << fixed(histogram.mean()) << "\n";
  if (config.rate > 0 && !idle) {
    // The generator's own lateness, inside the latency above: large means it was too busy.
    std::cout << "  sent late us: p50 " << send_lag.percentile(50) << "  p99 "
              << send_lag.percentile(99) << "  p99.9 " << send_lag.percentile(99.9) << "  max "
              << send_lag.max() << " ("
              << (polling ? "paced by polling, busy " + fixed(100.0 * busy) + "% of the time"
                          : std::string("paced by timers"))
              << ")\n";
    std::cout << "  from its send us: p50 " << answer.percentile(50) << "  p99 "
              << answer.percentile(99) << "  p99.9 " << answer.percentile(99.9) << "\n";
  }
  std::cout << "  statuses:";
  for (auto [s, n] : statuses) std::cout << ' ' << s << '=' << n;
  std::cout << "\n  errors " << errors << ": connect " << e_connect << ", reset " << e_reset
            << ", timeout " << e_timeout << ", other " << e_other << ", non-2xx " << non_2xx;
  if (batches) std::cout << ", batch lines not accepted in 2xx answers " << lines_not_accepted;
  std::cout << "\n";
  std::cout << "  connections " << connected;
  if (config.tls.enabled) std::cout << " (TLS handshakes), resumed " << resumed;
  std::cout << "\n";
  if (batches) {
    std::cout << "  batch lines: accepted " << lines.accepted << ", shed (503) " << lines.shed
              << ", rejected " << lines.rejected << "\n";
  }
  std::cout << '{' << summary.str() << '}' << std::endl;
  return connected == 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (int status = 0; !read_flags(argc, argv, config, status)) return status;
  Plan plan;
  if (auto status = make_plan(config, plan)) return *status;
  raise_file_limit();
  return report(plan, run(plan));
}
