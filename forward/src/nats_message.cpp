#include "nats_message.hpp"

#include <dlfcn.h>

namespace gbrt::forward {

void destroy_now(natsMsg* msg) noexcept {
  using Free = void (*)(void*);  // the collector's callback type (natsGCItem::freeCb)
  static const Free free_now = reinterpret_cast<Free>(::dlsym(RTLD_DEFAULT, "natsMsg_free"));
  if (msg == nullptr) return;
  if (free_now != nullptr) {
    free_now(msg);
  } else {
    natsMsg_Destroy(msg);
  }
}

}  // namespace gbrt::forward
