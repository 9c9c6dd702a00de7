// The process series every Prometheus client exports (CPU, resident memory, descriptors,
// start time) and gbrt_build_info, read when /metrics is scraped. Every Runtime has them.
#pragma once

#include <gbrt/runtime/metrics.hpp>

namespace gbrt::runtime {

// process_cpu_seconds_total, process_start_time_seconds, process_resident_memory_bytes,
// process_open_fds, process_max_fds, and gbrt_build_info{version="…"} 1.
void add_process_metrics(Metrics& metrics);

}  // namespace gbrt::runtime
