#include <catch2/catch.hpp>

#include <chrono>

#include "probe/probe_log.hpp"

using namespace spe;

TEST_CASE("probe log lines put msg first and are timed from the probe's start", "[unit][probe_log]") {
  const auto start = std::chrono::steady_clock::now() - std::chrono::seconds(5);
  ProbeLog log(start);
  log.add("debug", "connected", {{"address", "127.0.0.1:22"}});
  log.add("info", "probe failed", {});
  const auto lines = log.take();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].level == "debug");
  CHECK(lines[0].fields == LogFields{{"msg", "connected"}, {"address", "127.0.0.1:22"}});
  CHECK(lines[0].elapsed >= std::chrono::seconds(5));
  CHECK(lines[1].level == "info");
  CHECK(lines[1].fields == LogFields{{"msg", "probe failed"}});
  CHECK(lines[1].elapsed >= lines[0].elapsed);
  CHECK(log.take().empty());
}
