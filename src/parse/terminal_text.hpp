// What an interactive shell on a pty sends, made plain text: terminal control removed, the echoed
// command and the prompt told apart from a command's output. Pure and bounded (linear in its input):
// the shell session of a probe (probe/shell_runner.hpp) calls it, the fuzzer feeds it anything.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <re2/re2.h>

namespace spe {

// The longest last line, in bytes as they arrived, that may hold a prompt: a longer one never does.
inline constexpr std::size_t kPromptLineBytes = 1024;

// `raw` without what only steers a terminal: "\r", the other C0 controls but "\n" and "\t", DEL, and
// escape sequences: CSI (ESC [ ... final byte, colours and cursor moves), OSC (ESC ] ... BEL or
// ESC \, window titles), DCS, SOS, PM and APC strings (to ESC \), and the short ESC sequences
// (ESC ( B, ESC =, ESC 7). A sequence cut off by the end of `raw` is dropped whole.
std::string strip_terminal_controls(std::string_view raw);

// Whether `tail` ends with the prompt: its last line (what follows its last "\n"), controls
// stripped, matches `prompt_at_end` (a pattern anchored at the end of the text, see config's
// Session). `line_start`: the first byte of `tail` starts a line (it is all that arrived, or a
// "\n" came just before it); a last line that starts before `tail` does, or is longer than
// kPromptLineBytes, is no prompt.
bool ends_with_prompt(std::string_view tail, bool line_start, const RE2& prompt_at_end);

// The output of `command` from what arrived after it was typed (`raw`): controls stripped, the
// echoed command line removed (the first line, when it ends with the command, as a device echoes
// it, possibly after its prompt), and, when `prompt_at_end`, the last line, which is the prompt.
// What is left keeps the "\n" of its last line.
std::string shell_command_output(std::string_view raw, std::string_view command, bool prompt_at_end);

}  // namespace spe
