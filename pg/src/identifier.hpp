// SQL identifiers from options (the table's name), quoted: "name", or "schema"."name".
#pragma once

#include <string>
#include <string_view>

namespace gbrt::pg {

inline std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '.') {
      quoted += "\".\"";
    } else {
      quoted += c;
      if (c == '"') quoted += '"';
    }
  }
  return quoted + '"';
}

}  // namespace gbrt::pg
