// gbrt-server's option tables and their mapping: every default is the option struct's own,
// and durations take a unit while bare numbers keep each option's base unit.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "options.hpp"
#include "values.hpp"

namespace {

namespace po = boost::program_options;
using namespace std::chrono_literals;

po::variables_map parse(std::vector<std::string> args) {
  args.insert(args.begin(), "gbrt-server");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  po::variables_map vm;
  po::store(po::parse_command_line(int(argv.size()), argv.data(), gbrt::app::settable_options()),
            vm);
  po::notify(vm);
  return vm;
}

TEST(GbrtServerOptions, DefaultsAreTheOptionStructsOwn) {
  const auto vm = parse({});
  const gbrt::runtime::RuntimeOptions runtime_default;
  const auto runtime = gbrt::app::runtime_options(vm);
  EXPECT_EQ(runtime.max_inflight, runtime_default.max_inflight);
  EXPECT_EQ(runtime.deadline, runtime_default.deadline);
  EXPECT_EQ(runtime.slow_handler, runtime_default.slow_handler);
  EXPECT_EQ(runtime.dedup_window, runtime_default.dedup_window);
  EXPECT_EQ(runtime.queue_capacity, runtime_default.queue_capacity);
  const gbrt::net::ServerOptions server_default;
  const auto server = gbrt::app::server_options(vm);
  EXPECT_EQ(server.host, server_default.host);
  EXPECT_EQ(server.port, server_default.port);
  EXPECT_EQ(server.max_body, server_default.max_body);
  EXPECT_EQ(server.header_timeout, server_default.header_timeout);
  EXPECT_EQ(server.idle_timeout, server_default.idle_timeout);
  EXPECT_EQ(server.record.flush_interval, server_default.record.flush_interval);
  EXPECT_EQ(server.record.max_bytes, server_default.record.max_bytes);
  EXPECT_EQ(gbrt::app::jetstream_options(vm).max_age, gbrt::forward::JetStreamOptions{}.max_age);
  EXPECT_EQ(gbrt::app::publisher_options(vm).timeout, gbrt::forward::PublisherOptions{}.timeout);
  EXPECT_EQ(gbrt::app::consumer_options(vm).nak_backoff,
            gbrt::forward::ConsumerOptions{}.nak_backoff);
  EXPECT_EQ(gbrt::app::event_store_options(vm).group_wait,
            gbrt::pg::EventStoreOptions{}.group_wait);
  EXPECT_EQ(gbrt::app::event_store_options(vm).commit_timeout,
            gbrt::pg::EventStoreOptions{}.commit_timeout);
  EXPECT_EQ(gbrt::app::run_options(vm).drain_timeout, gbrt::runtime::RunOptions{}.drain_timeout);
}

TEST(GbrtServerOptions, DurationsTakeAUnit) {
  const auto vm = parse({"--deadline", "8s", "--deadline", "space_view=250ms", "--idle-timeout",
                         "2min", "--drain-delay", "1s", "--stream-max-age", "7d",
                         "--store-group-ms", "5", "--dedup-window", "1h"});
  const auto runtime = gbrt::app::runtime_options(vm);
  EXPECT_EQ(runtime.deadline, 8000ms);
  EXPECT_EQ(runtime.deadline_per_type.at("space_view"), 250ms);
  EXPECT_EQ(runtime.dedup_window, 3600s);
  EXPECT_EQ(gbrt::app::server_options(vm).idle_timeout, 120s);
  EXPECT_EQ(gbrt::app::run_options(vm).drain_delay, 1000ms);
  EXPECT_EQ(gbrt::app::jetstream_options(vm).max_age, std::chrono::hours(24 * 7));
  EXPECT_EQ(gbrt::app::event_store_options(vm).group_wait, 5ms);
}

// The spellings written before units were accepted: a bare number in the option's unit.
TEST(GbrtServerOptions, BareNumbersKeepEachOptionsOldUnit) {
  const auto vm = parse({"--deadline", "3000", "--header-timeout", "7", "--body-timeout", "9",
                         "--forward-timeout", "1500", "--duplicate-window", "60",
                         "--record-flush-interval", "20"});
  EXPECT_EQ(gbrt::app::runtime_options(vm).deadline, 3000ms);
  const auto server = gbrt::app::server_options(vm);
  EXPECT_EQ(server.header_timeout, 7s);
  EXPECT_EQ(server.body_timeout, 9s);
  EXPECT_EQ(server.record.flush_interval, 20ms);
  EXPECT_EQ(gbrt::app::publisher_options(vm).timeout, 1500ms);
  EXPECT_EQ(gbrt::app::jetstream_options(vm).duplicate_window, 60s);
}

TEST(GbrtServerOptions, MalformedDurationsAreRefused) {
  EXPECT_THROW(parse({"--header-timeout", "1500ms"}), po::error);  // not whole seconds
  EXPECT_THROW(parse({"--drain-delay", "5 s"}), po::error);
  EXPECT_THROW(parse({"--drain-delay", "5sec"}), po::error);
  EXPECT_THROW(parse({"--drain-delay", "-5"}), po::error);
  EXPECT_THROW(parse({"--drain-delay", "ms"}), po::error);
}

TEST(ParseDuration, UnitsAndBaseUnit) {
  using gbrt::app::parse_duration;
  EXPECT_EQ(parse_duration("250", 1ms), 250ms);
  EXPECT_EQ(parse_duration("250", 1000ms), 250s);
  EXPECT_EQ(parse_duration("250ms", 1000ms), std::nullopt);
  EXPECT_EQ(parse_duration("2000ms", 1000ms), 2s);
  EXPECT_EQ(parse_duration("3min", 1ms), 180s);
  EXPECT_EQ(parse_duration("2h", 1ms), 7200s);
  EXPECT_EQ(parse_duration("1d", 1000ms), std::chrono::hours(24));
  EXPECT_EQ(parse_duration("", 1ms), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999", 1ms), std::nullopt);
  EXPECT_EQ(parse_duration("999999999999999999d", 1ms), std::nullopt);  // overflows
}

}  // namespace

TEST(GbrtServerOptions, StoreWriteIsCopyOrInsert) {
  EXPECT_EQ(gbrt::app::event_store_options(parse({})).write, gbrt::pg::StoreWrite::insert);
  EXPECT_EQ(gbrt::app::event_store_options(parse({"--store-write", "copy"})).write,
            gbrt::pg::StoreWrite::copy);
  EXPECT_THROW(gbrt::app::event_store_options(parse({"--store-write", "upsert"})),
               std::runtime_error);
}
