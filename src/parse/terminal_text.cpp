#include "parse/terminal_text.hpp"

namespace spe {
namespace {

constexpr char kEsc = '\x1b';
constexpr char kBel = '\x07';

bool in_range(char c, int low, int high) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= low && byte <= high;
}

// The index just past the escape sequence whose ESC is at raw[at]; raw.size() when it is cut off.
std::size_t skip_escape(std::string_view raw, std::size_t at) {
  std::size_t i = at + 1;
  if (i >= raw.size()) return raw.size();
  const char kind = raw[i++];
  if (kind == '[') {  // CSI: parameter and intermediate bytes, then one final byte
    while (i < raw.size() && in_range(raw[i], 0x20, 0x3f)) ++i;
    // A control byte inside ends the sequence without being part of it (a terminal acts on it).
    if (i < raw.size() && in_range(raw[i], 0x40, 0x7e)) ++i;
    return i;
  }
  if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
    // A string, to the string terminator ESC \ (or BEL, which ends an OSC in practice).
    for (; i < raw.size(); ++i) {
      if (raw[i] == kBel && kind == ']') return i + 1;
      if (raw[i] == kEsc) return i + 1 < raw.size() && raw[i + 1] == '\\' ? i + 2 : i;
    }
    return raw.size();
  }
  if (in_range(kind, 0x20, 0x2f)) {  // intermediate bytes, then one final byte: ESC ( B
    while (i < raw.size() && in_range(raw[i], 0x20, 0x2f)) ++i;
    return i < raw.size() && in_range(raw[i], 0x30, 0x7e) ? i + 1 : i;
  }
  if (in_range(kind, 0x30, 0x7e)) return i;  // ESC 7, ESC =, ESC M
  return at + 1;                             // a lone ESC: the byte after it is text or control
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string strip_terminal_controls(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (c == kEsc) {
      i = skip_escape(raw, i);
      continue;
    }
    ++i;
    if (c == '\n' || c == '\t' || !(in_range(c, 0x00, 0x1f) || c == '\x7f')) out += c;
  }
  return out;
}

bool ends_with_prompt(std::string_view tail, bool line_start, const RE2& prompt_at_end) {
  const std::size_t newline = tail.rfind('\n');
  if (newline == std::string_view::npos && !line_start) return false;
  const std::string_view line = newline == std::string_view::npos ? tail : tail.substr(newline + 1);
  if (line.size() > kPromptLineBytes) return false;
  return RE2::PartialMatch(strip_terminal_controls(line), prompt_at_end);
}

std::string shell_command_output(std::string_view raw, std::string_view command, bool prompt_at_end) {
  std::string text = strip_terminal_controls(raw);
  std::string_view output = text;
  if (const std::size_t newline = output.find('\n'); newline != std::string_view::npos) {
    const std::string_view wanted = trim_right(command);
    if (!wanted.empty() && trim_right(output.substr(0, newline)).ends_with(wanted)) {
      output.remove_prefix(newline + 1);
    }
  }
  if (prompt_at_end) {
    const std::size_t newline = output.rfind('\n');
    output = newline == std::string_view::npos ? std::string_view() : output.substr(0, newline + 1);
  }
  return std::string(output);
}

}  // namespace spe
