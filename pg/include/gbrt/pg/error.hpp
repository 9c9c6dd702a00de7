// What a failed PostgreSQL call returns: an error value with its SQLSTATE (the server's, or
// one of class 08 / 57014 for a connection gbrt lost or a query it cancelled).
#pragma once

#include <string>
#include <string_view>

#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>

namespace gbrt::pg {

namespace sqlstate {
inline constexpr std::string_view kConnectionFailure = "08006";  // lost, or never made
inline constexpr std::string_view kCannotConnect = "08001";
inline constexpr std::string_view kQueryCanceled = "57014";  // deadline or cancellation
inline constexpr std::string_view kUniqueViolation = "23505";
inline constexpr std::string_view kUndefinedTable = "42P01";
}  // namespace sqlstate

struct Error {
  std::string sqlstate;  // five characters, e.g. "42P01"
  std::string message;   // the primary message, one line
  // The connection is gone (class 08): the statement may or may not have run.
  bool connection_lost() const noexcept { return sqlstate.starts_with("08"); }
  bool canceled() const noexcept { return sqlstate == sqlstate::kQueryCanceled; }
};

template <class T>
using Result = boost::outcome_v2::basic_result<T, Error, boost::outcome_v2::policy::terminate>;

}  // namespace gbrt::pg
