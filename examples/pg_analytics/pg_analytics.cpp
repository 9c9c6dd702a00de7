#include "pg_analytics.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <vector>

#include <gbrt/pg/schema.hpp>
#include <gbrt/runtime/js_json.hpp>
#include <gbrt/runtime/router.hpp>

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

// The most viewed pages of a day (today by default), most views first.
const gbrt::pg::Statement kTopPages{
    "pg_analytics_top_pages",
    "WITH d AS (SELECT coalesce($1::date, current_date) AS day) SELECT d.day::text, "
    "p.page_id, p.views FROM d LEFT JOIN page_views p ON p.day = d.day "
    "ORDER BY p.views DESC NULLS LAST, p.page_id LIMIT $2"};

// GET …/top?day=YYYY-MM-DD&limit=N (limit 1–100, default 10):
// {"day":"…","pages":[{"pageId":"…","views":N},…]}.
asio::awaitable<gbrt::Response> top_pages(const gbrt::FetchRequest& request,
                                          gbrt::Context& context) {
  using gbrt::Response;
  const std::optional<std::string> day = request.query("day");
  long limit = 10;
  if (auto text = request.query("limit")) {
    char* end = nullptr;
    limit = std::strtol(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || limit < 1 || limit > 100) {
      co_return Response::json(R"({"error":"limit must be a whole number from 1 to 100"})", 400);
    }
  }
  std::vector<gbrt::pg::Param> params{day, limit};
  auto result =
      co_await context.service<gbrt::pg::Pool>().execute(context, kTopPages, std::move(params));
  if (!result) {
    if (result.error().sqlstate.starts_with("22")) {  // a day PostgreSQL cannot read
      co_return Response::json(R"({"error":"day must be a date: YYYY-MM-DD"})", 400);
    }
    throw std::runtime_error("top pages: " + result.error().message);
  }
  const gbrt::pg::Rows& rows = result.value();
  std::string body = R"({"day":)";
  gbrt::runtime::append_js_string(body, rows.at(0, 0).text());  // always one row: the day's
  body += R"(,"pages":[)";
  for (std::size_t i = 0; i < rows.size() && !rows.at(i, 1).is_null(); ++i) {
    body += i == 0 ? R"({"pageId":)" : R"(,{"pageId":)";
    gbrt::runtime::append_js_string(body, rows.at(i, 1).text());
    body += R"(,"views":)";
    body += rows.at(i, 2).text();
    body += '}';
  }
  body += "]}";
  co_return Response::json(std::move(body));
}

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

gbrt::RuntimeOptions options(std::size_t threads) {
  return {.threads = threads, .ack_per_type = {{"site_view", gbrt::AckMode::stored}}};
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
  gbrt::Router routes;
  routes.get("/top", top_pages);
  runtime.fetch(std::move(routes));
  return storage;
}

}  // namespace pg_analytics
