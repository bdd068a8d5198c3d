#include "support/text.hpp"

namespace spe::test {

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace spe::test
