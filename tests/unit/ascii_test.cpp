// util/ascii: case folding and blank trimming for protocol tokens, ASCII only.
#include "util/ascii.hpp"

#include <catch2/catch.hpp>

using spe::ascii_iequals;
using spe::ascii_lower;
using spe::trim_blanks;

TEST_CASE("ascii: lower-casing touches A-Z only", "[unit][ascii]") {
  CHECK(ascii_lower("GZip, Identity;Q=0.5") == "gzip, identity;q=0.5");
  CHECK(ascii_lower("") == "");
  // Bytes outside ASCII (here UTF-8 for "É") and punctuation next to the letter range stay as they are.
  CHECK(ascii_lower("\xC3\x89@[`{") == "\xC3\x89@[`{");
}

TEST_CASE("ascii: equality ignoring case needs equal lengths and equal letters", "[unit][ascii]") {
  CHECK(ascii_iequals("Basic", "bASIC"));
  CHECK(ascii_iequals("", ""));
  CHECK_FALSE(ascii_iequals("Basic", "Basi"));
  CHECK_FALSE(ascii_iequals("Basic", "Bearer"));
  // '@' and '`' sit one below 'A' and 'a': folding must not make them equal.
  CHECK_FALSE(ascii_iequals("@", "`"));
}

TEST_CASE("ascii: trimming removes spaces and tabs at both ends only", "[unit][ascii]") {
  CHECK(trim_blanks(" \t gzip \t") == "gzip");
  CHECK(trim_blanks("a b") == "a b");
  CHECK(trim_blanks(" \t ") == "");
  CHECK(trim_blanks("\ngzip\r") == "\ngzip\r");  // other whitespace is not HTTP's optional blank
}
