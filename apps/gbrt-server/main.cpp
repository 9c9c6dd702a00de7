// gbrt-server: the runtime, the HTTP server and the example handlers, configured by flags.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <gbrt/net/server.hpp>

#include "example_handlers.hpp"

namespace po = boost::program_options;

namespace {

// "host:port", "[v6]:port" or ":port".
bool split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  std::size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  try {
    unsigned long value = std::stoul(listen.substr(colon + 1));
    if (value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

std::string trim(std::string s) {
  const char* space = " \t\r\n";
  s.erase(0, s.find_first_not_of(space));
  s.erase(s.find_last_not_of(space) + 1);
  return s;
}

// Secrets: one per line in the file, comma-separated in GBRT_SECRET (rotation: any matches).
std::vector<std::string> load_secrets(const po::variables_map& vm) {
  std::vector<std::string> secrets;
  if (vm.count("secret-file")) {
    std::ifstream file(vm["secret-file"].as<std::string>());
    if (!file)
      throw std::runtime_error("cannot read --secret-file " + vm["secret-file"].as<std::string>());
    for (std::string line; std::getline(file, line);) {
      if (auto s = trim(line); !s.empty()) secrets.push_back(s);
    }
    if (secrets.empty()) throw std::runtime_error("--secret-file holds no secret");
  } else if (const char* env = std::getenv("GBRT_SECRET"); env != nullptr && *env != '\0') {
    std::string all = env;
    for (std::size_t start = 0; start <= all.size();) {
      std::size_t comma = all.find(',', start);
      if (comma == std::string::npos) comma = all.size();
      if (auto s = trim(all.substr(start, comma - start)); !s.empty()) secrets.push_back(s);
      start = comma + 1;
    }
  }
  return secrets;
}

}  // namespace

int main(int argc, char** argv) {
  // The option table: name, default, meaning — the one place each is declared.
  po::options_description options("gbrt-server options");
  options.add_options()("help,h", "print this help and exit")("version",
                                                              "print the version and exit")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:8080"),
      "HOST:PORT to listen on; port 0 picks a free port (printed at start)")(
      "threads", po::value<std::size_t>()->default_value(0),
      "shards: threads, each with its own executor; 0 = one per core")(
      "secret-file", po::value<std::string>(),
      "file with the Webhook signing secret(s), one per line; without it, the environment "
      "variable GBRT_SECRET (comma-separated). Never a command-line value: the process list "
      "is visible to every user")("max-body", po::value<std::size_t>()->default_value(1u << 20),
                                  "largest request body in bytes; larger is answered 413");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "gbrt-server: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "Usage: gbrt-server [options]\n\n" << options << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "gbrt-server " << GBRT_VERSION << "\n";
    return 0;
  }

  gbrt::net::ServerOptions server_options;
  if (!split_listen(vm["listen"].as<std::string>(), server_options.host, server_options.port)) {
    std::cerr << "gbrt-server: --listen wants HOST:PORT, got " << vm["listen"].as<std::string>()
              << "\n";
    return 2;
  }
  server_options.max_body = vm["max-body"].as<std::size_t>();
  try {
    server_options.secrets = load_secrets(vm);
  } catch (const std::exception& e) {
    std::cerr << "gbrt-server: " << e.what() << "\n";
    return 2;
  }
  if (server_options.secrets.empty()) {
    std::cerr << "gbrt-server: warning: no signing secret (GBRT_SECRET or --secret-file): "
                 "X-GitBook-Signature is not checked and anyone who reaches the port can send "
                 "events\n";
  }

  gbrt::runtime::RuntimeOptions runtime_options;
  runtime_options.threads = vm["threads"].as<std::size_t>();
  runtime_options.max_event_bytes = server_options.max_body;
  gbrt::Runtime runtime(runtime_options);
  auto views = gbrt::examples::register_example_handlers(runtime);

  gbrt::net::Server server(runtime, server_options);
  try {
    runtime.start();
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "gbrt-server: cannot listen on " << vm["listen"].as<std::string>() << ": "
              << e.what() << "\n";
    runtime.shutdown(std::chrono::milliseconds(0));
    return 1;
  }
  std::cout << "gbrt-server listening on " << server_options.host << ':' << server.port() << " ("
            << runtime.shard_count() << " shards)" << std::endl;

  boost::asio::io_context signals_context(1);
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    std::cerr << "gbrt-server: signal " << signal << ", shutting down\n";
    server.stop();
  });
  signals_context.run();
  runtime.shutdown();
  const auto& m = runtime.metrics();
  std::uint64_t received = 0;
  for (std::size_t t = 0; t <= gbrt::events::kTypedEventCount; ++t) received += m.received(t);
  std::cerr << "{\"stopped\":true,\"events_received\":" << received << "}" << std::endl;
  return 0;
}
