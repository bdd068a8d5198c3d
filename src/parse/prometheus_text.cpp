// parse_prometheus_text: a line-at-a-time reader of text format 0.0.4 (the grammar of
// prometheus/common expfmt's text parser), checking as it goes and then through a Registry.
#include <charconv>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "metric_model/names.hpp"
#include "metric_model/registry.hpp"
#include "parse/output.hpp"
#include "parse/scan.hpp"
#include "util/utf8.hpp"

namespace spe {
namespace {

// Label pairs kept over the whole input: bounds memory whatever one line holds.
constexpr std::size_t kMaxLabelPairs = 200'000;
constexpr std::string_view kDefaultHelp = "From the command's output, which gave no HELP.";

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The rest of one line, consumed token by token.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void skip_blanks() {
    while (!done() && is_blank(text_[pos_])) ++pos_;
  }
  std::string_view rest() const { return text_.substr(pos_); }

  // [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, [a-zA-Z_][a-zA-Z0-9_]* for labels; empty if none.
  std::string_view name(bool colons) {
    const std::size_t start = pos_;
    const auto ok = [&](char c, bool first) {
      return is_name_start(c) || (colons && c == ':') || (!first && is_digit(c));
    };
    while (!done() && ok(text_[pos_], pos_ == start)) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // Up to the next blank or the end.
  std::string_view token() {
    const std::size_t start = pos_;
    while (!done() && !is_blank(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // After the opening quote: the value up to the closing one, unescaped (\\, \", \n; any other
  // escape is kept as written, as Prometheus' own scrape parser does). Nullopt if unterminated.
  std::optional<std::string> quoted() {
    std::string value;
    while (!done()) {
      const char c = text_[pos_++];
      if (c == '"') return value;
      if (c != '\\' || done()) {
        value += c;
        continue;
      }
      const char escaped = text_[pos_++];
      if (escaped == 'n') {
        value += '\n';
      } else if (escaped == '\\' || escaped == '"') {
        value += escaped;
      } else {
        value += '\\';
        value += escaped;
      }
    }
    return std::nullopt;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// HELP text: \\ and \n unescaped, any other backslash kept.
std::string unescape_help(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\\' || text[i + 1] == 'n')) {
      out += text[++i] == 'n' ? '\n' : '\\';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<metrics::MetricType> type_named(std::string_view name) {
  using metrics::MetricType;
  for (const auto type :
       {MetricType::counter, MetricType::gauge, MetricType::histogram, MetricType::summary, MetricType::untyped}) {
    if (to_string(type) == name) return type;
  }
  return std::nullopt;
}

std::unexpected<Error> line_error(std::size_t line, const std::string& what) {
  return fail(ErrorCode::failed_precondition, "line " + std::to_string(line) + ": " + what);
}

struct FamilyState {
  metrics::MetricFamily family;
  bool has_help = false;
  bool has_type = false;
};

class TextParser {
 public:
  Result<void> parse_line(std::string_view line, std::size_t number) {
    number_ = number;
    Cursor cursor(line);
    cursor.skip_blanks();
    if (cursor.done()) return {};
    if (cursor.take('#')) return comment(cursor);
    return sample(cursor);
  }

  Result<DerivedOutput> finish(std::string_view prefix) && {
    series_.clear();  // done with: the Registry checks duplicates again, with its own copy
    std::vector<std::string> notes = drop_created_gauges(prefix);
    metrics::Registry registry;
    for (FamilyState& state : families_) {
      if (state.family.samples.empty()) continue;
      metrics::MetricFamily& family = state.family;
      family.name = std::string(prefix) + family.name;
      if (metrics::exporter_metric_name(family.name)) {
        return fail(ErrorCode::failed_precondition,
                    "metric " + family.name + ": probe_* and ssh_probe_exporter_* are the exporter's own names");
      }
      if (!state.has_help) family.help = kDefaultHelp;
      // The checks above leave the Registry only names ("__" prefixes) and line-name clashes.
      if (auto added = registry.add(std::move(family)); !added) {
        return fail(ErrorCode::failed_precondition, added.error().message);
      }
    }
    return DerivedOutput{std::move(registry).take(), std::move(notes)};
  }

 private:
  // Python's prometheus_client writes the created timestamp of a counter, histogram or summary X
  // as a gauge X_created in the text format. OpenMetrics reads that name as X's own _created line,
  // which this exporter does not write, so the gauge would be a second family there: its samples
  // are dropped (and the family with them), with a note each. Any other clash stays an error.
  std::vector<std::string> drop_created_gauges(std::string_view prefix) {
    using metrics::MetricType;
    std::map<std::string, const metrics::MetricFamily*> created;  // X_created -> X
    for (const FamilyState& state : families_) {
      const metrics::MetricFamily& family = state.family;
      std::string_view base = family.name;
      if (family.type == MetricType::counter && base.ends_with("_total")) base.remove_suffix(6);
      if (family.type == MetricType::counter || family.type == MetricType::histogram ||
          family.type == MetricType::summary) {
        created.emplace(std::string(base) + "_created", &family);
      }
    }
    std::vector<std::string> notes;
    for (FamilyState& state : families_) {
      metrics::MetricFamily& family = state.family;
      if (family.samples.empty() || (family.type != MetricType::gauge && family.type != MetricType::untyped)) {
        continue;
      }
      const auto owner = created.find(family.name);
      if (owner == created.end() || owner->second->samples.empty()) continue;
      notes.push_back("dropped " + std::string(prefix) + family.name + ": the created timestamp of " +
                      std::string(to_string(owner->second->type)) + " " + std::string(prefix) + owner->second->name +
                      ", which this exporter does not expose");
      family.samples.clear();
    }
    return notes;
  }

  Result<void> comment(Cursor& cursor) {
    cursor.skip_blanks();
    const std::string_view keyword = cursor.token();
    if (keyword != "HELP" && keyword != "TYPE") return {};  // a plain comment
    cursor.skip_blanks();
    const std::string_view name = cursor.name(true);
    if (name.empty() || !(cursor.done() || is_blank(cursor.peek()))) {
      return line_error(number_, std::string(keyword) + " needs a metric name, not " + quote_input(cursor.rest()));
    }
    cursor.skip_blanks();
    return keyword == "HELP" ? help(name, cursor.rest()) : type(name, cursor);
  }

  Result<void> help(std::string_view name, std::string_view text) {
    FamilyState& state = declared(name);
    if (state.has_help) return line_error(number_, "second HELP line for " + std::string(name));
    state.has_help = true;
    state.family.help = sanitize_utf8(unescape_help(text));
    return {};
  }

  Result<void> type(std::string_view name, Cursor& cursor) {
    const std::string_view word = cursor.token();
    cursor.skip_blanks();
    const auto type = type_named(word);
    if (!type || !cursor.done()) {
      return line_error(number_, "unknown type " + quote_input(word) + " for " + std::string(name) +
                                     " (counter, gauge, histogram, summary or untyped)");
    }
    FamilyState& state = declared(name);
    if (state.has_type) return line_error(number_, "second TYPE line for " + std::string(name));
    if (!state.family.samples.empty()) {
      return line_error(number_, "TYPE line for " + std::string(name) + " after its samples");
    }
    state.has_type = true;
    state.family.type = *type;
    return {};
  }

  // The family named by HELP or TYPE, created (untyped, no samples) if new.
  FamilyState& declared(std::string_view name) {
    const auto [it, fresh] = index_.try_emplace(std::string(name), families_.size());
    if (fresh)
      families_.push_back(FamilyState{metrics::MetricFamily{std::string(name), "", metrics::MetricType::untyped, {}}});
    return families_[it->second];
  }

  // The family a sample line named `name` belongs to, and the suffix it writes.
  Result<std::pair<FamilyState*, std::string>> owner(std::string_view name) {
    using metrics::MetricType;
    if (const auto it = index_.find(std::string(name)); it != index_.end()) {
      FamilyState& state = families_[it->second];
      if (state.family.type == MetricType::histogram) {
        return line_error(number_, "histogram " + std::string(name) + " has a sample without _bucket, _sum or _count");
      }
      return std::pair{&state, std::string()};
    }
    for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!name.ends_with(suffix)) continue;
      const auto it = index_.find(std::string(name.substr(0, name.size() - suffix.size())));
      if (it == index_.end()) continue;
      FamilyState& state = families_[it->second];
      if (state.family.type == MetricType::histogram ||
          (state.family.type == MetricType::summary && suffix != "_bucket")) {
        return std::pair{&state, std::string(suffix)};
      }
    }
    return std::pair{&declared(name), std::string()};
  }

  Result<void> sample(Cursor& cursor) {
    const std::string_view name = cursor.name(true);
    if (name.empty()) return line_error(number_, "expected a metric name, not " + quote_input(cursor.rest()));
    metrics::Sample sample;
    cursor.skip_blanks();
    if (cursor.take('{')) {
      auto labels = read_labels(cursor);
      if (!labels) return std::unexpected(labels.error());
      sample.labels = std::move(*labels);
    }
    cursor.skip_blanks();
    const std::string_view value = cursor.token();
    const auto number = parse_number(value);
    if (!number) return line_error(number_, "value " + quote_input(value) + " is not a number");
    sample.value = *number;
    if (auto checked = timestamp(cursor); !checked) return checked;
    auto found = owner(name);
    if (!found) return std::unexpected(found.error());
    sample.suffix = std::move(found->second);
    return add(*found->first, std::move(sample));
  }

  // An optional integer timestamp in milliseconds, then the end of the line. Dropped: the
  // exporter's samples are for the time of the scrape.
  Result<void> timestamp(Cursor& cursor) {
    cursor.skip_blanks();
    if (cursor.done()) return {};
    const std::string_view text = cursor.token();
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size()) {
      return line_error(number_, "timestamp " + quote_input(text) + " is not an integer");
    }
    cursor.skip_blanks();
    if (!cursor.done()) {
      return line_error(number_, "unexpected " + quote_input(cursor.rest()) + " after the sample");
    }
    return {};
  }

  // After "{": label pairs up to "}", a trailing comma allowed.
  Result<metrics::Labels> read_labels(Cursor& cursor) {
    metrics::Labels labels;
    for (;;) {
      cursor.skip_blanks();
      if (cursor.take('}')) return labels;
      const std::string_view name = cursor.name(false);
      cursor.skip_blanks();
      if (name.empty() || !cursor.take('=')) {
        return line_error(number_, "expected a label name and =, not " + quote_input(cursor.rest()));
      }
      cursor.skip_blanks();
      auto value = cursor.take('"') ? cursor.quoted() : std::nullopt;
      if (!value) return line_error(number_, "label " + std::string(name) + " needs a value in double quotes, closed");
      if (++label_pairs_ > kMaxLabelPairs) {
        return line_error(number_, "more than " + std::to_string(kMaxLabelPairs) + " labels");
      }
      labels.push_back(metrics::Label{std::string(name), sanitize_utf8(*value)});
      cursor.skip_blanks();
      if (!cursor.take(',') && cursor.peek() != '}') {
        return line_error(number_, "expected , or } after label " + std::string(name));
      }
    }
  }

  Result<void> add(FamilyState& state, metrics::Sample sample) {
    metrics::MetricFamily& family = state.family;
    if (auto checked = check_bound_label(family, sample); !checked) return checked;
    metrics::Labels sorted = sample.labels;
    std::ranges::sort(sorted, [](const auto& a, const auto& b) { return a.name < b.name; });
    std::string key = family.name + sample.suffix;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i > 0 && sorted[i].name == sorted[i - 1].name) {
        return line_error(number_, "label " + sorted[i].name + " repeated");
      }
      key += '\0' + sorted[i].name + '\0' + sorted[i].value;
    }
    if (!series_.insert(std::move(key)).second) {
      return line_error(number_, "duplicate series of " + family.name + sample.suffix);
    }
    family.samples.push_back(std::move(sample));
    return {};
  }

  // A bucket's "le" and a quantile's "quantile" must be numbers (Prometheus refuses others).
  Result<void> check_bound_label(const metrics::MetricFamily& family, const metrics::Sample& sample) {
    using metrics::MetricType;
    const bool bucket = family.type == MetricType::histogram && sample.suffix == "_bucket";
    const bool quantile = family.type == MetricType::summary && sample.suffix.empty();
    if (!bucket && !quantile) return {};
    const std::string_view label = bucket ? "le" : "quantile";
    for (const auto& [name, value] : sample.labels) {
      if (name == label && !parse_number(value)) {
        return line_error(number_,
                          std::string(label) + "=" + quote_input(value) + " of " + family.name + " is not a number");
      }
    }
    return {};
  }

  std::vector<FamilyState> families_;
  std::map<std::string, std::size_t> index_;
  std::set<std::string> series_;
  std::size_t label_pairs_ = 0;
  std::size_t number_ = 0;
};

}  // namespace

Result<DerivedOutput> parse_prometheus_text(std::string_view text, std::string_view prefix) {
  const auto lines = split_output_lines(text);
  if (!lines) return std::unexpected(lines.error());
  TextParser parser;
  for (std::size_t i = 0; i < lines->size(); ++i) {
    if (auto parsed = parser.parse_line((*lines)[i], i + 1); !parsed) {
      return std::unexpected(parsed.error());
    }
  }
  return std::move(parser).finish(prefix);
}

}  // namespace spe
