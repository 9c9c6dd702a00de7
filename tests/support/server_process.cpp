#include "support/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "support/fixtures.hpp"

extern char** environ;

namespace gbrt::test {

namespace {

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (entry.rfind("GBRT_", 0) == 0) continue;                   // only what the test asks for
    if (extra.count(entry.substr(0, entry.find('=')))) continue;  // the test's value wins
    env.push_back(entry);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  // Tests stop servers often: no readiness delay unless a test asks (flags beat variables).
  if (!extra.count("GBRT_DRAIN_DELAY")) env.push_back("GBRT_DRAIN_DELAY=0");
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                             std::string program) {
  std::vector<std::string> argv = {std::move(program)};
  if (std::find(args.begin(), args.end(), "--listen") == args.end()) {
    argv.insert(argv.end(), {"--listen", "127.0.0.1:0"});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> envv = child_environment(env);
  auto argv_c = c_strings(argv);
  auto envv_c = c_strings(envv);

  char path_template[] = "/tmp/gbrt-test-stderr-XXXXXX";
  int err_fd = mkstemp(path_template);
  stderr_path_ = path_template;
  int out_pipe[2];
  if (err_fd < 0 || pipe(out_pipe) != 0) throw std::runtime_error("pipe/mkstemp failed");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  int rc = posix_spawn(&pid_, argv_c[0], &actions, nullptr, argv_c.data(), envv_c.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_fd);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));

  // Read stdout until the "listening on HOST:PORT" line (40 s at most: with --nats, start-up
  // waits for a JetStream cluster to be ready).
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
  while (out.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out_pipe[0], POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char chunk[256];
    ssize_t n = read(out_pipe[0], chunk, sizeof chunk);
    if (n <= 0) break;
    out.append(chunk, std::size_t(n));
  }
  close(out_pipe[0]);  // later stdout writes are not needed (SIGPIPE is not an issue: one line)
  std::size_t at = out.find("listening on ");
  std::size_t colon = at == std::string::npos ? at : out.find(':', at);
  if (colon == std::string::npos) {
    stop(SIGKILL);
    throw std::runtime_error("gbrt-server did not start: " + out + stderr_text());
  }
  port_ = static_cast<std::uint16_t>(std::stoul(out.substr(colon + 1)));
  banner_ = out.substr(at, out.find('\n', at) - at);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && exit_status_ < 0) stop(SIGKILL);
  if (!stderr_path_.empty()) unlink(stderr_path_.c_str());
}

bool ServerProcess::running() {
  if (exit_status_ >= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int ServerProcess::stop(int signal) {
  if (exit_status_ >= 0) return exit_status_;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_status_;
}

std::string ServerProcess::stderr_text() const {
  return read_file(stderr_path_);
}

std::pair<int, std::string> run_server_command(const std::vector<std::string>& args,
                                               const std::map<std::string, std::string>& env) {
  std::string command = "timeout -s KILL 60 env";
  for (const auto& [name, value] : env) command += " '" + name + "=" + value + "'";
  command += " " GBRT_SERVER_PATH;
  for (const auto& a : args) command += " '" + a + "'";
  return run_command(command);
}

std::pair<int, std::string> run_command(const std::string& shell_command) {
  const std::string command = shell_command + " 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char chunk[512];
  while (std::size_t n = fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace gbrt::test
