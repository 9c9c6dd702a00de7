// A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary folder (named with the
// process id), postgres on 127.0.0.1 and a free port, stopped and removed at the end.
#pragma once

#include <cstdint>
#include <string>

namespace gbrt::test {

class PgCluster {
 public:
  // Creates the cluster and starts it; throws with initdb's or postgres' output when it
  // cannot. As root (CI) the server runs as the `postgres` user.
  PgCluster();
  ~PgCluster();  // stops the server at once and removes the folder
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // A libpq connection URI for the superuser `postgres`, database `postgres`.
  std::string url() const;
  std::uint16_t port() const { return port_; }
  // Stops the server (fast: connections are closed, sessions rolled back); start() again
  // reuses the data folder and the port.
  void stop();
  // Stops it as a crash would (SIGQUIT to every process, no checkpoint).
  void crash();
  void start();
  bool running() const { return running_; }
  // Runs `sql` through psql and returns its unaligned, tuples-only output.
  std::string psql(const std::string& sql) const;

 private:
  void pg_ctl(const std::string& args);
  std::string dir_;
  std::uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace gbrt::test
