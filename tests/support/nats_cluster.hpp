// Real nats-server processes with JetStream for tests: one node, or a cluster of several
// (own ports, own store directories, routes to each other), on loopback.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gbrt::test {

class NatsCluster {
 public:
  // Starts `nodes` nats-server processes and waits until each reports healthy (JetStream
  // ready). Throws if nats-server is missing or does not start.
  explicit NatsCluster(std::size_t nodes = 1);
  ~NatsCluster();  // kills every node and removes the store directories
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  std::string url(std::size_t node) const;
  std::string urls() const;  // all nodes, comma-separated (gbrt-server --nats)
  void kill(std::size_t node, int signal = 9);
  void start(std::size_t node);  // again, after kill(), with its store directory
  bool running(std::size_t node) const { return nodes_[node].pid > 0; }

 private:
  struct Node {
    std::uint16_t client_port = 0, cluster_port = 0, monitor_port = 0;
    std::string config, log;
    pid_t pid = -1;
  };
  void wait_healthy(std::size_t node);
  std::string dir_;
  std::vector<Node> nodes_;
};

// A port nothing listens on now (bound to 0 and released).
std::uint16_t free_port();

}  // namespace gbrt::test
