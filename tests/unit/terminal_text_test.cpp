// parse/terminal_text: what a shell on a pty sends -> a command's plain output, and where the prompt is.
#include <catch2/catch.hpp>

#include <string>
#include <tuple>

#include "config/toml_reader.hpp"
#include "parse/terminal_text.hpp"

using namespace spe;

namespace {

// The prompt as config loading anchors it (load_commands.cpp).
const RE2& prompt() {
  static const auto regex = compile_config_regex("(?:(?m)^[\\w.-]+[>#] ?$)\\z");
  return *regex;
}

}  // namespace

TEST_CASE("terminal controls are removed, text and line breaks kept", "[unit][terminal]") {
  using Row = std::tuple<std::string, std::string>;
  const auto [raw, expected] = GENERATE(table<std::string, std::string>({
      Row{"plain\r\ntext\n", "plain\ntext\n"},
      Row{"uptime is \x1b[32m5\x1b[0m weeks", "uptime is 5 weeks"},
      Row{"\x1b[1;34mbold blue\x1b[0m", "bold blue"},
      Row{"a\x1b[2J\x1b[Hb", "ab"},                        // clear screen, cursor home
      Row{"\x1b]0;router1: title\x07prompt#", "prompt#"},  // OSC ended by BEL
      Row{"\x1b]2;title\x1b\\prompt#", "prompt#"},         // OSC ended by ESC backslash
      Row{"\x1bPq#0;2;0;0;0\x1b\\x", "x"},                 // DCS
      Row{"\x1b(Bcharset\x1b=keypad\x1b"
          "7saved",
          "charsetkeypadsaved"},
      Row{" --More-- \b\b\b\b\b\b\b\b\b\b   \b\b\bnext", " --More--    next"},
      Row{"tab\there\x07\x7f", "tab\there"},
      Row{"cut off \x1b[3", "cut off "},  // a sequence cut by the end is dropped
      Row{"cut off \x1b]0;tit", "cut off "},
      Row{"lone \x1b", "lone "},
      Row{"csi \x1b[1\nline", "csi \nline"},  // a control byte ends a CSI and stays
      Row{"utf-8 \xc3\xa9t\xc3\xa9", "utf-8 \xc3\xa9t\xc3\xa9"},
  }));
  CAPTURE(raw);
  CHECK(strip_terminal_controls(raw) == expected);
}

TEST_CASE("the prompt is looked for on the last line only, after stripping", "[unit][terminal]") {
  CHECK(ends_with_prompt("banner\r\n\x1b[1mrouter1#\x1b[0m", true, prompt()));
  CHECK(ends_with_prompt("router1#", true, prompt()));
  CHECK(ends_with_prompt("output\r\nrouter1> ", true, prompt()));
  CHECK_FALSE(ends_with_prompt("router1#\r\nmore output", true, prompt()));
  CHECK_FALSE(ends_with_prompt("router1#\r\n", true, prompt()));
  CHECK_FALSE(ends_with_prompt(" --More-- ", true, prompt()));
  // The tail's first line may have begun before it: not a line to judge.
  CHECK_FALSE(ends_with_prompt("router1#", false, prompt()));
  CHECK(ends_with_prompt("xx\nrouter1#", false, prompt()));
  // A last line longer than kPromptLineBytes is never a prompt.
  const std::string long_line(kPromptLineBytes, 'a');
  CHECK(ends_with_prompt("\n" + long_line.substr(1) + "#", false, prompt()));
  CHECK_FALSE(ends_with_prompt("\n" + long_line + "#", false, prompt()));
}

TEST_CASE("a command's output is what lies between its echo and the prompt", "[unit][terminal]") {
  using Row = std::tuple<std::string, bool, std::string>;
  const auto [raw, prompt_at_end, expected] = GENERATE(table<std::string, bool, std::string>({
      Row{"show version\r\nVersion 1.0\r\nuptime is \x1b[32m5\x1b[0m weeks\r\n\x1b[1mrouter1#\x1b[0m", true,
          "Version 1.0\nuptime is 5 weeks\n"},
      // The device echoes after its prompt again; trailing blanks of the echo do not matter.
      Row{"router1#show version  \r\nline\r\nrouter1#", true, "line\n"},
      // No echo: the first line is output.
      Row{"line one\r\nrouter1#", true, "line one\n"},
      Row{"show version\r\nrouter1#", true, ""},
      Row{"router1#", true, ""},
      // Cut at the cap: no prompt to remove.
      Row{"show version\r\nVersion 1.0\r\nupt", false, "Version 1.0\nupt"},
      Row{"", true, ""},
  }));
  CAPTURE(raw);
  CHECK(shell_command_output(raw, "show version", prompt_at_end) == expected);
}
