#include "support/metric_text.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

namespace spe::test {

bool is_metric_name_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return alpha || (!first && c >= '0' && c <= '9');
}

namespace {

void skip_spaces(std::string_view& text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
}

std::optional<std::string> take_name(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && is_metric_name_char(text[n], n == 0)) ++n;
  if (n == 0) return std::nullopt;
  std::string name(text.substr(0, n));
  text.remove_prefix(n);
  return name;
}

// A quoted label value with \\, \" and \n escapes; text starts after the opening quote.
std::optional<std::string> take_quoted(std::string_view& text) {
  std::string value;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      text.remove_prefix(i + 1);
      return value;
    }
    if (c != '\\') {
      value += c;
      continue;
    }
    if (++i == text.size()) return std::nullopt;
    value += text[i] == 'n' ? '\n' : text[i];
  }
  return std::nullopt;
}

std::optional<MetricLabels> take_labels(std::string_view& text) {
  MetricLabels labels;
  text.remove_prefix(1);  // '{'
  for (;;) {
    skip_spaces(text);
    if (text.empty()) return std::nullopt;
    if (text.front() == '}') {
      text.remove_prefix(1);
      return labels;
    }
    auto name = take_name(text);
    skip_spaces(text);
    if (!name || text.size() < 2 || text.front() != '=') return std::nullopt;
    text.remove_prefix(1);
    skip_spaces(text);
    if (text.empty() || text.front() != '"') return std::nullopt;
    text.remove_prefix(1);
    auto value = take_quoted(text);
    if (!value) return std::nullopt;
    labels.emplace(std::move(*name), std::move(*value));
    skip_spaces(text);
    if (!text.empty() && text.front() == ',') text.remove_prefix(1);
  }
}

std::optional<double> parse_value(std::string_view token) {
  if (token == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (token == "+Inf" || token == "Inf") return std::numeric_limits<double>::infinity();
  if (token == "-Inf") return -std::numeric_limits<double>::infinity();
  if (!token.empty() && token.front() == '+') token.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc{} || end != token.data() + token.size()) return std::nullopt;
  return value;
}

std::optional<MetricSample> parse_line(std::string_view line) {
  skip_spaces(line);
  if (line.empty() || line.front() == '#') return std::nullopt;
  MetricSample sample;
  auto name = take_name(line);
  if (!name) return std::nullopt;
  sample.name = std::move(*name);
  if (!line.empty() && line.front() == '{') {
    auto labels = take_labels(line);
    if (!labels) return std::nullopt;
    sample.labels = std::move(*labels);
  }
  skip_spaces(line);
  // The value ends at the next space: a timestamp or an OpenMetrics exemplar may follow.
  auto value = parse_value(line.substr(0, line.find_first_of(" \t")));
  if (!value) return std::nullopt;
  sample.value = *value;
  return sample;
}

}  // namespace

std::vector<MetricSample> parse_samples(std::string_view text) {
  std::vector<MetricSample> samples;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto sample = parse_line(line)) samples.push_back(std::move(*sample));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return samples;
}

std::optional<double> metric_value(std::string_view text, std::string_view name, const MetricLabels& labels) {
  for (const auto& sample : parse_samples(text)) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

std::size_t count_series(std::string_view text, std::string_view name) {
  std::size_t count = 0;
  for (const auto& sample : parse_samples(text)) count += sample.name == name ? 1 : 0;
  return count;
}

std::optional<std::string> label_value(std::string_view text, std::string_view name, std::string_view label) {
  for (const auto& sample : parse_samples(text)) {
    if (sample.name != name) continue;
    const auto it = sample.labels.find(std::string(label));
    if (it == sample.labels.end()) return std::nullopt;
    return it->second;
  }
  return std::nullopt;
}

CommandResult promtool_check_metrics(std::string_view text) {
  return run_command({"promtool", "check", "metrics"}, std::string(text), std::chrono::seconds{60});
}

CommandResult promtool_parse_openmetrics(std::string_view text) {
  TempDir dir{"spe-om"};
  std::ostringstream stamped;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);)
    stamped << line << (line.starts_with("#") ? "" : " 1700000000") << '\n';
  write_file(dir.path() / "input.om", stamped.str());
  return run_command({"promtool", "tsdb", "create-blocks-from", "openmetrics", (dir.path() / "input.om").string(),
                      (dir.path() / "blocks").string()});
}

}  // namespace spe::test
