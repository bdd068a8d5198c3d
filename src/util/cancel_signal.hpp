// CancelSignal: a one-shot "stop now" from whoever waits for a piece of work to the work itself
// (the HTTP session tells a probe that its client has gone, as Go's request context does for
// blackbox_exporter). Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <utility>

namespace spe {

class CancelSignal {
 public:
  // Sets what cancel() runs, replacing any earlier handler. Registered after cancel(), the handler
  // runs at once on the calling thread.
  void on_cancel(std::function<void()> handler) {
    {
      const std::lock_guard lock(mutex_);
      if (!cancelled_) {
        handler_ = std::move(handler);
        return;
      }
    }
    if (handler) handler();
  }

  // Runs the handler once, on the calling thread; later calls do nothing.
  void cancel() {
    std::function<void()> handler;
    {
      const std::lock_guard lock(mutex_);
      if (cancelled_) return;
      cancelled_ = true;
      handler = std::move(handler_);
    }
    if (handler) handler();
  }

  bool cancelled() const {
    const std::lock_guard lock(mutex_);
    return cancelled_;
  }

 private:
  mutable std::mutex mutex_;
  std::function<void()> handler_;
  bool cancelled_ = false;
};

}  // namespace spe
