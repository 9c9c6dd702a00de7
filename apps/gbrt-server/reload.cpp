#include "reload.hpp"

#include <set>
#include <stdexcept>

#include <gbrt/runtime/log.hpp>

#include "config.hpp"
#include "secrets.hpp"

namespace po = boost::program_options;

namespace gbrt::app {

namespace {

// Options applied while serving; secret-file is re-read whether or not its path changed.
const std::set<std::string> kReloadable = {"log-level", "max-inflight", "secret-file"};

}  // namespace

Reloader::Reloader(int argc, char** argv, const po::options_description& options,
                   const po::options_description& command_line, po::variables_map running,
                   std::vector<std::string> secrets, Runtime& runtime, net::Server& server)
    : argc_(argc),
      argv_(argv),
      options_(options),
      command_line_(command_line),
      running_(std::move(running)),
      secrets_(std::move(secrets)),
      runtime_(runtime),
      server_(server) {}

void Reloader::reload() noexcept {
  try {
    po::variables_map next;
    config::load(argc_, argv_, options_, command_line_, next);
    apply(next);
  } catch (const std::exception& e) {
    log::error("reload failed, the running configuration is kept", {{"error", e.what()}});
  }
}

void Reloader::apply(const po::variables_map& next) {
  // Everything is checked before anything changes.
  const std::string level_name = next["log-level"].as<std::string>();
  const auto level = log::parse_level(level_name);
  if (!level) throw std::runtime_error("--log-level: unknown level \"" + level_name + "\"");
  std::vector<std::string> secrets = load_secrets(next);
  log::set_level(*level);  // first: raising it from off shows the lines below

  for (const auto& option : options_.options()) {
    const std::string& name = option->long_name();
    const std::string before = config::value_text(running_, name);
    const std::string after = config::value_text(next, name);
    if (before == after) continue;
    if (kReloadable.count(name) == 0) {
      log::warn("changed, takes effect at the next start", {{"option", name}});
      continue;
    }
    log::info("reloaded", {{"option", name}, {"from", before}, {"to", after}});
  }
  runtime_.set_max_inflight(next["max-inflight"].as<std::size_t>());
  if (secrets != secrets_) {
    log::info("reloaded the signing secrets", {{"count", std::to_string(secrets.size()), true}});
    server_.set_secrets(secrets);
    secrets_ = std::move(secrets);
  }
  running_ = next;
}

}  // namespace gbrt::app
