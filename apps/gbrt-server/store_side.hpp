// gbrt-server's PostgreSQL side (--store): the pool handlers reach and the store of
// --ack TYPE=stored, made from the options once the schema is checked.
#pragma once

#include <memory>

#include <boost/program_options/variables_map.hpp>

#include <gbrt/pg/event_store.hpp>
#include <gbrt/pg/pool.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::app {

// What gbrt-server's PostgreSQL side is made of, when it has one.
struct StoreSide {
  std::unique_ptr<pg::Pool> pool;
  std::unique_ptr<pg::EventStore> store;
  void close() {  // while the shards still run
    if (pool) pool->close();
  }
};

// Checks the schema and makes the pool and the store; nothing without --store.
void start_store_side(const boost::program_options::variables_map& vm, Runtime& runtime,
                      StoreSide& side);

}  // namespace gbrt::app
