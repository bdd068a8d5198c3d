#include "probe/readiness.hpp"

namespace spe {

SocketWait ReadinessPolicy::write_wanted(bool writable_now) {
  if (writable_now && may_skip_write_wait()) {
    ++immediate_writes_;
    return SocketWait::none;
  }
  return SocketWait::writable;
}

SocketWait ReadinessPolicy::read_wanted(bool bytes_pending) {
  immediate_writes_ = 0;
  return bytes_pending ? SocketWait::none : SocketWait::readable;
}

}  // namespace spe
