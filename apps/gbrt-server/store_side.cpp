#include "store_side.hpp"

#include <stdexcept>
#include <string>

#include <gbrt/pg/schema.hpp>

#include "options.hpp"

namespace gbrt::app {

void start_store_side(const boost::program_options::variables_map& vm, Runtime& runtime,
                      StoreSide& side) {
  bool stores = false;
  for (const auto& [type, mode] : runtime.options().ack_per_type) {
    stores = stores || mode == gbrt::runtime::AckMode::stored;
  }
  if (!vm.count("store")) {
    if (stores) throw std::runtime_error("--ack TYPE=stored needs --store URL");
    return;
  }
  const std::string url = vm["store"].as<std::string>();
  const pg::EventStoreOptions storing = event_store_options(vm);
  if (stores) pg::check_schema(url, storing.table);
  side.pool = std::make_unique<pg::Pool>(runtime, url, pool_options(vm));
  runtime.provide(*side.pool);
  if (stores) {
    side.store = std::make_unique<pg::EventStore>(*side.pool, runtime.metrics(), storing);
    runtime.store_to(*side.store);
  }
}

}  // namespace gbrt::app
