// The nesting limit in front of toml++: what counts as a level (dotted keys, table headers, inline
// tables, arrays) and what does not (dots and brackets in strings and comments), and that text too
// deep for the parser is an error with its position instead of a crash.
#include "config/toml_parse.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace {

std::string repeat(const std::string& part, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += part;
  return out;
}

// "line:column" of the first place deeper than `max`, or "" when there is none.
std::string too_deep(const std::string& text, std::size_t max = 3) {
  const auto at = spe::find_deep_nesting(text, "f.toml", max);
  return at ? std::to_string(at->line) + ":" + std::to_string(at->column) : "";
}

}  // namespace

TEST_CASE("toml nesting: every way of nesting counts, up to the limit", "[unit][toml]") {
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"a.b.c = 1\n", ""},
      {"a.b.c.d = 1\n", "1:6"},
      {"a . b . c . d = 1\n", "1:11"},
      {"[a.b.c]\nx = 1\n", "2:3"},
      {"[a.b]\nx = 1\n", ""},
      {"[a.b.c.d]\n", "1:1"},
      {"[[a.b]]\nx = 1\n", "2:3"},
      {"[[a]]\nx = 1\n", ""},
      {"a = {b = {c = 1}}\n", ""},
      {"a = {b = {c = {d = 1}}}\n", "1:18"},
      {"a = {b = {c.d = 1}}\n", "1:12"},
      {"a = [[[1]]]\n", "1:7"},
      {"a = [[1]]\n", ""},
      {"a = [\n  [\n    [\n      1]]]\n", "3:5"},
      {"a = [{b = [1]}, {c = 1}]\n", "1:11"},
      {"a = [{b = 1}, {c = 1}, 2]\n", ""},
      {"a = [1, 2]\nb.c.d = 1\n", ""},
      {"[x]\na = {}\nb = []\nc.d = 1\n", ""},
      {"[x.y]\nz = 1\n[a]\nb.c = 1\n", ""},
  }));
  CAPTURE(text);
  CHECK(too_deep(text) == expected);
}

TEST_CASE("toml nesting: dots and brackets in strings and comments do not count", "[unit][toml]") {
  const std::string text =
      GENERATE(as<std::string>{}, "a = \"" + repeat(".[{", 100) + "\"\n", "a = '" + repeat(".[{", 100) + "'\n",
               "a = \"\"\"\n" + repeat(".[{\n", 100) + "\"\"\"\nb = 1\n", "a = '''" + repeat(".[{", 100) + "'''\n",
               "a = \"\\\"" + repeat(".[", 100) + "\"\n", "a = \"\"\"x\"\"\"\"\nb.c = '" + repeat("[", 100) + "'\n",
               "# " + repeat(".[{", 100) + "\na = 1\n", "a = 1 # " + repeat("[{", 100) + "\n",
               "\"" + repeat("a.", 100) + "\" = 1\n", "[\"" + repeat("a.", 100) + "\"]\nb = 1\n",
               "a = [ # [[[[\n  1, # {{{{\n]\n", "a = 1.5\nb = 2021-01-01T00:00:00.123Z\n");
  CAPTURE(text);
  CHECK(too_deep(text) == "");
}

TEST_CASE("toml nesting: a file far too deep is an error before the parser sees it", "[unit][toml]") {
  const auto [text, expected] = GENERATE_COPY(table<std::string, std::string>({
      {"x" + repeat(".a", 50000) + " = 1\n",
       "TOML nesting: keys, tables and arrays nested more than 64 levels deep at f.toml:1:128"},
      {"x = " + repeat("[", 50000) + repeat("]", 50000) + "\n",
       "TOML nesting: keys, tables and arrays nested more than 64 levels deep at f.toml:1:68"},
      {"x = " + repeat("{a = ", 50000) + "1" + repeat("}", 50000) + "\n",
       "TOML nesting: keys, tables and arrays nested more than 64 levels deep at f.toml:1:323"},
      {"[x" + repeat(".a", 50000) + "]\n",
       "TOML nesting: keys, tables and arrays nested more than 64 levels deep at f.toml:1:1"},
      {"x = 1\ny = [1,\n", "TOML syntax error: "},
  }));
  const auto parsed = spe::parse_toml_text(text, "f.toml");
  REQUIRE_FALSE(parsed);
  CAPTURE(parsed.error().to_string());
  CHECK(parsed.error().to_string().starts_with(expected));
  CHECK(parsed.error().where.has_value());
}

TEST_CASE("toml nesting: text within the limit parses as before", "[unit][toml]") {
  const auto parsed = spe::parse_toml_text("a" + repeat(".a", 63) + " = 1\n[t]\nx = [[1], {y = \"[.\"}]\n", "f.toml");
  REQUIRE(parsed);
  CHECK(parsed->at_path("t.x[1].y").value<std::string>() == "[.");
}
