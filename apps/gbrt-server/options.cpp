#include "options.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "secrets.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace gbrt::app {

namespace {

// Defaults only gbrt-server has (no option struct holds them).
constexpr const char* kLogLevel = "info";
// The library's RunOptions closes at once; behind a load balancer the server waits first.
constexpr std::chrono::milliseconds kDrainDelay{5000};
constexpr std::chrono::milliseconds kStoreStartupTimeout{30000};

constexpr const char* kPromise =
    "With Debian 12's nats-server 2.9, a forwarded event's 202 means it is stored in "
    "memory on the stream's replicas and flushed to disk on a timer, so with 3 replicas it "
    "survives the crash of any process or of one node, not a power loss of the whole cluster.";

template <class T>
po::typed_value<T>* with_default(T value) {
  return po::value<T>()->default_value(value);
}

template <class Base>
po::typed_value<Duration<Base>>* duration(Base value) {
  auto text = duration_default(value);
  return po::value<Duration<Base>>()->default_value(text, text.text);
}

template <class T>
T get(const po::variables_map& vm, const char* name) {
  return vm[name].as<T>();
}

std::chrono::milliseconds ms(const po::variables_map& vm, const char* name) {
  return vm[name].as<Milliseconds>().value;
}

std::chrono::seconds seconds(const po::variables_map& vm, const char* name) {
  return vm[name].as<Seconds>().value;
}

std::optional<std::chrono::milliseconds> parse_deadline(const std::string& text) {
  return parse_duration(text, std::chrono::milliseconds(1));
}

po::options_description server_table() {
  const runtime::RuntimeOptions runtime;
  const net::ServerOptions server;
  const runtime::RunOptions run;
  po::options_description table("gbrt-server options");
  // clang-format off
  table.add_options()
      ("listen", with_default(server.host + ':' + std::to_string(server.port)),
       "HOST:PORT to listen on (HOST: an IP address or a host name); port 0 picks a free "
       "port (printed at start)")
      ("threads", with_default(runtime.threads),
       "shards: threads, each with its own executor; 0 = one per core")
      ("secret-file", po::value<std::string>(),
       "file with the Webhook signing secret(s), one per line; without it, the environment "
       "variable GBRT_SECRET (comma-separated). Never a command-line value: the process list "
       "is visible to every user")
      ("unsigned-dispatcher", with_default(server.unsigned_dispatcher),
       "with a signing secret, accept multipart/form-data (GitBook's integration dispatcher, "
       "which does not sign) without X-GitBook-Signature; application/json must still be "
       "signed. Only where nothing but the dispatcher reaches the port")
      ("max-body", with_default(server.max_body),
       "largest request body in bytes; larger is answered 413")
      ("max-body-memory", with_default(server.max_body_memory),
       "bytes all request bodies still being received may hold together (buffers grow with "
       "the bytes that arrive, not with Content-Length); past it 503 with Retry-After, closed")
      ("header-timeout", duration(server.header_timeout),
       "duration (bare number: s) from a request's first byte to the end of its header; "
       "slower is closed")
      ("body-timeout", duration(server.body_timeout),
       "duration (bare number: s) to receive a request's body once its header is in")
      ("idle-timeout", duration(server.idle_timeout),
       "duration (bare number: s) a keep-alive connection may wait for its next request")
      ("max-connections", with_default(server.max_connections),
       "connections open at once; past it a new one is answered 503 and closed")
      ("tls-cert", po::value<std::string>(),
       "PEM certificate chain: serve HTTPS (TLS 1.2 or newer) instead of HTTP")
      ("tls-key", po::value<std::string>(),
       "PEM private key of --tls-cert (default: read from the --tls-cert file)")
      ("record", po::value<std::string>(),
       "append every accepted event (answered 2xx, not a duplicate) to this file, one JSON "
       "line each (valid /v1/batch and load-generator input)")
      ("record-flush-interval", duration(server.record.flush_interval),
       "duration (bare number: ms): recorded events reach the --record file within this (at "
       "least 1 ms)")
      ("record-required", with_default(server.record.required)->implicit_value(true),
       "while the --record file cannot be written, refuse events with 503 and Retry-After "
       "instead of answering them unrecorded")
      ("record-max-bytes", with_default(std::size_t(server.record.max_bytes)),
       "rotate the --record file before a write would take it past this size (to FILE.1, "
       "FILE.2, ...); a write holds what one shard gathered in a flush interval, never split")
      ("record-keep", with_default(server.record.keep), "rotated --record files kept")
      ("max-batch-events", with_default(server.max_batch_events),
       "events in one POST /v1/batch (NDJSON) body; more is answered 413")
      ("max-inflight", with_default(runtime.max_inflight),
       "events whose handlers run at once, all types; past it: 503 with Retry-After")
      ("max-inflight-per-type", po::value<std::vector<std::string>>()->composing(),
       "TYPE=N: a cap for one type as well (repeatable)")
      ("deadline",
       po::value<std::vector<std::string>>()->composing()->default_value(
           {std::to_string(runtime.deadline.count())}, std::to_string(runtime.deadline.count())),
       "MS or TYPE=MS (a duration; bare number: ms): handler deadline; past it the handlers "
       "are cancelled and the event is answered 504 (repeatable)")
      ("slow-handler-ms", duration(runtime.slow_handler),
       "duration (bare number: ms): log a handler still running after this long, once")
      ("ack", po::value<std::vector<std::string>>()->composing(),
       (std::string("TYPE=handled|queued|forwarded|stored: handled (default) answers when the "
       "handlers finish; queued answers 202 once the event is in the shard's in-memory queue "
       "(drained at shutdown, lost on a crash); forwarded answers 202 once JetStream (--nats) "
       "has stored it; stored answers 200 once PostgreSQL (--store) has committed it, then "
       "runs its handlers (repeatable). ") + kPromise).c_str())
      ("dedup-window", duration(runtime.dedup_window),
       "duration (bare number: s): an event whose eventId was handled this recently is "
       "answered 200 without running handlers again (GitBook retries); 0 = off")
      ("dedup-capacity", with_default(runtime.dedup_capacity),
       "event ids remembered for --dedup-window at most, about 80 bytes each whatever the "
       "id's length; the oldest are forgotten first")
      ("queue-capacity", with_default(runtime.queue_capacity),
       "queued events waiting per shard; a full queue answers 503 with Retry-After")
      ("drain-delay", duration(kDrainDelay),
       "duration (bare number: ms): at SIGTERM/SIGINT, /readyz answers 503 while the listener "
       "still accepts for this long, so a load balancer takes the instance out first; 0 "
       "closes it at once")
      ("drain-timeout", duration(run.drain_timeout),
       "duration (bare number: ms): once the listener closed, how long running handlers, "
       "queued events and wait_until work may take before they are cancelled (a second "
       "signal cancels at once)")
      ("log-level", with_default(std::string(kLogLevel)),
       "trace, debug, info, warn, error, critical or off; logs are JSON lines on stderr (text "
       "when stderr is a terminal)")
      ("access-log", with_default(server.access_log)->implicit_value(true),
       "log one line per request: method, path, status, bytes, duration, event id and type");
  // clang-format on
  return table;
}

po::options_description nats_table() {
  const forward::JetStreamOptions js;
  const forward::PublisherOptions publishing;
  const forward::ConsumerOptions consuming;
  po::options_description table(
      "NATS JetStream: forwarding (--ack TYPE=forwarded) and workers (--consume)");
  // clang-format off
  table.add_options()
      ("nats", po::value<std::string>(),
       "NATS server URLs, comma-separated (nats://HOST:4222,...): needed by --ack "
       "TYPE=forwarded and --consume")
      ("stream", with_default(js.stream),
       "the JetStream stream of events (subjects gbrt.events.<type>, dead letters "
       "gbrt.dead.<type>); created if missing")
      ("stream-replicas", with_default(unsigned(js.replicas)),
       "replicas of the stream when gbrt creates it (3 in a 3-node cluster)")
      ("stream-max-age", duration(js.max_age),
       "duration (bare number: s) a message is kept in the stream when gbrt creates it; 0 = "
       "no age limit")
      ("nats-startup-timeout", duration(js.startup_timeout),
       "duration (bare number: ms) start-up waits for the NATS cluster (connection, "
       "JetStream, the stream); then gbrt-server exits 1 with the reason")
      ("duplicate-window", duration(js.duplicate_window),
       "duration (bare number: s) in which JetStream stores an eventId once (GitBook's "
       "retries), when gbrt creates the stream")
      ("forward-timeout", duration(publishing.timeout),
       "duration (bare number: ms) to wait for JetStream's acknowledgement of a forwarded "
       "event; past it: 503 with Retry-After")
      ("forward-max-pending", with_default(publishing.max_pending),
       "forwarded events awaiting JetStream's acknowledgement at once; past it: 503 with "
       "Retry-After")
      ("consume", with_default(false)->implicit_value(true),
       "be a worker: run the handlers for events pulled from the --stream's durable consumer "
       "--consumer (with or without serving HTTP events as well)")
      ("consumer", with_default(consuming.name),
       "the durable pull consumer every worker shares (load-balanced)")
      ("max-deliver", with_default(consuming.max_deliver),
       "deliveries of an event whose handlers fail before it goes to gbrt.dead.<type> with "
       "the error")
      ("nak-backoff", duration(consuming.nak_backoff),
       "duration (bare number: ms) before a failed event is redelivered, doubled at each "
       "failure (at most 60 s)")
      ("consume-inflight", with_default(consuming.max_inflight),
       "events pulled and not yet acknowledged by this worker at once");
  // clang-format on
  return table;
}

po::options_description store_table() {
  const pg::EventStoreOptions storing;
  const pg::PoolOptions pooling;
  po::options_description table("PostgreSQL: --ack TYPE=stored and handlers' queries");
  // clang-format off
  table.add_options()
      ("store", po::value<std::string>(),
       "libpq connection URI (postgresql://USER@HOST:5432/DB?sslmode=require): where --ack "
       "TYPE=stored events go; handlers reach the same pool. Keep the password out of it "
       "(~/.pgpass or PGPASSFILE)")
      ("store-table", with_default(storing.table),
       "the table of stored events, created by gbrt-server --store-migrate")
      ("store-group-events", with_default(storing.group_events),
       "a shard commits its open group when a connection is free, when it holds this many")
      ("store-group-ms", duration(storing.group_wait),
       "duration (bare number: ms): ... or this long after the group's first event while "
       "every connection commits")
      ("store-max-waiting", with_default(storing.max_waiting),
       "events waiting for their commit per shard; past it: 503 with Retry-After")
      ("store-commit-timeout", duration(storing.commit_timeout),
       "duration (bare number: ms): a commit not confirmed within this is answered 503 (the "
       "retry is stored once)")
      ("store-write", po::value<std::string>()->default_value("insert"),
       "insert|copy: how a group is written: INSERT … ON CONFLICT DO NOTHING, or one binary "
       "COPY (less CPU for PostgreSQL; a group with a repeated eventId is written again with "
       "the INSERT)")
      ("store-connections", with_default(pooling.connections_per_shard),
       "PostgreSQL connections per shard")
      ("store-startup-timeout", duration(kStoreStartupTimeout),
       "duration (bare number: ms) start-up waits for every PostgreSQL connection; then "
       "gbrt-server exits 1");
  // clang-format on
  return table;
}

}  // namespace

po::options_description settable_options() {
  po::options_description options;
  options.add(server_table());
  options.add(nats_table());
  options.add(store_table());
  return options;
}

po::options_description command_line_options() {
  po::options_description command_line("command line only");
  // clang-format off
  command_line.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("config", po::value<std::string>(),
       "read options from FILE (key = value lines, # comments); flags and GBRT_* variables "
       "take precedence over it (also GBRT_CONFIG)")
      ("print-config", "print the effective configuration in the config-file format (secrets "
       "redacted) and exit; exits 2 if a value is wrong")
      ("check-config", "check the configuration as a start would read it (flags, GBRT_* "
       "variables, --config file): print every problem with where it comes from, exit 2 if "
       "any, 0 if none")
      ("store-migrate", "create or upgrade the --store-table schema in --store and exit");
  // clang-format on
  return command_line;
}

runtime::RuntimeOptions runtime_options(const po::variables_map& vm) {
  runtime::RuntimeOptions o;
  o.threads = get<std::size_t>(vm, "threads");
  o.max_event_bytes = get<std::size_t>(vm, "max-body");
  o.max_inflight = get<std::size_t>(vm, "max-inflight");
  for (const auto& item : items(vm, "max-inflight-per-type")) {
    auto assignment = split_assignment(item);
    auto n = assignment ? parse_count(assignment->second) : std::nullopt;
    if (n) o.max_inflight_per_type[assignment->first] = *n;
  }
  for (const auto& item : items(vm, "deadline")) {
    if (auto all_types = parse_deadline(item)) o.deadline = *all_types;
    auto assignment = split_assignment(item);
    auto deadline = assignment ? parse_deadline(assignment->second) : std::nullopt;
    if (deadline) o.deadline_per_type[assignment->first] = *deadline;
  }
  o.slow_handler = ms(vm, "slow-handler-ms");
  for (const auto& item : items(vm, "ack")) {
    auto assignment = split_assignment(item);
    auto mode = assignment ? parse_ack_mode(assignment->second) : std::nullopt;
    if (mode) o.ack_per_type[assignment->first] = *mode;
  }
  o.queue_capacity = get<std::size_t>(vm, "queue-capacity");
  o.dedup_window = seconds(vm, "dedup-window");
  o.dedup_capacity = get<std::size_t>(vm, "dedup-capacity");
  return o;
}

net::ServerOptions server_options(const po::variables_map& vm) {
  net::ServerOptions o;
  if (const auto listen = parse_listen(get<std::string>(vm, "listen"))) {
    o.host = listen->host;
    o.port = listen->port;
  }
  o.max_body = get<std::size_t>(vm, "max-body");
  o.max_body_memory = get<std::size_t>(vm, "max-body-memory");
  o.max_batch_events = get<std::size_t>(vm, "max-batch-events");
  o.header_timeout = seconds(vm, "header-timeout");
  o.body_timeout = seconds(vm, "body-timeout");
  o.idle_timeout = seconds(vm, "idle-timeout");
  o.max_connections = get<std::size_t>(vm, "max-connections");
  if (vm.count("tls-cert")) o.tls_cert_file = get<std::string>(vm, "tls-cert");
  if (vm.count("tls-key")) o.tls_key_file = get<std::string>(vm, "tls-key");
  if (vm.count("record")) o.record.path = get<std::string>(vm, "record");
  o.record.max_bytes = get<std::size_t>(vm, "record-max-bytes");
  o.record.keep = get<unsigned>(vm, "record-keep");
  o.record.flush_interval = ms(vm, "record-flush-interval");
  o.record.required = get<bool>(vm, "record-required");
  o.access_log = get<bool>(vm, "access-log");
  o.unsigned_dispatcher = get<bool>(vm, "unsigned-dispatcher");
  return o;
}

runtime::RunOptions run_options(const po::variables_map& vm) {
  runtime::RunOptions o;
  o.drain_delay = ms(vm, "drain-delay");
  o.drain_timeout = ms(vm, "drain-timeout");
  return o;
}

forward::JetStreamOptions jetstream_options(const po::variables_map& vm) {
  forward::JetStreamOptions o;
  if (vm.count("nats")) o.servers = split_list(get<std::string>(vm, "nats"));
  o.stream = get<std::string>(vm, "stream");
  o.replicas = int(get<unsigned>(vm, "stream-replicas"));
  o.max_age = seconds(vm, "stream-max-age");
  o.duplicate_window = seconds(vm, "duplicate-window");
  o.startup_timeout = ms(vm, "nats-startup-timeout");
  return o;
}

forward::PublisherOptions publisher_options(const po::variables_map& vm) {
  forward::PublisherOptions o;
  o.timeout = ms(vm, "forward-timeout");
  o.max_pending = get<std::size_t>(vm, "forward-max-pending");
  return o;
}

forward::ConsumerOptions consumer_options(const po::variables_map& vm) {
  forward::ConsumerOptions o;
  o.name = get<std::string>(vm, "consumer");
  o.max_deliver = std::max<std::size_t>(1, get<std::size_t>(vm, "max-deliver"));
  o.nak_backoff = ms(vm, "nak-backoff");
  o.max_inflight = std::max<std::size_t>(1, get<std::size_t>(vm, "consume-inflight"));
  return o;
}

pg::EventStoreOptions event_store_options(const po::variables_map& vm) {
  pg::EventStoreOptions o;
  o.table = get<std::string>(vm, "store-table");
  o.group_events = std::max<std::size_t>(1, get<std::size_t>(vm, "store-group-events"));
  o.group_wait = ms(vm, "store-group-ms");
  o.max_waiting = get<std::size_t>(vm, "store-max-waiting");
  o.commit_timeout = ms(vm, "store-commit-timeout");
  const auto write = get<std::string>(vm, "store-write");
  const auto parsed = parse_store_write(write);
  if (!parsed)
    throw std::runtime_error("--store-write: want copy or insert, got \"" + write + "\"");
  o.write = *parsed;
  return o;
}

pg::PoolOptions pool_options(const po::variables_map& vm) {
  pg::PoolOptions o;
  o.connections_per_shard = std::max<std::size_t>(1, get<std::size_t>(vm, "store-connections"));
  return o;
}

std::chrono::milliseconds store_startup_timeout(const po::variables_map& vm) {
  return ms(vm, "store-startup-timeout");
}

}  // namespace gbrt::app
