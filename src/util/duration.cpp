// Duration strings in the Prometheus spelling, plus fractions ("0.5s"), which Prometheus lacks but
// which users of other exporters write for timeouts.
#include "util/duration.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>

namespace spe {
namespace {

// 128-bit arithmetic keeps "digits * unit" exact before the range check.
__extension__ using Wide = __int128;

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Largest first: a compound duration lists its units in this order, each at most once.
constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr std::int64_t kYear = 365 * kDay;
constexpr std::array<Unit, 7> kUnits{{
    {"y", kYear},
    {"w", kWeek},
    {"d", kDay},
    {"h", kHour},
    {"m", kMinute},
    {"s", kSecond},
    {"ms", 1},
}};

// Beyond these many digits a value is out of range (or finer than a millisecond) whatever the
// unit; the limits keep every product below inside Wide.
constexpr std::size_t kMaxWholeDigits = 20;
constexpr std::size_t kMaxFractionDigits = 15;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::optional<std::size_t> unit_index(std::string_view name) {
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    if (kUnits[i].name == name) return i;
  }
  return std::nullopt;
}

std::unexpected<Error> invalid(std::string_view text, std::string_view why) {
  return fail(ErrorCode::invalid_argument, "invalid duration \"" + std::string(text) + "\": " + std::string(why));
}

// Reads a run of digits starting at `pos`; advances `pos`.
std::string_view take_digits(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  return text.substr(start, pos - start);
}

Wide digits_value(std::string_view digits) {
  Wide value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  return value;
}

// One "<number>[.<fraction>]<unit>" term, in milliseconds.
struct Term {
  Wide ms = 0;
  std::size_t unit = 0;
};

Result<Term> parse_term(std::string_view text, std::size_t& pos) {
  const std::string_view whole = take_digits(text, pos);
  if (whole.empty()) {
    return invalid(text, "expected a number at \"" + std::string(text.substr(pos)) + "\"");
  }
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    fraction = take_digits(text, pos);
    if (fraction.empty()) return invalid(text, "expected digits after the decimal point");
  }
  // Trailing zeros of a fraction carry no value and only widen the arithmetic.
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (whole.size() > kMaxWholeDigits) return invalid(text, "too large");
  if (fraction.size() > kMaxFractionDigits) return invalid(text, "finer than a millisecond");
  const std::size_t unit_start = pos;
  while (pos < text.size() && is_alpha(text[pos])) ++pos;
  const std::string_view unit_name = text.substr(unit_start, pos - unit_start);
  if (unit_name.empty()) return invalid(text, "missing unit (one of ms, s, m, h, d, w, y)");
  const auto unit = unit_index(unit_name);
  if (!unit) return invalid(text, "unknown unit \"" + std::string(unit_name) + "\"");

  const Wide unit_ms = kUnits[*unit].ms;
  Wide scale = 1;
  for (std::size_t i = 0; i < fraction.size(); ++i) scale *= 10;
  const Wide fraction_ms = digits_value(fraction) * unit_ms;
  if (fraction_ms % scale != 0) return invalid(text, "finer than a millisecond");
  return Term{digits_value(whole) * unit_ms + fraction_ms / scale, *unit};
}

void append_count(std::string& out, std::int64_t count, std::string_view unit) {
  out += std::to_string(count);
  out += unit;
}

}  // namespace

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return invalid(text, "empty");
  if (text.front() == '-') return invalid(text, "must not be negative");
  // Prometheus accepts a bare "0"; any other number needs a unit.
  if (text == "0") return std::chrono::milliseconds{0};

  Wide total = 0;
  std::optional<std::size_t> previous_unit;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto term = parse_term(text, pos);
    if (!term) return std::unexpected(term.error());
    if (previous_unit && term->unit <= *previous_unit) {
      return invalid(text, "units must go from largest to smallest, each at most once");
    }
    previous_unit = term->unit;
    total += term->ms;
    if (total > std::numeric_limits<std::int64_t>::max()) return invalid(text, "too large");
  }
  return std::chrono::milliseconds{static_cast<std::int64_t>(total)};
}

std::string format_duration(std::chrono::milliseconds value) {
  std::int64_t ms = value.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    // Negating the minimum would overflow; no config can hold it, so print it in one unit.
    if (ms == std::numeric_limits<std::int64_t>::min()) return out + "9223372036854775808ms";
    ms = -ms;
  }
  // Not whole seconds: one number of milliseconds reads better than "1s500ms".
  if (ms % kSecond != 0) {
    append_count(out, ms, "ms");
    return out;
  }
  // As Prometheus does: years and weeks only when exact, since "90d" reads better than "12w6d".
  for (const Unit& unit : kUnits) {
    const bool exact_only = unit.ms == kYear || unit.ms == kWeek;
    if (exact_only && ms % unit.ms != 0) continue;
    if (const std::int64_t count = ms / unit.ms; count > 0) {
      append_count(out, count, unit.name);
      ms -= count * unit.ms;
    }
  }
  return out;
}

}  // namespace spe
