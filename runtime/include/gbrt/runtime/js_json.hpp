// JSON text written as JavaScript's JSON.stringify writes it, so that what gbrt sends back
// (component props and state, action results) is byte for byte what GitBook's runtime sends.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace gbrt::runtime {

// A number as JavaScript prints it: the shortest digits that read back to the same double,
// "1e+21" past 21 integer digits, "1e-7" below 1e-6, "null" for NaN and the infinities.
void append_js_number(std::string& out, double value);
std::string js_number(double value);

// `text` as a JSON string, escaped as JSON.stringify escapes it (quotes included).
void append_js_string(std::string& out, std::string_view text);

// `value` as JSON.stringify writes it: no spaces; integers beyond 2^53 are doubles, as in
// JavaScript; an object's integer-like keys ("0", "17") first in ascending order.
void append_js_json(std::string& out, const boost::json::value& value);
std::string to_js_json(const boost::json::value& value);

// JSON text (validated already, or not: throws boost::system::system_error) to a value.
boost::json::value parse_json(std::string_view text);

}  // namespace gbrt::runtime
