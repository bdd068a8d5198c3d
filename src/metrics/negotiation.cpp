#include "metrics/negotiation.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include "metric_model/exposition.hpp"
#include "util/ascii.hpp"

namespace spe::metrics {
namespace {

struct MediaRange {
  std::string type;     // lower case; "*" for any
  std::string subtype;  // lower case; "*" for any
  std::optional<std::string> version;
  double q = 1;
};

// Splits at `separator` where it is not inside a quoted string (parameter values may be quoted).
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[i] == separator) {
      parts.push_back(trim_blanks(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(trim_blanks(text.substr(start)));
  return parts;
}

// A parameter value without its quotes and backslash escapes.
std::string unquote(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

// RFC 9110 qvalue: 0 to 1 with at most three decimals; anything else is no qvalue at all.
std::optional<double> parse_q(std::string_view text) {
  double q = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), q, std::chars_format::fixed);
  if (ec != std::errc{} || end != text.data() + text.size() || q < 0 || q > 1) return std::nullopt;
  return q;
}

// One element of the Accept list; nullopt when it is malformed (it is then ignored).
std::optional<MediaRange> parse_media_range(std::string_view element) {
  const auto parts = split(element, ';');
  const std::string_view range = parts.front();
  const auto slash = range.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == range.size()) return std::nullopt;
  MediaRange out{ascii_lower(trim_blanks(range.substr(0, slash))), ascii_lower(trim_blanks(range.substr(slash + 1))),
                 std::nullopt, 1};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name = ascii_lower(trim_blanks(parts[i].substr(0, eq)));
    const std::string value = unquote(trim_blanks(parts[i].substr(eq + 1)));
    if (name == "q") {
      const auto q = parse_q(value);
      if (!q) return std::nullopt;
      out.q = *q;
    } else if (name == "version") {
      out.version = value;
    }
  }
  return out;
}

// The format a range asks for, if this exporter writes it.
std::optional<Format> format_for(const MediaRange& range) {
  if (range.type == "application" && range.subtype == "openmetrics-text") {
    if (!range.version || *range.version == "1.0.0") return Format::openmetrics_1_0_0;
    if (*range.version == "0.0.1") return Format::openmetrics_0_0_1;
    return std::nullopt;
  }
  if (range.type == "text" && range.subtype == "plain") {
    if (!range.version || *range.version == "0.0.4") return Format::text;
    return std::nullopt;
  }
  if ((range.type == "text" || range.type == "*") && range.subtype == "*") return Format::text;
  return std::nullopt;
}

}  // namespace

Format negotiate_format(std::optional<std::string_view> accept) {
  if (!accept || trim_blanks(*accept).empty()) return Format::text;
  std::vector<MediaRange> ranges;
  for (const auto element : split(*accept, ',')) {
    if (element.empty()) continue;
    if (auto range = parse_media_range(element); range && range->q > 0) ranges.push_back(std::move(*range));
  }
  std::stable_sort(ranges.begin(), ranges.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  for (const auto& range : ranges) {
    if (const auto format = format_for(range)) return *format;
  }
  return Format::text;
}

std::string_view content_type(Format format) {
  switch (format) {
    case Format::text: return kTextContentType;
    case Format::openmetrics_1_0_0: return kOpenMetricsContentType;
    case Format::openmetrics_0_0_1: return "application/openmetrics-text; version=0.0.1; charset=utf-8";
  }
  return kTextContentType;
}

std::string write_exposition(const std::vector<MetricFamily>& families, Format format) {
  return format == Format::text ? write_text(families) : write_openmetrics(families);
}

}  // namespace spe::metrics
