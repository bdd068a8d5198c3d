#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "probe/deadline.hpp"

using namespace std::chrono_literals;
using spe::effective_timeout;

TEST_CASE("without the scrape-timeout header the module timeout is the timeout", "[unit][deadline]") {
  const auto timeout = effective_timeout(10s, std::nullopt, 500ms);
  REQUIRE(timeout.has_value());
  CHECK(*timeout == 10s);
}

TEST_CASE("the timeout is header minus offset, or the header when that is not positive, capped by the module",
          "[unit][deadline]") {
  // module ms, header, offset ms -> expected ms
  const auto [module_ms, header, offset_ms, expected_ms] = GENERATE(table<int, std::string, int, int>({
      {10000, "5", 500, 4500},
      {10000, "9.5", 500, 9000},
      {10000, "10", 0, 10000},
      {10000, "15", 500, 10000},    // capped by the module
      {10000, "10.5", 500, 10000},  // exactly the module timeout
      {10000, "0.5", 500, 500},     // header - offset = 0: the header itself
      {10000, "0.3", 500, 300},     // header - offset < 0: the header itself
      {200, "0.3", 500, 200},       // ... still capped by the module
      {10000, "1.2349", 0, 1234},   // rounded down to milliseconds
      {10000, ".25", 0, 250},
      {10000, "3.", 0, 3000},
      {10000, "007", 0, 7000},
      {10000, " 5 ", 0, 5000},  // optional whitespace around a header value
      {10000, "99999999999999999999999", 500, 10000},
  }));
  CAPTURE(module_ms, header, offset_ms);
  const auto timeout = effective_timeout(std::chrono::milliseconds(module_ms), header,
                                         std::chrono::milliseconds(offset_ms));
  REQUIRE(timeout.has_value());
  CHECK(timeout->count() == expected_ms);
}

TEST_CASE("a scrape-timeout header that is not a positive decimal is invalid_argument", "[unit][deadline]") {
  const auto header = GENERATE(as<std::string>{}, "", "0", "0.000", "-5", "+5", "abc", "5s", "1e3", "inf", "nan", ".",
                               "1.2.3", "0x10", "5,5");
  CAPTURE(header);
  const auto timeout = effective_timeout(10s, header, 500ms);
  REQUIRE_FALSE(timeout.has_value());
  CHECK(timeout.error().code == spe::ErrorCode::invalid_argument);
  CHECK(timeout.error().message ==
        "invalid X-Prometheus-Scrape-Timeout-Seconds \"" + header + "\": expected a positive number of seconds");
}

TEST_CASE("a scrape-timeout header below one millisecond is refused, not rounded to no time at all",
          "[unit][deadline]") {
  const auto header = GENERATE(as<std::string>{}, "0.0001", "0.0009", ".0009999", "0.000999999999999");
  CAPTURE(header);
  const auto timeout = effective_timeout(10s, header, 500ms);
  REQUIRE_FALSE(timeout.has_value());
  CHECK(timeout.error().code == spe::ErrorCode::invalid_argument);
  CHECK(timeout.error().message == "invalid X-Prometheus-Scrape-Timeout-Seconds \"" + header +
                                       "\": below the 1 ms resolution of probe timeouts (expected at least 0.001)");
  // One millisecond is the least there is.
  CHECK(effective_timeout(10s, std::string("0.001"), 500ms).value() == 1ms);
  CHECK(effective_timeout(10s, std::string("0.0019"), 0ms).value() == 1ms);
}
