#include "metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <system_error>

namespace spe::metrics {
namespace {

// Integers up to 2^53 are exact in a double, so printing them through int64 loses nothing.
constexpr double kMaxExactInteger = 9007199254740992.0;
// Below this, fixed notation is mostly leading zeros, so values get an exponent (as Go's %g does).
constexpr double kMinFixed = 1e-4;

void append_escaped_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_labels(std::string& out, const Labels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const Label& label : labels) {
    if (!first) out += ',';
    first = false;
    out += label.name;
    out += "=\"";
    append_escaped_label_value(out, label.value);
    out += '"';
  }
  out += '}';
}

void append_family(std::string& out, const MetricFamily& family) {
  out += "# HELP ";
  out += family.name;
  out += ' ';
  append_escaped_help(out, family.help);
  out += "\n# TYPE ";
  out += family.name;
  out += ' ';
  out += to_string(family.type);
  out += '\n';
  for (const Sample& sample : family.samples) {
    out += family.name;
    out += sample.suffix;
    append_labels(out, sample.labels);
    out += ' ';
    out += format_value(sample.value);
    out += '\n';
  }
}

}  // namespace

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";  // also -0, which Prometheus treats as 0 anyway
  char buffer[64];
  char* const end = buffer + sizeof buffer;
  const double magnitude = std::fabs(value);
  std::to_chars_result result{};
  if (std::trunc(value) == value && magnitude <= kMaxExactInteger) {
    result = std::to_chars(buffer, end, static_cast<std::int64_t>(value));
  } else if (magnitude >= kMinFixed && magnitude < kMaxExactInteger) {
    // Shortest digits that round-trip, without exponent: "0.0005", "123456789.125".
    result = std::to_chars(buffer, end, value, std::chars_format::fixed);
  } else {
    // Tiny values and integers too large to be exact: "1e-07", "1e+20".
    result = std::to_chars(buffer, end, value, std::chars_format::scientific);
  }
  return std::string(buffer, result.ptr);
}

std::string write_text(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    // A family without samples says nothing; HELP/TYPE alone would only add noise.
    if (family.samples.empty()) continue;
    append_family(out, family);
  }
  return out;
}

}  // namespace spe::metrics
