#include "parse/scan.hpp"

#include <charconv>
#include <string>
#include <system_error>

#include "parse/output.hpp"
#include "util/utf8.hpp"

namespace spe {

Result<std::vector<std::string_view>> split_output_lines(std::string_view output) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t newline = output.find('\n', start);
    const std::size_t end = newline == std::string_view::npos ? output.size() : newline;
    std::string_view line = output.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (lines.size() == kMaxOutputLines) {
      return fail(ErrorCode::failed_precondition, "more than " + std::to_string(kMaxOutputLines) + " lines");
    }
    if (line.size() > kMaxOutputLineBytes) {
      return fail(ErrorCode::failed_precondition, "line " + std::to_string(lines.size() + 1) + " is longer than " +
                                                      std::to_string(kMaxOutputLineBytes) + " bytes");
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

std::optional<double> parse_number(std::string_view text) {
  // from_chars takes a leading "-" but not "+"; "+-1" must stay invalid.
  if (text.starts_with('+')) {
    text.remove_prefix(1);
    if (text.starts_with('-')) return std::nullopt;
  }
  // from_chars also reads "nan(chars)", which is not a Prometheus value.
  if (text.find('(') != std::string_view::npos) return std::nullopt;
  double value = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

std::string quote_input(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return "\"" + sanitize_utf8(text) + "\"";
  return "\"" + sanitize_utf8(text.substr(0, limit)) + "\"...";
}

}  // namespace spe
