#include <gbrt/runtime/process_metrics.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gbrt/runtime/read_file.hpp>

namespace gbrt::runtime {

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// /proc/self/statm's second field: resident pages.
double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0, resident = 0;
  statm >> size >> resident;
  return double(resident) * double(sysconf(_SC_PAGESIZE));
}

double open_fds() {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return double(n);
}

double max_fds() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur == RLIM_INFINITY ? -1.0 : double(limit.rlim_cur);
}

// Seconds since the epoch at which the process started: the boot time (/proc/stat's btime)
// plus the process's start in clock ticks since boot (/proc/self/stat's 22nd field).
double start_time_seconds() {
  std::ifstream stat_file("/proc/stat");
  double boot = 0;
  for (std::string key; stat_file >> key;) {
    if (key == "btime") {
      stat_file >> boot;
      break;
    }
  }
  if (boot == 0) {  // no /proc: now is close enough
    using namespace std::chrono;
    return double(duration_cast<seconds>(system_clock::now().time_since_epoch()).count());
  }
  const std::string text = read_file("/proc/self/stat");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const std::size_t name_end = text.rfind(')');
  std::istringstream rest(name_end == std::string::npos ? "" : text.substr(name_end + 1));
  std::string field;
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  double ticks = 0;
  rest >> ticks;
  return boot + ticks / double(sysconf(_SC_CLK_TCK));
}

}  // namespace

void add_process_metrics(Metrics& metrics) {
  metrics.counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds.",
                  cpu_seconds);
  metrics.gauge("process_start_time_seconds",
                "Start time of the process since the epoch, in seconds.",
                [start = start_time_seconds()] { return start; });
  metrics.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", resident_bytes);
  metrics.gauge("process_open_fds", "Open file descriptors.", open_fds);
  metrics.gauge("process_max_fds", "Most file descriptors the process may open.", max_fds);
  metrics.gauge("gbrt_build_info{version=\"" GBRT_VERSION "\"}",
                "gbrt's version, as a label; the value is always 1.", [] { return 1.0; });
}

}  // namespace gbrt::runtime
