// The HTTP connections that wait for a request (or for the TLS handshake before one, or for their
// own close), the one idle longest first. When every connection slot is taken, the server closes
// the connection idle longest to make room for a new one, as reverse proxies do, instead of
// refusing the newcomer: a client that holds thousands of idle connections loses its own, while a
// client that sends a request gets in. A connection busy with a request (a probe running, a
// password being checked, a response being written) is never taken. Thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

namespace spe::http {

class IdleConnections {
 public:
  // What the list can do to a connection it gives up.
  class Connection {
   public:
    // Gives up the connection's slot at once and closes it soon, on its own thread. Called from
    // any thread, at most once, after take_oldest() chose it.
    virtual void evict() = 0;

   protected:
    ~Connection() = default;
  };

  struct Entry;
  struct Node {
    std::weak_ptr<Connection> connection;
    Entry* entry;
  };
  // A connection's membership, a member of the connection; read and written under the list's lock.
  struct Entry {
    std::optional<std::list<Node>::iterator> at;  // set while in the list
    bool evicted = false;                         // take_oldest() chose it
  };

  // The connection starts (or goes on) waiting: appended unless it is in the list already or was
  // evicted. `entry` must stay valid until leave(entry) has returned.
  void enter(Entry& entry, std::weak_ptr<Connection> connection);
  // The connection is busy (or closed): off the list. False if it was evicted meanwhile: its slot
  // is someone else's, and it must not start on the request it read.
  bool leave(Entry& entry);
  // Takes the connection idle longest off the list and marks it evicted; null when none is idle.
  // The caller then calls its evict().
  std::shared_ptr<Connection> take_oldest();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::list<Node> idle_;  // oldest first
};

}  // namespace spe::http
