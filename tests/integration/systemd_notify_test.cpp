// gbrt-server as a Type=notify service: the messages systemd would read from NOTIFY_SOCKET,
// here a unix datagram socket the test owns.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/async.hpp"
#include "support/server_process.hpp"

namespace {

using gbrt::test::ServerProcess;
using gbrt::test::wait_for;

// A bound AF_UNIX datagram socket collecting what the server sends.
class NotifySocket {
 public:
  NotifySocket()
      : path_(std::filesystem::temp_directory_path() /
              ("gbrt-notify-" + std::to_string(getpid()) + ".sock")) {
    std::filesystem::remove(path_);
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind " + path_.string());
    }
  }
  ~NotifySocket() {
    close(fd_);
    std::filesystem::remove(path_);
  }
  std::string path() const { return path_.string(); }

  // Everything received so far, messages separated by "|".
  const std::string& received() {
    pollfd pfd{fd_, POLLIN, 0};
    while (poll(&pfd, 1, 0) > 0) {
      char message[512];
      const ssize_t n = recv(fd_, message, sizeof message, 0);
      if (n <= 0) break;
      received_.append(message, std::size_t(n)).append("|");
    }
    return received_;
  }
  bool got(const std::string& text) { return received().find(text) != std::string::npos; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::string received_;
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(SystemdNotify, ReadyWatchdogReloadingAndStopping) {
  NotifySocket socket;
  ServerProcess server({"--threads", "2"},
                       {{"NOTIFY_SOCKET", socket.path()}, {"WATCHDOG_USEC", "100000"}});
  ASSERT_TRUE(wait_for([&] { return socket.got("READY=1"); })) << socket.received();
  EXPECT_TRUE(socket.got("STATUS=listening on 127.0.0.1:" + std::to_string(server.port())));
  // Fed at half the interval while the shards answer.
  ASSERT_TRUE(wait_for([&] { return count(socket.received(), "WATCHDOG=1") >= 3; }))
      << socket.received();
  kill(server.pid(), SIGHUP);
  ASSERT_TRUE(wait_for([&] { return socket.got("RELOADING=1"); })) << socket.received();
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_TRUE(socket.got("STOPPING=1")) << socket.received();
  EXPECT_LT(socket.received().find("READY=1"), socket.received().find("STOPPING=1"));
}

}  // namespace
