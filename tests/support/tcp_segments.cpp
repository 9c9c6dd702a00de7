// <linux/tcp.h> has the counter and clashes with glibc's <netinet/tcp.h>, which Asio
// includes: this file includes the kernel's header only.
#include "support/tcp_segments.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace gbrt::test {

std::uint32_t data_segments_sent(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0 ||
      size < offsetof(tcp_info, tcpi_data_segs_out) + sizeof info.tcpi_data_segs_out) {
    return 0;
  }
  return info.tcpi_data_segs_out;
}

}  // namespace gbrt::test
