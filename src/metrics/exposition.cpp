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

// Decodes the UTF-8 sequence at the start of `text`. Returns its length when it is a well-formed
// scalar value, otherwise 0 together with the length of the maximal ill-formed prefix in `bad`
// (at least 1), the unit that Unicode's "best practice for U+FFFD substitution" replaces.
std::size_t valid_sequence_length(std::string_view text, std::size_t& bad) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  bad = 1;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // continuation byte, C0/C1 (always overlong) or F5..FF
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= text.size()) return 0;
    const unsigned char c = byte(i);
    const unsigned char lo = i == 1 ? low : 0x80;
    const unsigned char hi = i == 1 ? high : 0xBF;
    if (c < lo || c > hi) return 0;
    bad = i + 1;
  }
  return length;
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

std::string sanitize_utf8(std::string_view text) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    std::size_t bad = 0;
    const std::size_t length = valid_sequence_length(text, bad);
    if (length > 0) {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    } else {
      out.append(kReplacement);
      text.remove_prefix(bad);
    }
  }
  return out;
}

}  // namespace spe::metrics
