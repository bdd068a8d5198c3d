#include <chrono>
#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "util/duration.hpp"

using std::chrono::milliseconds;

TEST_CASE("durations in the Prometheus spelling parse to milliseconds", "[unit][duration]") {
  const auto [text, expected_ms] = GENERATE(table<std::string, std::int64_t>({
      {"10s", 10'000},
      {"1500ms", 1'500},
      {"1m30s", 90'000},
      {"0.5s", 500},
      {"1.5m", 90'000},
      {"2.50s", 2'500},
      {"0.001s", 1},
      {"1h", 3'600'000},
      {"2h45m", 9'900'000},
      {"1d", 86'400'000},
      {"1w", 604'800'000},
      {"1y", 31'536'000'000},
      {"1y2w3d4h5m6s7ms", 31'536'000'000 + 1'209'600'000 + 259'200'000 + 14'400'000 + 300'000 + 6'000 + 7},
      {"0s", 0},
      {"0", 0},
      {"007s", 7'000},
  }));
  CAPTURE(text);
  const auto parsed = spe::parse_duration(text);
  INFO((parsed ? std::string() : parsed.error().message));
  REQUIRE(parsed.has_value());
  CHECK(parsed->count() == expected_ms);
}

TEST_CASE("malformed durations are rejected with a message quoting the input", "[unit][duration]") {
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"", "invalid duration \"\": empty"},
      {"5x", "invalid duration \"5x\": unknown unit \"x\""},
      {"10S", "invalid duration \"10S\": unknown unit \"S\""},
      {"10", "invalid duration \"10\": missing unit (one of ms, s, m, h, d, w, y)"},
      {"5 s", "invalid duration \"5 s\": missing unit (one of ms, s, m, h, d, w, y)"},
      {"-5s", "invalid duration \"-5s\": must not be negative"},
      {"s", "invalid duration \"s\": expected a number at \"s\""},
      {" 5s", "invalid duration \" 5s\": expected a number at \" 5s\""},
      {"5s ", "invalid duration \"5s \": expected a number at \" \""},
      {".5s", "invalid duration \".5s\": expected a number at \".5s\""},
      {"1.s", "invalid duration \"1.s\": expected digits after the decimal point"},
      {"30s1m", "invalid duration \"30s1m\": units must go from largest to smallest, each at most once"},
      {"1s1s", "invalid duration \"1s1s\": units must go from largest to smallest, each at most once"},
      {"0.5ms", "invalid duration \"0.5ms\": finer than a millisecond"},
      {"1.0001s", "invalid duration \"1.0001s\": finer than a millisecond"},
      {"0.0000000000000001y", "invalid duration \"0.0000000000000001y\": finer than a millisecond"},
      {"300000000y", "invalid duration \"300000000y\": too large"},
      {"999999999999999999999ms", "invalid duration \"999999999999999999999ms\": too large"},
  }));
  CAPTURE(text);
  const auto parsed = spe::parse_duration(text);
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().code == spe::ErrorCode::invalid_argument);
  CHECK(parsed.error().message == expected);
}

TEST_CASE("durations format in the Prometheus spelling", "[unit][duration]") {
  const auto [ms, expected] = GENERATE(table<std::int64_t, std::string>({
      {0, "0s"},
      {10'000, "10s"},
      {1'500, "1500ms"},
      {61'500, "61500ms"},
      {90'000, "1m30s"},
      {3'600'000, "1h"},
      {86'400'000, "1d"},
      {8 * 86'400'000LL, "8d"},  // weeks only when exact, as Prometheus prints
      {604'800'000, "1w"},
      {31'536'000'000, "1y"},
      {31'536'000'000 + 86'400'000, "366d"},
      {93'784'000, "1d2h3m4s"},
  }));
  CAPTURE(ms);
  CHECK(spe::format_duration(milliseconds(ms)) == expected);
}

TEST_CASE("a formatted duration parses back to the same value", "[unit][duration]") {
  const std::int64_t ms = GENERATE(as<std::int64_t>{}, 1, 999, 1'000, 59'999, 60'000, 3'599'000, 93'784'005,
                                   1'209'600'000, 31'536'000'000 * 3);
  const std::string text = spe::format_duration(milliseconds(ms));
  CAPTURE(ms, text);
  const auto parsed = spe::parse_duration(text);
  REQUIRE(parsed.has_value());
  CHECK(parsed->count() == ms);
}
