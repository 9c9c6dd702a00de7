// The process's resident memory, for tests that hold a table to a memory bound: what a
// structure keeps is seen in RSS whatever the allocator (glibc's or a sanitizer's).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <fstream>

namespace gbrt::test {

// Resident set size in bytes (/proc/self/statm: pages).
inline std::size_t resident_bytes() {
  std::size_t total_pages = 0, resident_pages = 0;
  std::ifstream("/proc/self/statm") >> total_pages >> resident_pages;
  return resident_pages * std::size_t(::sysconf(_SC_PAGESIZE));
}

// How much the resident set grew since `before` (0 if it shrank).
inline std::size_t resident_growth(std::size_t before) {
  const std::size_t now = resident_bytes();
  return now > before ? now - before : 0;
}

}  // namespace gbrt::test
