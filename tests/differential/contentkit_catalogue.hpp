// Every ContentKit element the builders can make, each option used at least once, and the
// elements the docs, the README and the examples render: tests/differential validates each
// against the ContentKit schema of @gitbook/api's spec.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <gbrt/runtime/contentkit.hpp>

namespace gbrt::test {

std::vector<std::pair<std::string, contentkit::Root>> contentkit_catalogue();

}  // namespace gbrt::test
