#include "pg_analytics.hpp"

#include <libpq-fe.h>

#include <stdexcept>
#include <vector>

#include <gbrt/pg/schema.hpp>

namespace pg_analytics {

namespace asio = boost::asio;

namespace {

constexpr const char* kPageViews =
    "CREATE TABLE IF NOT EXISTS page_views (page_id text NOT NULL, day date NOT NULL, "
    "views bigint NOT NULL, PRIMARY KEY (page_id, day))";

// One round trip per view, prepared once per connection: the row is locked only for the
// statement (each is its own transaction).
const gbrt::pg::Statement kCountView{
    "pg_analytics_count_view",
    "INSERT INTO page_views (page_id, day, views) VALUES ($1, current_date, 1) "
    "ON CONFLICT (page_id, day) DO UPDATE SET views = page_views.views + 1"};

void create_page_views(const std::string& url) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), kPageViews), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error(std::string("cannot create page_views: ") +
                             PQerrorMessage(conn.get()));
  }
}

}  // namespace

Storage::Storage(gbrt::Runtime& runtime, const std::string& url)
    : pool(runtime, url), store(pool, runtime.metrics()) {}

gbrt::runtime::RuntimeOptions options(std::size_t threads) {
  return {.threads = threads, .ack_per_type = {{"site_view", gbrt::runtime::AckMode::stored}}};
}

std::unique_ptr<Storage> register_pg_analytics(gbrt::Runtime& runtime, const std::string& url) {
  gbrt::pg::migrate(url, "gbrt_events");
  create_page_views(url);
  auto storage = std::make_unique<Storage>(runtime, url);
  runtime.store_to(storage->store);
  runtime.provide(storage->pool);
  // Runs after the event is committed; a failure answers 500 and GitBook's retry is stored
  // once but counted again (counts are at-least-once; the stored events are exact).
  runtime.on<gbrt::events::SiteView>([](const gbrt::events::SiteView& view,
                                        gbrt::Context& context) -> asio::awaitable<void> {
    std::vector<gbrt::pg::Param> params{view.page_id};
    auto counted =
        co_await context.service<gbrt::pg::Pool>().execute(context, kCountView, std::move(params));
    if (!counted) throw std::runtime_error("page_views: " + counted.error().message);
  });
  return storage;
}

}  // namespace pg_analytics
