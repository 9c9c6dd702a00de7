// gbrt-server's options: the Program_options tables (flags, GBRT_* variables and the
// --config file read the same ones) and the mapping from their values to the option structs.
#pragma once

#include <chrono>

#include <boost/program_options.hpp>

#include <gbrt/forward/consumer.hpp>
#include <gbrt/forward/jetstream.hpp>
#include <gbrt/forward/publisher.hpp>
#include <gbrt/net/server.hpp>
#include <gbrt/pg/event_store.hpp>
#include <gbrt/pg/pool.hpp>
#include <gbrt/runtime/options.hpp>
#include <gbrt/runtime/run.hpp>

namespace gbrt::app {

// Every option settable by a flag, a GBRT_* variable and the --config file. Each default is
// the one of the struct the option sets (RuntimeOptions{}, ServerOptions{}, ...), so it is
// written once; the few that only gbrt-server has are in options.cpp.
boost::program_options::options_description settable_options();
// --help, --version, --config, --print-config, --check-config, --store-migrate.
boost::program_options::options_description command_line_options();

// The option structs from the values read. Malformed items of repeatable options are
// skipped: check_config reports them before anything starts.
runtime::RuntimeOptions runtime_options(const boost::program_options::variables_map& vm);
net::ServerOptions server_options(const boost::program_options::variables_map& vm);  // no secrets
runtime::RunOptions run_options(const boost::program_options::variables_map& vm);    // the drain
forward::JetStreamOptions jetstream_options(const boost::program_options::variables_map& vm);
forward::PublisherOptions publisher_options(const boost::program_options::variables_map& vm);
forward::ConsumerOptions consumer_options(const boost::program_options::variables_map& vm);
pg::EventStoreOptions event_store_options(const boost::program_options::variables_map& vm);
pg::PoolOptions pool_options(const boost::program_options::variables_map& vm);
std::chrono::milliseconds store_startup_timeout(const boost::program_options::variables_map& vm);

}  // namespace gbrt::app
