// <linux/tcp.h> has the counter and clashes with glibc's <netinet/tcp.h>, which Asio
// includes: this file includes the kernel's header only.
#include "support/tcp_segments.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace gbrt::test {

namespace {

// TCP_INFO of `fd`; false when the kernel fails or says less than `needed` bytes.
bool tcp_info_of(int fd, tcp_info& info, std::size_t needed) {
  socklen_t size = sizeof info;
  return ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) == 0 && size >= needed;
}

}  // namespace

std::uint32_t data_segments_sent(int fd) {
  tcp_info info{};
  constexpr std::size_t kNeeded =
      offsetof(tcp_info, tcpi_data_segs_out) + sizeof info.tcpi_data_segs_out;
  return tcp_info_of(fd, info, kNeeded) ? info.tcpi_data_segs_out : 0;
}

std::uint32_t segments_received(int fd) {
  tcp_info info{};
  constexpr std::size_t kNeeded = offsetof(tcp_info, tcpi_segs_in) + sizeof info.tcpi_segs_in;
  return tcp_info_of(fd, info, kNeeded) ? info.tcpi_segs_in : 0;
}

}  // namespace gbrt::test
