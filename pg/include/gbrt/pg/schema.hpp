// The event table's schema, versioned: migrate() creates or upgrades it (gbrt-server
// --store-migrate), check() refuses to start on a missing or older one. Blocking: start-up only.
#pragma once

#include <string>

namespace gbrt::pg {

// The version this build writes; gbrt_schema(table_name, version) records each table's.
inline constexpr int kSchemaVersion = 1;

// Creates or upgrades `table` (and gbrt_schema) in one transaction, under an advisory lock
// (several processes may migrate at once). Returns what it did; throws with the reason.
std::string migrate(const std::string& url, const std::string& table);
// Throws std::runtime_error naming `gbrt-server --store-migrate` unless `table` is at
// kSchemaVersion (or names why PostgreSQL cannot be reached).
void check_schema(const std::string& url, const std::string& table);

}  // namespace gbrt::pg
