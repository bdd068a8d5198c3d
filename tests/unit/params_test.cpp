#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "probe/params.hpp"

using spe::parse_probe_params;
using spe::url_decode;

TEST_CASE("url_decode turns %XX into bytes and + into space", "[unit][params]") {
  const auto [input, expected] = GENERATE(table<std::string, std::string>({
      {"", ""},
      {"plain", "plain"},
      {"db1%3A22", "db1:22"},
      {"%5B2001%3Adb8%3A%3A1%5D%3A22", "[2001:db8::1]:22"},
      {"a+b", "a b"},
      {"%2B", "+"},
      {"%2b%2F", "+/"},
      {"%25", "%"},
      {"%00", std::string(1, '\0')},
  }));
  CAPTURE(input);
  const auto decoded = url_decode(input);
  REQUIRE(decoded.has_value());
  CHECK(*decoded == expected);
}

TEST_CASE("url_decode refuses incomplete and non-hex escapes", "[unit][params]") {
  const auto [input, message] = GENERATE(table<std::string, std::string>({
      {"%", "invalid percent escape \"%\""},
      {"ab%2", "invalid percent escape \"%2\""},
      {"%zz", "invalid percent escape \"%zz\""},
      {"%2g-rest", "invalid percent escape \"%2g\""},
  }));
  CAPTURE(input);
  const auto decoded = url_decode(input);
  REQUIRE_FALSE(decoded.has_value());
  CHECK(decoded.error().code == spe::ErrorCode::invalid_argument);
  CHECK(decoded.error().message == message);
}

TEST_CASE("probe params give target, module (default \"default\") and debug", "[unit][params]") {
  const auto [query, target_text, host, port, module,
              debug] = GENERATE(table<std::string, std::string, std::string, int, std::string, bool>({
      {"target=db1", "db1", "db1", 0, "default", false},
      {"target=db1%3A2222&module=disk", "db1:2222", "db1", 2222, "disk", false},
      {"module=disk&target=db1&debug=true", "db1", "db1", 0, "disk", true},
      {"target=db1&debug=false", "db1", "db1", 0, "default", false},
      {"target=db1&debug=1", "db1", "db1", 0, "default", true},
      {"target=db1&debug=0", "db1", "db1", 0, "default", false},
      {"target=%5B2001%3Adb8%3A%3A1%5D%3A22", "[2001:db8::1]:22", "2001:db8::1", 22, "default", false},
      {"target=[::1]:22", "[::1]:22", "::1", 22, "default", false},
      {"&&target=db1&", "db1", "db1", 0, "default", false},
      {"target=db1&foo=1&foo=2&bare", "db1", "db1", 0, "default", false},
      {"target=db1&module=a+b", "db1", "db1", 0, "a b", false},
  }));
  CAPTURE(query);
  const auto params = parse_probe_params(query);
  REQUIRE(params.has_value());
  CHECK(params->target_text == target_text);
  CHECK(params->target.host == host);
  CHECK(params->target.port.value_or(0) == port);
  CHECK(params->module == module);
  CHECK(params->debug == debug);
}

TEST_CASE("bad probe params are invalid_argument with a one-line reason", "[unit][params]") {
  const auto [query, message] = GENERATE(table<std::string, std::string>({
      {"", "missing parameter \"target\""},
      {"module=disk", "missing parameter \"target\""},
      {"target=", "missing parameter \"target\""},
      {"target", "missing parameter \"target\""},
      {"target=a+b", "invalid target \"a b\": invalid character ' ' in host name"},
      {"target=host%3A0", "invalid target \"host:0\": invalid port \"0\": out of range 1-65535"},
      {"target=root%40db1",
       "invalid target \"root@db1\": a user name is not allowed in the target; the user "
       "comes from the module"},
      {"target=db1&target=db2", "repeated parameter \"target\""},
      {"target=db1&module=a&module=b", "repeated parameter \"module\""},
      {"target=db1&debug=true&debug=true", "repeated parameter \"debug\""},
      {"target=db1&module=", "empty parameter \"module\""},
      {"target=db1&debug=yes", "invalid debug \"yes\": expected true or false"},
      {"target=db1&debug=", "invalid debug \"\": expected true or false"},
      {"target=db1&debug=TRUE", "invalid debug \"TRUE\": expected true or false"},
      {"target=db%zz", "invalid parameter \"target\": invalid percent escape \"%zz\""},
      {"tar%get=db1", "invalid query string: invalid percent escape \"%ge\""},
  }));
  CAPTURE(query);
  const auto params = parse_probe_params(query);
  REQUIRE_FALSE(params.has_value());
  CHECK(params.error().code == spe::ErrorCode::invalid_argument);
  CHECK(params.error().message == message);
}

TEST_CASE("a bad probe param names the parameter at fault", "[unit][params]") {
  using spe::ProbeParam;
  const auto [query, parameter] = GENERATE(table<std::string, ProbeParam>({
      {"module=disk", ProbeParam::target},
      {"target=db1&target=db2", ProbeParam::target},
      {"target=a%3Ab%3Ac", ProbeParam::target},
      {"target=db%zz", ProbeParam::target},
      {"target=db1&module=a&module=b", ProbeParam::module},
      {"target=db1&module=", ProbeParam::module},
      {"target=db1&debug=yes", ProbeParam::debug},
      {"tar%get=db1", ProbeParam::query},
      // With several faults, the target's is named.
      {"module=&debug=yes&target=", ProbeParam::target},
  }));
  CAPTURE(query);
  const auto params = parse_probe_params(query);
  REQUIRE_FALSE(params.has_value());
  CHECK(params.error().parameter == parameter);
}

TEST_CASE("QueryString: one value per name, decoded; repeats and bad escapes named", "[unit][params]") {
  const auto parsed = spe::QueryString::parse("id=4%32&x=1&x=2&bad=%zz&&bare");
  REQUIRE(parsed.has_value());
  const auto id = parsed->single("id");
  REQUIRE(id.has_value());
  CHECK(*id == std::optional<std::string>("42"));
  const auto bare = parsed->single("bare");
  REQUIRE(bare.has_value());
  CHECK(*bare == std::optional<std::string>(""));
  const auto absent = parsed->single("absent");
  REQUIRE(absent.has_value());
  CHECK_FALSE(absent->has_value());
  CHECK(parsed->single("x").error().message == "repeated parameter \"x\"");
  CHECK(parsed->single("bad").error().message == "invalid parameter \"bad\": invalid percent escape \"%zz\"");
  CHECK(spe::QueryString::parse("a%zz=1").error().message == "invalid query string: invalid percent escape \"%zz\"");
}
