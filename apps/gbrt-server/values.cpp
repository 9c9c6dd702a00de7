#include "values.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>

namespace gbrt::app {

std::optional<ListenAddress> parse_listen(const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  ListenAddress address;
  address.host = text.substr(0, colon);
  if (address.host.size() >= 2 && address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty()) address.host = "0.0.0.0";
  const auto port = parse_count(text.substr(colon + 1));
  if (!port || *port > 65535) return std::nullopt;
  address.port = static_cast<std::uint16_t>(*port);
  return address;
}

std::optional<std::pair<std::string, std::string>> split_assignment(const std::string& text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) return std::nullopt;
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

std::optional<std::size_t> parse_count(const std::string& text) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  auto [at, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || at != end) return std::nullopt;
  return value;
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text,
                                                        std::chrono::milliseconds base_unit) {
  using std::chrono::milliseconds;
  const std::size_t digits = text.find_first_not_of("0123456789");
  const auto number = parse_count(text.substr(0, digits));
  if (!number) return std::nullopt;
  const std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  static const std::pair<const char*, milliseconds> kUnits[] = {
      {"ms", milliseconds(1)},          {"s", std::chrono::seconds(1)},
      {"min", std::chrono::minutes(1)}, {"h", std::chrono::hours(1)},
      {"d", std::chrono::hours(24)},
  };
  milliseconds scale = base_unit;
  if (!unit.empty()) {
    const auto* known = std::find_if(std::begin(kUnits), std::end(kUnits),
                                     [&](const auto& u) { return unit == u.first; });
    if (known == std::end(kUnits)) return std::nullopt;
    scale = known->second;
  }
  if (*number > std::size_t(milliseconds::max().count() / scale.count())) return std::nullopt;
  const milliseconds value = scale * static_cast<milliseconds::rep>(*number);
  if (value % base_unit != milliseconds(0)) return std::nullopt;  // "1500ms" of a seconds option
  return value;
}

std::optional<runtime::AckMode> parse_ack_mode(const std::string& text) {
  if (text == "handled") return runtime::AckMode::handled;
  if (text == "queued") return runtime::AckMode::queued;
  if (text == "forwarded") return runtime::AckMode::forwarded;
  if (text == "stored") return runtime::AckMode::stored;
  return std::nullopt;
}

std::optional<pg::StoreWrite> parse_store_write(const std::string& text) {
  if (text == "insert") return pg::StoreWrite::insert;
  if (text == "copy") return pg::StoreWrite::copy;
  return std::nullopt;
}

std::vector<std::string> items(const boost::program_options::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace gbrt::app
