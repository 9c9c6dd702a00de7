#include "support/pg_cluster.hpp"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "support/nats_cluster.hpp"    // free_port()
#include "support/server_process.hpp"  // run_command()

namespace gbrt::test {

namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

// postgres refuses to run as root: as root, commands run as the `postgres` user.
std::string as_server_user(const std::string& command) {
  return ::geteuid() == 0 ? "runuser -u postgres -- " + command : command;
}

// Runs `command` through the shell; its output (stdout and stderr), or an exception with
// that output when it fails.
std::string run(const std::string& command) {
  auto [status, output] = run_command(command);
  if (status != 0) throw std::runtime_error(command + " failed: " + output);
  return output;
}

}  // namespace

PgCluster::PgCluster() {
  if (!std::filesystem::exists(std::string(kBin) + "initdb")) {
    throw std::runtime_error("PostgreSQL 15 is not installed (scripts/bootstrap)");
  }
  std::string name = "/tmp/gbrt-pg-" + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = name;
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr || ::chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + dir_ + " to the postgres user");
    }
  }
  port_ = free_port();
  run(as_server_user(std::string(kBin) + "initdb --no-sync -U postgres --auth=trust -E UTF8 -D " +
                     dir_ + "/data"));
  start();
}

PgCluster::~PgCluster() {
  try {
    if (running_) pg_ctl("-m immediate stop");
  } catch (const std::exception&) {
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PgCluster::url() const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
}

void PgCluster::pg_ctl(const std::string& args) {
  run(as_server_user(std::string(kBin) + "pg_ctl -w -t 60 -D " + dir_ + "/data -l " + dir_ +
                     "/log " + args));
}

void PgCluster::start() {
  if (running_) return;
  // The socket lives in the cluster's folder: never /var/run/postgresql, which may be
  // missing or belong to a system cluster.
  pg_ctl("-o \"-p " + std::to_string(port_) + " -k " + dir_ +
         " -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=32MB\" start");
  running_ = true;
}

void PgCluster::stop() {
  if (!running_) return;
  pg_ctl("-m fast stop");
  running_ = false;
}

void PgCluster::crash() {
  if (!running_) return;
  pg_ctl("-m immediate stop");
  running_ = false;
}

std::string PgCluster::psql(const std::string& sql) const {
  std::string quoted = "'";
  for (char c : sql) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  return run("psql -X -q -A -t -v ON_ERROR_STOP=1 '" + url() + "' -c " + quoted);
}

}  // namespace gbrt::test
