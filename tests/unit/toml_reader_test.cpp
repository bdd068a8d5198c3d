// The TOML reader every config loader reads with: each getter's answer for a good value, a missing
// key and a wrong one, the key paths and file:line:column its errors carry, and the file order in
// which a file hands its errors back.
#include "config/toml_reader.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// A parsed file and a reader of its table [t] (or of the root when `path` is empty).
struct Parsed {
  spe::TomlFile file;
  toml::table root;
  explicit Parsed(const std::string& text, const std::string& name = "/etc/spe/f.toml")
      : file(name), root(*file.parse(text)) {}
  spe::TomlReader table(const std::string& key) { return spe::TomlReader(file, *root.get(key)->as_table(), key); }
  std::string errors() { return file.take_errors().to_string(); }
};

}  // namespace

TEST_CASE("toml reader: good values are read, missing keys are nullopt without an error", "[unit][toml]") {
  Parsed parsed(
      "[t]\n"
      "s = \"x\"\n"
      "i = 22\n"
      "n = 1.5\n"
      "b = true\n"
      "d = \"1m30s\"\n"
      "c = \"ip6\"\n"
      "p = \"keys/id\"\n"
      "a = [\"x\", \"y\"]\n"
      "r = \"^(?P<value>\\\\d+)$\"\n"
      "[[t.list]]\n"
      "k = 1\n"
      "[[t.list]]\n"
      "k = 2\n"
      "[t.sub]\n"
      "k = 3\n");
  auto t = parsed.table("t");
  constexpr std::array<std::string_view, 2> kChoices{"ip4", "ip6"};
  CHECK(t.string("s") == "x");
  CHECK(t.integer("i", 1, 65535) == 22);
  CHECK(t.number("n") == 1.5);
  CHECK(t.number("i") == 22.0);
  CHECK(t.boolean("b") == true);
  CHECK(t.duration("d") == std::chrono::seconds(90));
  CHECK(t.choice("c", kChoices) == "ip6");
  CHECK(t.file_path("p") == "/etc/spe/keys/id");
  const auto array = t.string_array("a");
  REQUIRE(array);
  REQUIRE(array->size() == 2);
  CHECK((*array)[1].first == "y");
  const auto regex = t.regex("r");
  REQUIRE(regex);
  CHECK(RE2::FullMatch("42", *regex));
  const auto list = t.tables("list");
  REQUIRE(list.size() == 2);
  CHECK(list[1].path() == "t.list[1]");
  CHECK(list[1].find("k")->value<int>() == 2);
  const auto sub = t.subtable("sub");
  REQUIRE(sub);
  CHECK(sub->key_path("k") == "t.sub.k");

  CHECK_FALSE(t.string("none"));
  CHECK_FALSE(t.integer("none", 0, 1));
  CHECK_FALSE(t.number("none"));
  CHECK_FALSE(t.boolean("none"));
  CHECK_FALSE(t.duration("none"));
  CHECK_FALSE(t.choice("none", kChoices));
  CHECK_FALSE(t.file_path("none"));
  CHECK_FALSE(t.string_array("none"));
  CHECK(t.regex("none") == nullptr);
  CHECK(t.tables("none").empty());
  CHECK_FALSE(t.subtable("none"));
  CHECK(t.errors() == 0);
  CHECK(parsed.errors().empty());
}

TEST_CASE("toml reader: a wrong value is nullopt and an error naming the key path and position", "[unit][toml]") {
  constexpr std::array<std::string_view, 2> kChoices{"ip4", "ip6"};
  const auto [text, read, expected] = GENERATE_COPY(table<std::string, std::string, std::string>({
      {"k = 1", "string", "t.k: must be a string at f.toml:2:5"},
      {"k = \"\"", "string", "t.k: must not be empty at f.toml:2:5"},
      {"k = 0", "integer", "t.k: must be an integer from 1 to 65535 at f.toml:2:5"},
      {"k = \"1\"", "integer", "t.k: must be an integer from 1 to 65535 at f.toml:2:5"},
      {"k = nan", "number", "t.k: must be a finite number at f.toml:2:5"},
      {"k = \"yes\"", "boolean", "t.k: must be a boolean (true or false) at f.toml:2:5"},
      {"k = 10", "duration", "t.k: must be a duration string such as \"10s\" at f.toml:2:5"},
      {"k = \"0s\"", "duration", "t.k: must be greater than 0 at f.toml:2:5"},
      {"k = \"ip5\"", "choice", "t.k: must be \"ip4\" or \"ip6\" at f.toml:2:5"},
      {"k = \"(\"", "regex", "t.k: missing ): ( at f.toml:2:5"},
      {"k = \"a\"", "string_array", "t.k: must be an array of strings at f.toml:2:5"},
      {"k = []", "string_array", "t.k: must not be empty at f.toml:2:5"},
      {"k = 1", "tables", "t.k: must be an array of tables ([[t.k]]) at f.toml:2:5"},
      {"k = 1", "subtable", "t.k: must be a table at f.toml:2:5"},
  }));
  INFO(text);
  Parsed parsed("[t]\n" + text + "\n", "f.toml");
  auto t = parsed.table("t");
  bool answered = false;
  if (read == "string") answered = t.string("k").has_value();
  if (read == "integer") answered = t.integer("k", 1, 65535).has_value();
  if (read == "number") answered = t.number("k").has_value();
  if (read == "boolean") answered = t.boolean("k").has_value();
  if (read == "duration") answered = t.duration("k").has_value();
  if (read == "choice") answered = t.choice("k", kChoices).has_value();
  if (read == "regex") answered = t.regex("k") != nullptr;
  if (read == "string_array") answered = t.string_array("k").has_value();
  if (read == "tables") answered = !t.tables("k").empty();
  if (read == "subtable") answered = t.subtable("k").has_value();
  CHECK_FALSE(answered);
  CHECK(t.errors() == 1);
  CHECK(parsed.errors() == expected);
}

TEST_CASE("toml reader: a wrong element of an array is left out and blamed by its index", "[unit][toml]") {
  Parsed parsed("[t]\nstrings = [\"a\", 2, \"c\"]\nlist = [{k = 1}, 2]\n", "f.toml");
  auto t = parsed.table("t");
  const auto strings = t.string_array("strings");
  REQUIRE(strings);
  REQUIRE(strings->size() == 2);
  CHECK((*strings)[0].first == "a");
  CHECK((*strings)[1].first == "c");
  const auto list = t.tables("list");
  REQUIRE(list.size() == 1);
  CHECK(list[0].path() == "t.list[0]");
  CHECK(t.errors() == 2);
  CHECK(parsed.errors() ==
        "t.strings[1]: must be a string at f.toml:2:17\n"
        "t.list[1]: must be a table at f.toml:3:18");
}

TEST_CASE("toml reader: unknown keys, keys that exclude or need another, and required ones", "[unit][toml]") {
  Parsed parsed("[t]\npassword = \"a\"\npassword_file = \"b\"\npassphrase = \"c\"\ntypo = 1\n", "f.toml");
  auto t = parsed.table("t");
  constexpr std::array<std::string_view, 4> kKnown{"name", "password", "password_file", "passphrase"};
  t.check_keys(kKnown);
  t.exclusive("password_file", "password");
  t.exclusive("password", "none");
  t.requires_key("passphrase", "private_key");
  t.requires_key("password", "password_file");
  CHECK_FALSE(t.required_string("name"));
  CHECK(t.errors() == 4);
  CHECK(parsed.errors() ==
        "t: name is required at f.toml:1:1\n"
        "t.password_file: cannot be used together with password at f.toml:3:17\n"
        "t.passphrase: needs private_key at f.toml:4:14\n"
        "t.typo: unknown key at f.toml:5:1");
}

TEST_CASE("toml reader: at the root a key path is the key, and errors come back in file order", "[unit][toml]") {
  Parsed parsed("b = 1\na = \"\"\n[t]\nc = 1\n", "f.toml");
  spe::TomlReader root(parsed.file, parsed.root, "");
  CHECK(root.key_path("a") == "a");
  auto t = parsed.table("t");
  CHECK_FALSE(t.string("c"));  // found first, reported last
  CHECK_FALSE(root.string("a"));
  CHECK_FALSE(root.boolean("b"));
  CHECK(root.errors() == 2);
  CHECK(t.errors() == 1);
  REQUIRE(parsed.file.has_errors());
  CHECK(parsed.errors() ==
        "b: must be a boolean (true or false) at f.toml:1:5\n"
        "a: must not be empty at f.toml:2:5\n"
        "t.c: must be a string at f.toml:4:5");
  CHECK_FALSE(parsed.file.has_errors());
}

TEST_CASE("toml reader: a syntax error is the file's error, with its position", "[unit][toml]") {
  spe::TomlFile file("f.toml");
  CHECK_FALSE(file.parse("a = \"x\nb = 1\n"));
  const auto errors = file.take_errors();
  REQUIRE(errors.errors.size() == 1);
  CHECK(errors.errors[0].message.starts_with("TOML syntax error: "));
  REQUIRE(errors.errors[0].where);
  CHECK(errors.errors[0].where->line == 1);
}

TEST_CASE("toml reader: names and quoting in key paths", "[unit][toml]") {
  CHECK(spe::in_quotes("a b") == "\"a b\"");
  CHECK(spe::valid_config_name("disk-1.root_fs"));
  CHECK_FALSE(spe::valid_config_name(""));
  CHECK_FALSE(spe::valid_config_name("a b"));
  CHECK(spe::child_path("modules", "web", true) == "modules.web");
  CHECK(spe::child_path("modules", "a b", false) == "modules.\"a b\"");
}
