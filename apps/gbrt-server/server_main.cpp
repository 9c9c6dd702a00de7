// gbrt-server's program: flags, the runtime, the HTTP server, NATS forwarding and consuming,
// the PostgreSQL store.
#include "server_main.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include <gbrt/forward/consumer.hpp>
#include <gbrt/forward/jetstream.hpp>
#include <gbrt/forward/publisher.hpp>
#include <gbrt/net/run.hpp>
#include <gbrt/net/server.hpp>
#include <gbrt/pg/event_store.hpp>
#include <gbrt/pg/pool.hpp>
#include <gbrt/pg/schema.hpp>
#include <gbrt/runtime/log.hpp>

#include "check_config.hpp"
#include "config.hpp"
#include "reload.hpp"
#include "secrets.hpp"
#include "systemd_notify.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace {

constexpr const char* kPromise =
    "With Debian 12's nats-server 2.9, a forwarded event's 202 means it is stored in "
    "memory on the stream's replicas and flushed to disk on a timer, so with 3 replicas it "
    "survives the crash of any process or of one node, not a power loss of the whole cluster.";

// The runtime's options from the flags (see the option table in main). Malformed items are
// skipped: check_config reports them before anything starts.
gbrt::runtime::RuntimeOptions runtime_options(const po::variables_map& vm) {
  using gbrt::app::parse_count;
  using gbrt::app::split_assignment;
  gbrt::runtime::RuntimeOptions o;
  o.threads = vm["threads"].as<std::size_t>();
  o.max_event_bytes = vm["max-body"].as<std::size_t>();
  o.max_inflight = vm["max-inflight"].as<std::size_t>();
  for (const auto& item : gbrt::app::items(vm, "max-inflight-per-type")) {
    auto assignment = split_assignment(item);
    auto n = assignment ? parse_count(assignment->second) : std::nullopt;
    if (n) o.max_inflight_per_type[assignment->first] = *n;
  }
  for (const auto& item : gbrt::app::items(vm, "deadline")) {
    if (auto all_types = parse_count(item)) o.deadline = std::chrono::milliseconds(*all_types);
    auto assignment = split_assignment(item);
    auto ms = assignment ? parse_count(assignment->second) : std::nullopt;
    if (ms) o.deadline_per_type[assignment->first] = std::chrono::milliseconds(*ms);
  }
  o.slow_handler = std::chrono::milliseconds(vm["slow-handler-ms"].as<std::size_t>());
  for (const auto& item : gbrt::app::items(vm, "ack")) {
    auto assignment = split_assignment(item);
    auto mode = assignment ? gbrt::app::parse_ack_mode(assignment->second) : std::nullopt;
    if (mode) o.ack_per_type[assignment->first] = *mode;
  }
  o.queue_capacity = vm["queue-capacity"].as<std::size_t>();
  o.dedup_window = std::chrono::seconds(vm["dedup-window"].as<std::size_t>());
  o.dedup_capacity = vm["dedup-capacity"].as<std::size_t>();
  return o;
}

// The server's own options. Another group is one more options.add(...) in main().
po::options_description server_options_table() {
  po::options_description server("gbrt-server options");
  // clang-format off
  server.add_options()
      ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
       "HOST:PORT to listen on (HOST: an IP address or a host name); port 0 picks a free "
       "port (printed at start)")
      ("threads", po::value<std::size_t>()->default_value(0),
       "shards: threads, each with its own executor; 0 = one per core")
      ("secret-file", po::value<std::string>(),
       "file with the Webhook signing secret(s), one per line; without it, the environment "
       "variable GBRT_SECRET (comma-separated). Never a command-line value: the process list "
       "is visible to every user")
      ("unsigned-dispatcher", po::value<bool>()->default_value(false),
       "with a signing secret, accept multipart/form-data (GitBook's integration dispatcher, "
       "which does not sign) without X-GitBook-Signature; application/json must still be "
       "signed. Only where nothing but the dispatcher reaches the port")
      ("max-body", po::value<std::size_t>()->default_value(1u << 20),
       "largest request body in bytes; larger is answered 413")
      ("max-body-memory", po::value<std::size_t>()->default_value(std::size_t(256) << 20),
       "bytes all request bodies still being received may hold together (buffers grow with "
       "the bytes that arrive, not with Content-Length); past it 503 with Retry-After, closed")
      ("header-timeout", po::value<std::size_t>()->default_value(10),
       "seconds from a request's first byte to the end of its header; slower is closed")
      ("body-timeout", po::value<std::size_t>()->default_value(30),
       "seconds to receive a request's body once its header is in")
      ("idle-timeout", po::value<std::size_t>()->default_value(60),
       "seconds a keep-alive connection may wait for its next request")
      ("max-connections", po::value<std::size_t>()->default_value(10000),
       "connections open at once; past it a new one is answered 503 and closed")
      ("tls-cert", po::value<std::string>(),
       "PEM certificate chain: serve HTTPS (TLS 1.2 or newer) instead of HTTP")
      ("tls-key", po::value<std::string>(),
       "PEM private key of --tls-cert (default: read from the --tls-cert file)")
      ("record", po::value<std::string>(),
       "append every accepted event (answered 2xx, not a duplicate) to this file, one JSON "
       "line each (valid /v1/batch and load-generator input)")
      ("record-flush-interval", po::value<std::size_t>()->default_value(100),
       "ms: recorded events reach the --record file within this (at least 1)")
      ("record-required", po::value<bool>()->default_value(false)->implicit_value(true),
       "while the --record file cannot be written, refuse events with 503 and Retry-After "
       "instead of answering them unrecorded")
      ("record-max-bytes", po::value<std::size_t>()->default_value(std::size_t(1) << 30),
       "rotate the --record file before a write would take it past this size (to FILE.1, "
       "FILE.2, ...); a write holds what one shard gathered in a flush interval, never split")
      ("record-keep", po::value<unsigned>()->default_value(5), "rotated --record files kept")
      ("max-batch-events", po::value<std::size_t>()->default_value(10000),
       "events in one POST /v1/batch (NDJSON) body; more is answered 413")
      ("max-inflight", po::value<std::size_t>()->default_value(10000),
       "events whose handlers run at once, all types; past it: 503 with Retry-After")
      ("max-inflight-per-type", po::value<std::vector<std::string>>()->composing(),
       "TYPE=N: a cap for one type as well (repeatable)")
      ("deadline",
       po::value<std::vector<std::string>>()->composing()->default_value({"8000"}, "8000"),
       "MS or TYPE=MS: handler deadline in ms; past it the handlers are cancelled "
       "and the event is answered 504 (repeatable)")
      ("slow-handler-ms", po::value<std::size_t>()->default_value(1000),
       "log a handler still running after this long, once")
      ("ack", po::value<std::vector<std::string>>()->composing(),
       (std::string("TYPE=handled|queued|forwarded|stored: handled (default) answers when the "
       "handlers finish; queued answers 202 once the event is in the shard's in-memory queue "
       "(drained at shutdown, lost on a crash); forwarded answers 202 once JetStream (--nats) "
       "has stored it; stored answers 200 once PostgreSQL (--store) has committed it, then "
       "runs its handlers (repeatable). " + std::string(kPromise)).c_str()))
      ("dedup-window", po::value<std::size_t>()->default_value(0),
       "seconds: an event whose eventId was handled this recently is answered 200 without "
       "running handlers again (GitBook retries); 0 = off")
      ("dedup-capacity", po::value<std::size_t>()->default_value(1000000),
       "event ids remembered for --dedup-window at most, about 80 bytes each whatever the "
       "id's length; the oldest are forgotten first")
      ("queue-capacity", po::value<std::size_t>()->default_value(10000),
       "queued events waiting per shard; a full queue answers 503 with Retry-After")
      ("drain-delay", po::value<std::size_t>()->default_value(5000),
       "ms: at SIGTERM/SIGINT, /readyz answers 503 while the listener still accepts for this "
       "long, so a load balancer takes the instance out first; 0 closes it at once")
      ("drain-timeout", po::value<std::size_t>()->default_value(20000),
       "ms: once the listener closed, how long running handlers, queued events and wait_until "
       "work may take before they are cancelled (a second signal cancels at once)")
      ("log-level", po::value<std::string>()->default_value("info"),
       "trace, debug, info, warn, error, critical or off; logs are JSON lines on stderr (text "
       "when stderr is a terminal)")
      ("access-log", po::value<bool>()->default_value(false)->implicit_value(true),
       "log one line per request: method, path, status, bytes, duration, event id and type");
  // clang-format on
  return server;
}

// Forwarding to NATS JetStream and consuming from it (gbrt::forward).
po::options_description nats_options_table() {
  po::options_description nats(
      "NATS JetStream: forwarding (--ack TYPE=forwarded) and workers (--consume)");
  // clang-format off
  nats.add_options()
      ("nats", po::value<std::string>(),
       "NATS server URLs, comma-separated (nats://HOST:4222,...): needed by --ack "
       "TYPE=forwarded and --consume")
      ("stream", po::value<std::string>()->default_value("GBRT_EVENTS"),
       "the JetStream stream of events (subjects gbrt.events.<type>, dead letters "
       "gbrt.dead.<type>); created if missing")
      ("stream-replicas", po::value<unsigned>()->default_value(1),
       "replicas of the stream when gbrt creates it (3 in a 3-node cluster)")
      ("stream-max-age", po::value<std::size_t>()->default_value(7 * 24 * 3600),
       "seconds a message is kept in the stream when gbrt creates it; 0 = no age limit")
      ("nats-startup-timeout", po::value<std::size_t>()->default_value(30000),
       "ms start-up waits for the NATS cluster (connection, JetStream, the stream); then "
       "gbrt-server exits 1 with the reason")
      ("duplicate-window", po::value<std::size_t>()->default_value(120),
       "seconds in which JetStream stores an eventId once (GitBook's retries), when gbrt "
       "creates the stream")
      ("forward-timeout", po::value<std::size_t>()->default_value(2000),
       "ms to wait for JetStream's acknowledgement of a forwarded event; past it: 503 with "
       "Retry-After")
      ("forward-max-pending", po::value<std::size_t>()->default_value(10000),
       "forwarded events awaiting JetStream's acknowledgement at once; past it: 503 with "
       "Retry-After")
      ("consume", po::value<bool>()->default_value(false)->implicit_value(true),
       "be a worker: run the handlers for events pulled from the --stream's durable consumer "
       "--consumer (with or without serving HTTP events as well)")
      ("consumer", po::value<std::string>()->default_value("gbrt-workers"),
       "the durable pull consumer every worker shares (load-balanced)")
      ("max-deliver", po::value<std::size_t>()->default_value(5),
       "deliveries of an event whose handlers fail before it goes to gbrt.dead.<type> with "
       "the error")
      ("nak-backoff", po::value<std::size_t>()->default_value(1000),
       "ms before a failed event is redelivered, doubled at each failure (at most 60 s)")
      ("consume-inflight", po::value<std::size_t>()->default_value(1000),
       "events pulled and not yet acknowledged by this worker at once");
  // clang-format on
  return nats;
}

// PostgreSQL: the store of --ack TYPE=stored and the pool handlers reach (gbrt::pg).
po::options_description store_options_table() {
  po::options_description store("PostgreSQL: --ack TYPE=stored and handlers' queries");
  // clang-format off
  store.add_options()
      ("store", po::value<std::string>(),
       "libpq connection URI (postgresql://USER@HOST:5432/DB?sslmode=require): where --ack "
       "TYPE=stored events go; handlers reach the same pool. Keep the password out of it "
       "(~/.pgpass or PGPASSFILE)")
      ("store-table", po::value<std::string>()->default_value("gbrt_events"),
       "the table of stored events, created by gbrt-server --store-migrate")
      ("store-group-events", po::value<std::size_t>()->default_value(512),
       "a shard commits its open group when a connection is free, when it holds this many")
      ("store-group-ms", po::value<std::size_t>()->default_value(2),
       "... or this many ms after the group's first event while every connection commits")
      ("store-max-waiting", po::value<std::size_t>()->default_value(10000),
       "events waiting for their commit per shard; past it: 503 with Retry-After")
      ("store-commit-timeout", po::value<std::size_t>()->default_value(5000),
       "ms: a commit not confirmed within this is answered 503 (the retry is stored once)")
      ("store-connections", po::value<std::size_t>()->default_value(1),
       "PostgreSQL connections per shard")
      ("store-startup-timeout", po::value<std::size_t>()->default_value(30000),
       "ms start-up waits for every PostgreSQL connection; then gbrt-server exits 1");
  // clang-format on
  return store;
}

// What gbrt-server's PostgreSQL side is made of, when it has one.
struct StoreSide {
  std::unique_ptr<gbrt::pg::Pool> pool;
  std::unique_ptr<gbrt::pg::EventStore> store;
  void close() {  // while the shards still run
    if (pool) pool->close();
  }
};

// Checks the schema and makes the pool and the store; nothing without --store.
void start_store_side(const po::variables_map& vm, gbrt::Runtime& runtime, StoreSide& side) {
  bool stores = false;
  for (const auto& [type, mode] : runtime.options().ack_per_type) {
    stores = stores || mode == gbrt::runtime::AckMode::stored;
  }
  if (!vm.count("store")) {
    if (stores) throw std::runtime_error("--ack TYPE=stored needs --store URL");
    return;
  }
  const std::string url = vm["store"].as<std::string>();
  gbrt::pg::EventStoreOptions storing;
  storing.table = vm["store-table"].as<std::string>();
  storing.group_events = std::max<std::size_t>(1, vm["store-group-events"].as<std::size_t>());
  storing.group_wait = std::chrono::milliseconds(vm["store-group-ms"].as<std::size_t>());
  storing.max_waiting = vm["store-max-waiting"].as<std::size_t>();
  storing.commit_timeout = std::chrono::milliseconds(vm["store-commit-timeout"].as<std::size_t>());
  if (stores) gbrt::pg::check_schema(url, storing.table);
  gbrt::pg::PoolOptions pooling;
  pooling.connections_per_shard =
      std::max<std::size_t>(1, vm["store-connections"].as<std::size_t>());
  side.pool = std::make_unique<gbrt::pg::Pool>(runtime, url, pooling);
  runtime.provide(*side.pool);
  if (stores) {
    side.store = std::make_unique<gbrt::pg::EventStore>(*side.pool, runtime.metrics(), storing);
    runtime.store_to(*side.store);
  }
}

// What gbrt-server's NATS side is made of, when it has one.
struct NatsSide {
  std::unique_ptr<gbrt::forward::JetStream> jetstream;
  std::unique_ptr<gbrt::forward::Publisher> publisher;
  std::unique_ptr<gbrt::forward::Consumer> consumer;
  ~NatsSide() {  // in this order: the consumer publishes dead letters through the publisher
    consumer.reset();
    publisher.reset();
    jetstream.reset();
  }
};

// Connects, creates the stream and the consumer as the flags ask; nothing without --nats.
void start_nats_side(const po::variables_map& vm, gbrt::Runtime& runtime, NatsSide& side) {
  bool forwards = false;
  for (const auto& [type, mode] : runtime.options().ack_per_type) {
    forwards = forwards || mode == gbrt::runtime::AckMode::forwarded;
  }
  const bool consume = vm["consume"].as<bool>();
  if (!forwards && !consume) return;
  if (!vm.count("nats")) {
    throw std::runtime_error(std::string(consume ? "--consume" : "--ack TYPE=forwarded") +
                             " needs --nats URL[,URL...]");
  }
  gbrt::forward::JetStreamOptions js;
  js.servers = gbrt::app::split_list(vm["nats"].as<std::string>());
  if (js.servers.empty()) throw std::runtime_error("--nats holds no URL");
  js.stream = vm["stream"].as<std::string>();
  js.replicas = int(vm["stream-replicas"].as<unsigned>());
  js.max_age = std::chrono::seconds(vm["stream-max-age"].as<std::size_t>());
  js.duplicate_window = std::chrono::seconds(vm["duplicate-window"].as<std::size_t>());
  js.startup_timeout = std::chrono::milliseconds(vm["nats-startup-timeout"].as<std::size_t>());
  side.jetstream = std::make_unique<gbrt::forward::JetStream>(js);
  gbrt::forward::PublisherOptions publishing;
  publishing.timeout = std::chrono::milliseconds(vm["forward-timeout"].as<std::size_t>());
  publishing.max_pending = vm["forward-max-pending"].as<std::size_t>();
  side.publisher =
      std::make_unique<gbrt::forward::Publisher>(*side.jetstream, runtime.metrics(), publishing);
  runtime.forward_to(*side.publisher);
  if (consume) {
    gbrt::forward::ConsumerOptions consuming;
    consuming.name = vm["consumer"].as<std::string>();
    consuming.max_deliver = std::max<std::size_t>(1, vm["max-deliver"].as<std::size_t>());
    consuming.nak_backoff = std::chrono::milliseconds(vm["nak-backoff"].as<std::size_t>());
    consuming.max_inflight = std::max<std::size_t>(1, vm["consume-inflight"].as<std::size_t>());
    side.consumer = std::make_unique<gbrt::forward::Consumer>(*side.jetstream, runtime,
                                                              *side.publisher, consuming);
  }
}

}  // namespace

namespace gbrt::app {

int server_main(int argc, char** argv, const RegisterHandlers& register_handlers) {
  // Every option settable by a flag, GBRT_* variable and the --config file: one table.
  po::options_description options;
  options.add(server_options_table());
  options.add(nats_options_table());
  options.add(store_options_table());
  // Only on the command line.
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
  po::options_description everything;
  everything.add(options).add(command_line);

  po::variables_map vm;
  gbrt::config::Loaded loaded;
  try {
    loaded = gbrt::config::load(argc, argv, options, command_line, vm);
  } catch (const std::exception& e) {
    std::cerr << "gbrt-server: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "Usage: gbrt-server [options]\n\n" << everything << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "gbrt-server " << GBRT_VERSION << "\n";
    return 0;
  }

  // The handlers are registered before the check: their type names are known types.
  gbrt::Runtime runtime(runtime_options(vm));
  std::shared_ptr<void> handler_state = register_handlers(runtime);
  const auto problems =
      check_config(vm, loaded, [&](std::string_view type) { return runtime.knows_type(type); });
  for (const auto& problem : problems) {
    std::cerr << "gbrt-server: " << problem.where << ": " << problem.what << "\n";
  }
  if (vm.count("check-config")) {
    if (problems.empty()) std::cout << "gbrt-server: the configuration is valid\n";
    return problems.empty() ? 0 : 2;
  }
  if (vm.count("print-config")) gbrt::config::print(std::cout, options, vm);
  if (!problems.empty() || vm.count("print-config")) return problems.empty() ? 0 : 2;
  if (vm.count("store-migrate")) {
    try {
      std::cout << gbrt::pg::migrate(vm["store"].as<std::string>(),
                                     vm["store-table"].as<std::string>())
                << std::endl;
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "gbrt-server: --store-migrate: " << e.what() << "\n";
      return 1;
    }
  }
  gbrt::log::to_stderr(*gbrt::log::parse_level(vm["log-level"].as<std::string>()));

  gbrt::net::ServerOptions server_options;
  const auto listen = parse_listen(vm["listen"].as<std::string>());
  server_options.host = listen->host;
  server_options.port = listen->port;
  server_options.max_body = vm["max-body"].as<std::size_t>();
  server_options.max_body_memory = vm["max-body-memory"].as<std::size_t>();
  server_options.max_batch_events = vm["max-batch-events"].as<std::size_t>();
  server_options.header_timeout = std::chrono::seconds(vm["header-timeout"].as<std::size_t>());
  server_options.body_timeout = std::chrono::seconds(vm["body-timeout"].as<std::size_t>());
  server_options.idle_timeout = std::chrono::seconds(vm["idle-timeout"].as<std::size_t>());
  server_options.max_connections = vm["max-connections"].as<std::size_t>();
  if (vm.count("tls-cert")) server_options.tls_cert_file = vm["tls-cert"].as<std::string>();
  if (vm.count("tls-key")) server_options.tls_key_file = vm["tls-key"].as<std::string>();
  if (vm.count("record")) server_options.record.path = vm["record"].as<std::string>();
  server_options.record.max_bytes = vm["record-max-bytes"].as<std::size_t>();
  server_options.record.keep = vm["record-keep"].as<unsigned>();
  server_options.record.flush_interval =
      std::chrono::milliseconds(vm["record-flush-interval"].as<std::size_t>());
  server_options.record.required = vm["record-required"].as<bool>();
  server_options.access_log = vm["access-log"].as<bool>();
  server_options.unsigned_dispatcher = vm["unsigned-dispatcher"].as<bool>();
  try {
    server_options.secrets = load_secrets(vm);
  } catch (const std::exception& e) {  // changed since the check
    std::cerr << "gbrt-server: " << e.what() << "\n";
    return 2;
  }
  if (server_options.secrets.empty()) {
    gbrt::log::warn(
        "no signing secret (GBRT_SECRET or --secret-file): X-GitBook-Signature is "
        "not checked and anyone who reaches the port can send events");
  }

  NatsSide nats;  // after the runtime: destroyed before it
  try {
    start_nats_side(vm, runtime, nats);
  } catch (const std::exception& e) {
    gbrt::log::error("cannot start the NATS side", {{"error", e.what()}});
    std::cerr << "gbrt-server: " << e.what() << "\n";
    return 1;
  }
  StoreSide store;  // likewise
  try {
    start_store_side(vm, runtime, store);
  } catch (const std::exception& e) {
    gbrt::log::error("cannot start the PostgreSQL side", {{"error", e.what()}});
    std::cerr << "gbrt-server: " << e.what() << "\n";
    return 1;
  }

  std::optional<gbrt::net::Server> server_holder;
  try {
    server_holder.emplace(runtime, server_options);
  } catch (const std::exception& e) {
    std::cerr << "gbrt-server: " << e.what() << "\n";
    return 2;
  }
  gbrt::net::Server& server = *server_holder;
  gbrt::app::Reloader reloader(argc, argv, options, command_line, vm, server_options.secrets,
                               runtime, server);

  gbrt::app::SystemdNotifier systemd(runtime);
  gbrt::runtime::RunOptions run;
  run.drain_delay = std::chrono::milliseconds(vm["drain-delay"].as<std::size_t>());
  run.drain_timeout = std::chrono::milliseconds(vm["drain-timeout"].as<std::size_t>());
  run.start_intake = [&] {
    const auto store_wait =
        std::chrono::milliseconds(vm["store-startup-timeout"].as<std::size_t>());
    if (store.pool && !store.pool->wait_connected(store_wait)) {
      throw std::runtime_error("no PostgreSQL connection (--store) within " +
                               std::to_string(store_wait.count()) + " ms");
    }
    if (nats.consumer) nats.consumer->start();
  };
  run.on_started = [&] {
    const std::string address = server_options.host + ':' + std::to_string(server.port());
    const std::string shards = std::to_string(runtime.shard_count());
    // Tests and scripts read this stdout line; the log gets the same as a structured line.
    std::cout << "gbrt-server listening on " << address << " (" << shards << " shards)"
              << std::endl;
    gbrt::log::info("listening",
                    {{"address", address},
                     {"shards", shards, true},
                     {"version", GBRT_VERSION},
                     {"tls", server_options.tls_cert_file.empty() ? "false" : "true", true}});
    systemd.ready("listening on " + address);
  };
  run.on_signal = [&](int) { systemd.stopping(); };
  run.stop_intake = [&] {
    if (nats.consumer) nats.consumer->stop_pulling();  // waits for the pulling thread
  };
  run.also_idle = [&] { return !nats.consumer || nats.consumer->idle(); };
  run.before_stop = [&] { store.close(); };  // while the shards still run
  run.on_reload = [&] {
    systemd.reloading();
    reloader.reload();
    systemd.ready("reloaded");
  };
  try {
    gbrt::net::run_until_signal(runtime, server, run);
  } catch (const std::exception& e) {
    gbrt::log::error("cannot start",
                     {{"listen", vm["listen"].as<std::string>()}, {"error", e.what()}});
    std::cerr << "gbrt-server: " << e.what() << "\n";  // also with --log-level off
    return 1;
  }
  if (nats.jetstream) nats.jetstream->flush(std::chrono::seconds(2));  // the last (n)acks
  // A record that misses accepted events is a failed run: exit 1 (the log says why).
  const bool record_complete = server.close_recording();
  // The final accounting: per type received, outcomes, pending (tests parse "stats").
  gbrt::log::info("stopped", {{"stats", runtime.stats_json(), true}});
  return record_complete ? 0 : 1;
}

}  // namespace gbrt::app
