// libFuzzer target: any bytes as what a shell on a pty sent after a command was typed. Stripping terminal controls
// must leave none of them (no ESC, no "\r"), never grow the text, and be stable (stripping twice changes nothing);
// the prompt search and the command's output must hold their contracts whatever arrives.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/toml_reader.hpp"
#include "parse/terminal_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto prompt = spe::compile_config_regex("(?:(?m)^[\\w.-]+[>#] ?$)\\z");
  if (!prompt->ok()) std::abort();
  const std::string_view raw(reinterpret_cast<const char*>(data), size);

  const std::string text = spe::strip_terminal_controls(raw);
  if (text.size() > raw.size()) std::abort();
  if (text.find_first_of("\x1b\r") != std::string::npos) std::abort();
  if (spe::strip_terminal_controls(text) != text) std::abort();

  (void)spe::ends_with_prompt(raw, true, *prompt);
  (void)spe::ends_with_prompt(raw, false, *prompt);

  const std::string command = "show version";
  for (const bool prompt_at_end : {true, false}) {
    const std::string output = spe::shell_command_output(raw, command, prompt_at_end);
    if (output.size() > text.size()) std::abort();
    // What is left is a part of the stripped text.
    if (text.find(output) == std::string::npos) std::abort();
    // With the prompt removed, the output is whole lines.
    if (prompt_at_end && !output.empty() && output.back() != '\n') std::abort();
  }
  return 0;
}
