// pg_analytics: site analytics on PostgreSQL. site_view events are stored (--ack
// site_view=stored), a handler keeps page views per page and per day through gbrt::pg, and
// a fetch route answers the top pages of a day (GET …/top?day=YYYY-MM-DD&limit=N).
#pragma once

#include <memory>
#include <string>

#include <gbrt/pg/event_store.hpp>
#include <gbrt/pg/pool.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace pg_analytics {

// What the service owns besides its runtime: the pool and the event store.
struct Storage {
  Storage(gbrt::Runtime& runtime, const std::string& url);
  gbrt::pg::Pool pool;
  gbrt::pg::EventStore store;
};

// Runtime options with site_view stored.
gbrt::RuntimeOptions options(std::size_t threads);

// Creates the event table and page_views (idempotent; blocking: start-up only), makes the
// storage, and registers the site_view handler that counts views per page and day and the
// route GET …/top. Call
// before runtime.start(); destroy the Storage (after Pool::close()) before the runtime.
std::unique_ptr<Storage> register_pg_analytics(gbrt::Runtime& runtime, const std::string& url);

}  // namespace pg_analytics
