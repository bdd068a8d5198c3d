#include "config/toml_parse.hpp"

#include <vector>

namespace spe {
namespace {

// One pass over the text with a small state machine: after a key comes '=' and a value; inside a
// value, '[' and '{' open containers (keys follow '{' and each ',' of an inline table, values each
// ',' of an array); a newline outside any container starts a key or a table header again.
class NestingScanner {
 public:
  NestingScanner(std::string_view text, std::size_t max_depth) : text_(text), max_(max_depth) {}

  // The 1-based line and column of the first place too deep, or nullopt.
  std::optional<std::pair<int, int>> run() {
    while (pos_ < text_.size() && !too_deep_) step(text_[pos_]);
    return too_deep_;
  }

 private:
  struct Container {
    char kind;          // '[' or '{'
    std::size_t depth;  // of the array or inline table itself
  };

  void step(char c) {
    if (c == '#') return skip_comment();
    if (c == '"' || c == '\'') {
      if (in_key_ && segments_ == 0) segments_ = 1;
      return skip_string(c);
    }
    if (c == '\n' && containers_.empty()) start_line();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return advance();
    if (in_key_) {
      key_char(c);
    } else {
      value_char(c);
    }
    line_start_ = false;
  }

  void start_line() {
    in_key_ = true;
    base_ = header_depth_;
    segments_ = 0;
    line_start_ = true;
  }

  void key_char(char c) {
    if (c == '[' && containers_.empty() && line_start_) return table_header();
    if (segments_ == 0) segments_ = 1;
    if (c == '.') {
      ++segments_;
      check(base_ + segments_);
    } else if (c == '=') {
      in_key_ = false;
      value_depth_ = base_ + segments_;
      check(value_depth_);
    } else if (c == '}') {
      close();  // an empty inline table
    }
    advance();
  }

  void value_char(char c) {
    if (c == '[') {
      containers_.push_back({'[', value_depth_});
      check(++value_depth_);
    } else if (c == '{') {
      containers_.push_back({'{', value_depth_});
      open_keys(value_depth_);
    } else if (c == ',' && !containers_.empty()) {
      const Container& inner = containers_.back();
      if (inner.kind == '{') {
        open_keys(inner.depth);
      } else {
        value_depth_ = inner.depth + 1;
      }
    } else if (c == ']' || c == '}') {
      close();
    }
    advance();
  }

  void open_keys(std::size_t base) {
    in_key_ = true;
    base_ = base;
    segments_ = 0;
  }

  void close() {
    if (containers_.empty()) return;
    value_depth_ = containers_.back().depth;
    containers_.pop_back();
    in_key_ = false;
  }

  // [a.b.c] or [[a.b.c]], up to its closing bracket.
  void table_header() {
    const auto at = std::pair(line_, column_);
    advance();
    std::size_t depth = 1;
    if (pos_ < text_.size() && text_[pos_] == '[') {
      ++depth;  // the array the table is an element of
      advance();
    }
    while (pos_ < text_.size() && text_[pos_] != ']' && text_[pos_] != '\n') {
      if (text_[pos_] == '"' || text_[pos_] == '\'') {
        skip_string(text_[pos_]);
        continue;
      }
      if (text_[pos_] == '.') ++depth;
      advance();
    }
    header_depth_ = depth;
    base_ = depth;
    if (depth > max_) too_deep_ = at;
    while (pos_ < text_.size() && text_[pos_] == ']') advance();
  }

  void skip_comment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') advance();
  }

  // A basic or literal string, single- or multi-line; the position ends after its closing quote.
  void skip_string(char quote) {
    const bool multi_line = text_.substr(pos_, 3) == std::string(3, quote);
    advance(multi_line ? 3 : 1);
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\\' && quote == '"' && pos_ + 1 < text_.size() && (multi_line || text_[pos_ + 1] != '\n')) {
        advance(2);
      } else if (c == '\n' && !multi_line) {
        return;  // unterminated: the parser says so
      } else if (c == quote && (!multi_line || text_.substr(pos_, 3) == std::string(3, quote))) {
        advance(multi_line ? 3 : 1);
        // Up to two quotes may precede the closing ones (""""" ends in a quote).
        for (int i = 0; multi_line && i < 2 && pos_ < text_.size() && text_[pos_] == quote; ++i) advance();
        return;
      } else {
        advance();
      }
    }
  }

  void check(std::size_t depth) {
    if (depth > max_) too_deep_ = std::pair(line_, column_);
  }

  void advance(std::size_t count = 1) {
    for (; count > 0 && pos_ < text_.size(); --count, ++pos_) {
      const auto byte = static_cast<unsigned char>(text_[pos_]);
      if (byte == '\n') {
        ++line_;
        column_ = 1;
      } else if ((byte & 0xC0) != 0x80) {  // a UTF-8 continuation byte is no new column
        ++column_;
      }
    }
  }

  std::string_view text_;
  std::size_t max_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  bool line_start_ = true;
  bool in_key_ = true;
  std::size_t header_depth_ = 0;
  std::size_t base_ = 0;               // depth of the table the current key is in
  std::size_t segments_ = 0;           // parts of the current key so far
  std::size_t value_depth_ = 0;        // depth of the value being read
  std::vector<Container> containers_;  // never deeper than max_ + 1: each level is checked
  std::optional<std::pair<int, int>> too_deep_;
};

}  // namespace

std::optional<SourcePos> find_deep_nesting(std::string_view text, const std::string& file, std::size_t max_depth) {
  const auto at = NestingScanner(text, max_depth).run();
  if (!at) return std::nullopt;
  return SourcePos{file, at->first, at->second};
}

Result<toml::table> parse_toml_text(std::string_view text, const std::string& file) {
  if (const auto deep = find_deep_nesting(text, file)) {
    return fail(ErrorCode::invalid_argument,
                "TOML nesting: keys, tables and arrays nested more than " + std::to_string(kMaxTomlDepth) +
                    " levels deep",
                *deep);
  }
  const auto position = [&](const toml::source_region& region) {
    return SourcePos{file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
  };
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, std::string_view(file));
  } catch (const toml::parse_error& e) {
    return fail(ErrorCode::invalid_argument, "TOML syntax error: " + std::string(e.description()),
                position(e.source()));
  }
#else
  auto result = toml::parse(text, std::string_view(file));
  if (!result) {
    return fail(ErrorCode::invalid_argument, "TOML syntax error: " + std::string(result.error().description()),
                position(result.error().source()));
  }
  return std::move(result).table();
#endif
}

}  // namespace spe
