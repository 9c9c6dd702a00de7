// gbrt-server's life cycle: the configuration read and checked, the runtime, the HTTP
// server and the NATS and PostgreSQL sides started, signals, drain, the last log line.
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
#include <gbrt/net/run.hpp>
#include <gbrt/net/server.hpp>
#include <gbrt/pg/pool.hpp>
#include <gbrt/pg/schema.hpp>
#include <gbrt/runtime/log.hpp>

#include "check_config.hpp"
#include "config.hpp"
#include "nats_side.hpp"
#include "options.hpp"
#include "reload.hpp"
#include "secrets.hpp"
#include "store_side.hpp"
#include "systemd_notify.hpp"
#include "values.hpp"

namespace po = boost::program_options;

namespace gbrt::app {

int server_main(int argc, char** argv, const RegisterHandlers& register_handlers) {
  // Every option settable by a flag, GBRT_* variable and the --config file: one table.
  const po::options_description options = settable_options();
  const po::options_description command_line = command_line_options();
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

  gbrt::net::ServerOptions server_options = gbrt::app::server_options(vm);
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
  gbrt::runtime::RunOptions run = run_options(vm);
  run.start_intake = [&] {
    const auto store_wait = store_startup_timeout(vm);
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
