#include "connection_options.hpp"

#include <vector>

namespace gbrt::forward {

natsStatus set_connection_options(natsOptions* opts, const JetStreamOptions& options,
                                  const char* name) {
  std::vector<const char*> servers;
  for (const auto& url : options.servers) servers.push_back(url.c_str());
  natsStatus s = natsOptions_SetServers(opts, servers.data(), int(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts, name);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 250);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, 2000);
  if (s == NATS_OK) s = natsOptions_SetIOBufSize(opts, 1 << 20);
  return s;
}

}  // namespace gbrt::forward
