#include "http/idle_connections.hpp"

#include <utility>

namespace spe::http {

void IdleConnections::enter(Entry& entry, std::weak_ptr<Connection> connection) {
  const std::lock_guard lock(mutex_);
  if (entry.at || entry.evicted) return;
  entry.at = idle_.insert(idle_.end(), Node{std::move(connection), &entry});
}

bool IdleConnections::leave(Entry& entry) {
  const std::lock_guard lock(mutex_);
  if (entry.at) idle_.erase(*entry.at);
  entry.at.reset();
  return !entry.evicted;
}

std::shared_ptr<IdleConnections::Connection> IdleConnections::take_oldest() {
  const std::lock_guard lock(mutex_);
  while (!idle_.empty()) {
    Node oldest = std::move(idle_.front());
    idle_.pop_front();
    oldest.entry->at.reset();
    oldest.entry->evicted = true;
    // A connection that is being destroyed cannot be locked: it frees its slot by itself.
    if (auto connection = oldest.connection.lock()) return connection;
  }
  return nullptr;
}

std::size_t IdleConnections::size() const {
  const std::lock_guard lock(mutex_);
  return idle_.size();
}

}  // namespace spe::http
