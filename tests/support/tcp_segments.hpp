// How many TCP segments with data a socket has sent (the kernel's TCP_INFO): a test of
// how writes go out, which the bytes the peer reads cannot show.
#pragma once

#include <cstdint>

namespace gbrt::test {

// tcpi_data_segs_out of the connected socket `fd`; 0 when the kernel does not say.
std::uint32_t data_segments_sent(int fd);

}  // namespace gbrt::test
