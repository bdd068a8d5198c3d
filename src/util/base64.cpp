#include "util/base64.hpp"

#include <cstdint>

namespace spe {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  const auto padding_start = text.find('=');
  if (padding_start != std::string_view::npos) {
    const std::string_view padding = text.substr(padding_start);
    if (padding.size() > 2 || padding.find_first_not_of('=') != std::string_view::npos) return std::nullopt;
    text = text.substr(0, padding_start);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : text) {
    const int value = base64_value(c);
    if (value < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xFF));
    }
  }
  return out;
}

std::optional<std::string> base64_decode_strict(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  const std::size_t data = text.find_last_not_of('=');
  if (data == std::string_view::npos) return std::nullopt;
  // One '=' leaves 2 unused bits in the last character, two leave 4.
  const std::size_t padding = text.size() - 1 - data;
  const int last = base64_value(text[data]);
  if (padding > 0 && last >= 0 && (last & ((1 << (2 * padding)) - 1)) != 0) return std::nullopt;
  return base64_decode(text);
}

}  // namespace spe
