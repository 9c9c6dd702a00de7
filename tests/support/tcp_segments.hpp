// How many TCP segments a socket has sent or received (the kernel's TCP_INFO): a test of
// how writes go out, which the bytes the peer reads cannot show.
#pragma once

#include <cstdint>

namespace gbrt::test {

// tcpi_data_segs_out of the connected socket `fd`; 0 when the kernel does not say.
std::uint32_t data_segments_sent(int fd);
// tcpi_segs_in of the connected socket `fd`, every segment (the SYN-ACK, acknowledgements,
// a FIN of its own); 0 when the kernel does not say.
std::uint32_t segments_received(int fd);

}  // namespace gbrt::test
