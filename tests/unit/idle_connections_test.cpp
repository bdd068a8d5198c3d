// IdleConnections: which connection gives up its slot when every slot is taken.
#include "http/idle_connections.hpp"

#include <catch2/catch.hpp>
#include <memory>

using spe::http::IdleConnections;

namespace {

struct FakeConnection : IdleConnections::Connection {
  void evict() override { ++evictions; }
  int evictions = 0;
  IdleConnections::Entry entry;
};

}  // namespace

TEST_CASE("the connection idle longest is taken first; busy ones never", "[unit][web]") {
  IdleConnections idle;
  auto a = std::make_shared<FakeConnection>();
  auto b = std::make_shared<FakeConnection>();
  auto c = std::make_shared<FakeConnection>();
  idle.enter(a->entry, a);
  idle.enter(b->entry, b);
  idle.enter(c->entry, c);
  idle.enter(a->entry, a);  // still waiting: keeps its place
  CHECK(idle.size() == 3);
  CHECK(idle.leave(b->entry));  // b got a request: busy
  CHECK(idle.take_oldest() == a);
  CHECK(idle.take_oldest() == c);
  CHECK(idle.take_oldest() == nullptr);  // only b is left, and it is busy
  CHECK(idle.size() == 0);
  // An evicted connection learns it when its request comes, and does not come back.
  CHECK_FALSE(idle.leave(a->entry));
  idle.enter(a->entry, a);
  CHECK(idle.size() == 0);
  // b waits again (keep-alive): it is idle, last in line.
  idle.enter(b->entry, b);
  CHECK(idle.take_oldest() == b);
}

TEST_CASE("a connection being destroyed is skipped, not returned", "[unit][web]") {
  IdleConnections idle;
  IdleConnections::Entry gone_entry;
  {
    auto gone = std::make_shared<FakeConnection>();
    idle.enter(gone_entry, gone);
  }  // its last owner let go; its destructor has not reached leave() yet
  auto d = std::make_shared<FakeConnection>();
  idle.enter(d->entry, d);
  CHECK(idle.take_oldest() == d);
  CHECK_FALSE(idle.leave(gone_entry));  // its own leave() finds nothing left to do
  CHECK(idle.size() == 0);
}
