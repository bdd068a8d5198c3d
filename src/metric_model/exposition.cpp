#include "metric_model/exposition.hpp"

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

// OpenMetrics escapes the double quote in HELP too (its HELP is an "escaped-string" like label values).
void append_escaped_om_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
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

// A bucket bound or quantile as format_value spells it ("0.005", "1", "+Inf") -> its canonical
// spelling. Text that is no number is left as it is (escaped): refusing it is the registry's job.
std::string canonical_bound(std::string_view text) {
  const auto value = bound_value(text);
  if (!value) {
    std::string out;
    append_escaped_label_value(out, text);
    return out;
  }
  return format_canonical(*value);
}

// `canonical`: "le" and "quantile" values (which the registry allows only where they are bucket
// bounds and quantiles) rewritten as OpenMetrics canonical numbers ("1" -> "1.0").
void append_labels(std::string& out, const Labels& labels, bool canonical = false) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const Label& label : labels) {
    if (!first) out += ',';
    first = false;
    out += label.name;
    out += "=\"";
    if (canonical && (label.name == "le" || label.name == "quantile")) {
      out += canonical_bound(label.value);
    } else {
      append_escaped_label_value(out, label.value);
    }
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

// OpenMetrics family name: a counter's without its "_total", which the samples carry instead.
std::string_view om_family_name(const MetricFamily& family) {
  std::string_view name = family.name;
  if (family.type == MetricType::counter && name.ends_with("_total")) name.remove_suffix(6);
  return name;
}

std::string_view om_type(MetricType type) {
  return type == MetricType::untyped ? std::string_view("unknown") : to_string(type);
}

// The unit a family name ends with, for "# UNIT" (which must be a suffix of the name). Only the
// base units the exporter's own names use; others simply get no UNIT line (it is optional).
std::string_view om_unit(std::string_view family_name) {
  for (const std::string_view unit : {"seconds", "bytes"}) {
    if (family_name.size() > unit.size() + 1 && family_name.ends_with(unit) &&
        family_name[family_name.size() - unit.size() - 1] == '_') {
      return unit;
    }
  }
  return {};
}

void append_om_family(std::string& out, const MetricFamily& family) {
  const std::string_view name = om_family_name(family);
  out += "# TYPE ";
  out += name;
  out += ' ';
  out += om_type(family.type);
  out += '\n';
  if (const auto unit = om_unit(name); !unit.empty()) {
    out += "# UNIT ";
    out += name;
    out += ' ';
    out += unit;
    out += '\n';
  }
  if (!family.help.empty()) {  // an empty HELP means the same as none
    out += "# HELP ";
    out += name;
    out += ' ';
    append_escaped_om_help(out, family.help);
    out += '\n';
  }
  const bool counter = family.type == MetricType::counter;
  for (const Sample& sample : family.samples) {
    out += name;
    out += counter && sample.suffix.empty() ? std::string_view("_total") : std::string_view(sample.suffix);
    append_labels(out, sample.labels, true);
    out += ' ';
    out += format_value(sample.value);
    out += '\n';
  }
}

}  // namespace

std::optional<double> bound_value(std::string_view text) {
  // from_chars takes no '+' sign (Go's ParseFloat, which Prometheus reads these with, does).
  const bool plus = text.starts_with('+');
  if (plus) text.remove_prefix(1);
  if (plus && (text.starts_with('+') || text.starts_with('-'))) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string format_canonical(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0.0";
  char buffer[64];
  char* const end = buffer + sizeof buffer;
  // Shortest round-trip digits in scientific notation tell the decimal exponent, as Go's %g sees it.
  const auto scientific = std::to_chars(buffer, end, value, std::chars_format::scientific);
  const std::string_view text(buffer, scientific.ptr);
  int exponent = 0;
  const auto e = text.find('e');
  std::string_view digits = text.substr(e + 1);
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
  if (exponent < -4 || exponent >= 6) return std::string(text);
  const auto fixed = std::to_chars(buffer, end, value, std::chars_format::fixed);
  std::string out(buffer, fixed.ptr);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

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

std::string write_openmetrics(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    if (family.samples.empty()) continue;  // as in write_text
    append_om_family(out, family);
  }
  out += "# EOF\n";
  return out;
}

}  // namespace spe::metrics
