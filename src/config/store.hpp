// ConfigStore: the current config snapshot. Readers take a shared_ptr<const> and keep it for the
// whole request; replace() swaps the pointer, so probes in flight finish on the config they
// started with. Thread-safe.
#pragma once

#include <mutex>
#include <utility>

#include "config/model.hpp"

namespace spe {

class ConfigStore {
 public:
  explicit ConfigStore(ConfigSnapshot initial) : current_(std::move(initial)) {}

  ConfigSnapshot current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  void replace(ConfigSnapshot next) {
    std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  ConfigSnapshot current_;
};

}  // namespace spe
