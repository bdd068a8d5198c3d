#include <catch2/catch.hpp>

#include "probe/readiness.hpp"

using namespace spe;

TEST_CASE("a write wait goes on at once while the socket is writable, up to the bound", "[unit][readiness]") {
  ReadinessPolicy policy;
  for (int i = 0; i < ReadinessPolicy::kMaxImmediateWrites; ++i) {
    REQUIRE(policy.may_skip_write_wait());
    REQUIRE(policy.write_wanted(true) == SocketWait::none);
  }
  // Then the reactor decides, however writable the socket says it is.
  CHECK_FALSE(policy.may_skip_write_wait());
  CHECK(policy.write_wanted(true) == SocketWait::writable);
  CHECK(policy.write_wanted(true) == SocketWait::writable);
}

TEST_CASE("a write wait on a socket that is not writable waits in the reactor", "[unit][readiness]") {
  ReadinessPolicy policy;
  CHECK(policy.write_wanted(false) == SocketWait::writable);
  // A reactor wait does not use up the run of immediate writes.
  for (int i = 0; i < ReadinessPolicy::kMaxImmediateWrites; ++i)
    REQUIRE(policy.write_wanted(true) == SocketWait::none);
  CHECK(policy.write_wanted(true) == SocketWait::writable);
}

TEST_CASE("a read wait goes on at once when bytes are buffered, else waits readable", "[unit][readiness]") {
  ReadinessPolicy policy;
  CHECK(policy.read_wanted(true) == SocketWait::none);
  CHECK(policy.read_wanted(false) == SocketWait::readable);
}

TEST_CASE("every read wait starts a new run of immediate writes", "[unit][readiness]") {
  ReadinessPolicy policy;
  for (int i = 0; i < ReadinessPolicy::kMaxImmediateWrites; ++i)
    REQUIRE(policy.write_wanted(true) == SocketWait::none);
  REQUIRE_FALSE(policy.may_skip_write_wait());
  CHECK(policy.read_wanted(false) == SocketWait::readable);
  CHECK(policy.may_skip_write_wait());
  CHECK(policy.write_wanted(true) == SocketWait::none);
}
