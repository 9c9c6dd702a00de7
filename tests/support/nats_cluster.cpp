#include "support/nats_cluster.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/fixtures.hpp"
#include "support/http_client.hpp"

extern char** environ;

namespace gbrt::test {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("free_port: cannot bind");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

NatsCluster::NatsCluster(std::size_t nodes) : nodes_(nodes) {
  char dir_template[] = "/tmp/gbrt-nats-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir_template;
  for (auto& node : nodes_) {
    node.client_port = free_port();
    node.cluster_port = free_port();
    node.monitor_port = free_port();
  }
  for (std::size_t i = 0; i < nodes; ++i) {
    Node& node = nodes_[i];
    const std::string name = std::string("n").append(std::to_string(i + 1));
    node.config = dir_ + "/" + name + ".conf";
    node.log = dir_ + "/" + name + ".log";
    std::ofstream config(node.config);
    config << "server_name: " << name << "\nlisten: 127.0.0.1:" << node.client_port
           << "\nhttp: 127.0.0.1:" << node.monitor_port << "\njetstream {\n  store_dir: \"" << dir_
           << "/" << name << "\"\n}\n";
    if (nodes > 1) {
      config << "cluster {\n  name: gbrt-test\n  listen: 127.0.0.1:" << node.cluster_port
             << "\n  routes: [\n";
      for (std::size_t j = 0; j < nodes; ++j) {
        if (j != i) config << "    nats-route://127.0.0.1:" << nodes_[j].cluster_port << "\n";
      }
      config << "  ]\n}\n";
    }
  }
  for (std::size_t i = 0; i < nodes; ++i) start(i);
  for (std::size_t i = 0; i < nodes; ++i) wait_healthy(i);
}

NatsCluster::~NatsCluster() {
  for (std::size_t i = 0; i < nodes_.size(); ++i) kill(i);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string NatsCluster::url(std::size_t node) const {
  return "nats://127.0.0.1:" + std::to_string(nodes_[node].client_port);
}

std::string NatsCluster::urls() const {
  std::string all;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i != 0) all += ',';
    all += url(i);
  }
  return all;
}

void NatsCluster::start(std::size_t index) {
  Node& node = nodes_[index];
  if (node.pid > 0) return;
  std::vector<std::string> argv = {"nats-server", "-c", node.config, "-l", node.log};
  std::vector<char*> argv_c;
  for (auto& a : argv) argv_c.push_back(a.data());
  argv_c.push_back(nullptr);
  // Debian installs it in /usr/sbin, which is not on every user's PATH.
  const char* program =
      std::filesystem::exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
  int rc = posix_spawnp(&node.pid, program, nullptr, nullptr, argv_c.data(), environ);
  if (rc != 0) {
    node.pid = -1;
    throw std::runtime_error(std::string("cannot start nats-server: ") + std::strerror(rc));
  }
}

void NatsCluster::kill(std::size_t index, int signal) {
  Node& node = nodes_[index];
  if (node.pid <= 0) return;
  ::kill(node.pid, signal);
  int status = 0;
  waitpid(node.pid, &status, 0);
  node.pid = -1;
}

// /healthz answers 200 once the server and its JetStream are up (the cluster's meta
// leader elected, for a cluster).
void NatsCluster::wait_healthy(std::size_t index) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    int status = 0;
    if (waitpid(nodes_[index].pid, &status, WNOHANG) == nodes_[index].pid) {
      nodes_[index].pid = -1;
      throw std::runtime_error("nats-server n" + std::to_string(index + 1) + " exited");
    }
    try {
      HttpClient client(nodes_[index].monitor_port);
      if (client.get("/healthz").status == 200) return;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("nats-server n" + std::to_string(index + 1) +
                           " is not healthy: " + read_file(nodes_[index].log));
}

}  // namespace gbrt::test
