#include "util/query_string.hpp"

namespace spe {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      const bool complete = i + 2 < text.size();
      const int high = complete ? hex_value(text[i + 1]) : -1;
      const int low = complete ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return fail(ErrorCode::invalid_argument, "invalid percent escape \"" + std::string(text.substr(i, 3)) + "\"");
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

Result<QueryString> QueryString::parse(std::string_view query) {
  QueryString parsed;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq));
    if (!name) return fail(ErrorCode::invalid_argument, "invalid query string: " + name.error().message);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    parsed.values_[std::move(*name)].emplace_back(value);
  }
  return parsed;
}

Result<std::optional<std::string>> QueryString::single(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  if (it->second.size() > 1) {
    return fail(ErrorCode::invalid_argument, "repeated parameter \"" + std::string(name) + "\"");
  }
  auto value = url_decode(it->second.front());
  if (!value) {
    return fail(ErrorCode::invalid_argument,
                "invalid parameter \"" + std::string(name) + "\": " + value.error().message);
  }
  return std::optional<std::string>(std::move(*value));
}

}  // namespace spe
