#include "nats_side.hpp"

#include <stdexcept>
#include <string>

#include "options.hpp"

namespace gbrt::app {

void start_nats_side(const boost::program_options::variables_map& vm, Runtime& runtime,
                     NatsSide& side) {
  bool forwards = false;
  for (const auto& [type, mode] : runtime.options().ack_per_type) {
    forwards = forwards || mode == gbrt::runtime::AckMode::forwarded;
  }
  const bool consume = vm["consume"].as<bool>();
  if (!forwards && !consume) return;
  if (!vm.count("nats")) {
    throw std::runtime_error(std::string(consume ? "--consume" : "--ack TYPE=forwarded") +
                             " needs --nats URL[,URL...]");
  }
  forward::JetStreamOptions js = jetstream_options(vm);
  if (js.servers.empty()) throw std::runtime_error("--nats holds no URL");
  side.jetstream = std::make_unique<forward::JetStream>(js);
  side.publisher =
      std::make_unique<forward::Publisher>(*side.jetstream, runtime, publisher_options(vm));
  runtime.forward_to(*side.publisher);
  if (consume) {
    side.consumer = std::make_unique<forward::Consumer>(*side.jetstream, runtime, *side.publisher,
                                                        consumer_options(vm));
  }
}

}  // namespace gbrt::app
