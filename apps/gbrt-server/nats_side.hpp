// gbrt-server's NATS JetStream side (--nats): the connection, the publisher of --ack
// TYPE=forwarded and the worker's consumer (--consume), made from the options.
#pragma once

#include <memory>

#include <boost/program_options/variables_map.hpp>

#include <gbrt/forward/consumer.hpp>
#include <gbrt/forward/jetstream.hpp>
#include <gbrt/forward/publisher.hpp>
#include <gbrt/runtime/runtime.hpp>

namespace gbrt::app {

// What gbrt-server's NATS side is made of, when it has one.
struct NatsSide {
  std::unique_ptr<forward::JetStream> jetstream;
  std::unique_ptr<forward::Publisher> publisher;
  std::unique_ptr<forward::Consumer> consumer;
  ~NatsSide() {  // in this order: the consumer publishes dead letters through the publisher
    consumer.reset();
    publisher.reset();
    jetstream.reset();
  }
};

// Connects, creates the stream and the consumer as the flags ask; nothing without --nats.
void start_nats_side(const boost::program_options::variables_map& vm, Runtime& runtime,
                     NatsSide& side);

}  // namespace gbrt::app
