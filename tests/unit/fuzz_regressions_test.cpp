// Inputs the libFuzzer targets of tests/fuzz found, each with the behaviour it now has. A new crash
// from scripts/fuzz.sh becomes a case here beside its fix.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "util/target.hpp"

using namespace std::string_literals;

TEST_CASE("a NUL byte inside an address never passes for the address before it", "[unit][target][fuzz]") {
  // inet_pton reads up to the NUL: "[::1\0...]" was taken for the IPv6 literal ::1 with the junk
  // kept in the host, which then printed back as a different target (fuzz_target).
  const auto input = GENERATE("[::1\0\0:::2::0]"s, "::1\0::::2::0]"s, "127.0.0.1\0x"s, "[::1\0]:22"s, "1.2.3.4\0:22"s);
  CAPTURE(input);
  const auto target = spe::parse_target(input);
  REQUIRE_FALSE(target.has_value());
  CHECK(target.error().code == spe::ErrorCode::invalid_argument);
}
