// Effective probe timeout from the module, the Prometheus scrape-timeout header and the offset.
#include "probe/deadline.hpp"

#include <algorithm>
#include <string>

namespace spe {
namespace {

// Integer parts longer than this are far beyond any module timeout; saturate instead of overflowing.
constexpr std::size_t kMaxIntegerDigits = 12;
constexpr std::chrono::milliseconds kSaturated{1'000'000'000'000'000};
constexpr std::string_view kHeaderName = "X-Prometheus-Scrape-Timeout-Seconds";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// "10", "9.5", ".25" -> milliseconds, rounded down. Anything else (signs, exponents, "inf") is
// refused: Prometheus writes plain decimals.
std::optional<std::chrono::milliseconds> parse_decimal_seconds(std::string_view text) {
  const auto dot = text.find('.');
  const std::string_view integer = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  if (!std::all_of(integer.begin(), integer.end(), is_digit)) return std::nullopt;
  if (!std::all_of(fraction.begin(), fraction.end(), is_digit)) return std::nullopt;

  const std::string_view significant = integer.substr(std::min(integer.find_first_not_of('0'), integer.size()));
  if (significant.size() > kMaxIntegerDigits) return kSaturated;
  long long millis = 0;
  for (const char c : significant) millis = millis * 10 + (c - '0');
  millis *= 1000;
  long long scale = 100;
  for (std::size_t i = 0; i < fraction.size() && i < 3; ++i, scale /= 10) millis += (fraction[i] - '0') * scale;
  return std::chrono::milliseconds(millis);
}

bool is_positive(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= '1' && c <= '9'; });
}

}  // namespace

Result<std::chrono::milliseconds> effective_timeout(std::chrono::milliseconds module_timeout,
                                                    std::optional<std::string_view> scrape_timeout_header,
                                                    std::chrono::milliseconds offset) {
  if (!scrape_timeout_header) return module_timeout;
  const std::string_view text = trim(*scrape_timeout_header);
  const auto header = parse_decimal_seconds(text);
  if (!header || !is_positive(text)) {
    return fail(ErrorCode::invalid_argument, "invalid " + std::string(kHeaderName) + " \"" +
                                                 std::string(*scrape_timeout_header) +
                                                 "\": expected a positive number of seconds");
  }
  // Timeouts are whole milliseconds: a positive value that rounds down to none is refused, not
  // turned into a probe that has timed out before it starts.
  if (*header < std::chrono::milliseconds(1)) {
    return fail(ErrorCode::invalid_argument,
                "invalid " + std::string(kHeaderName) + " \"" + std::string(*scrape_timeout_header) +
                    "\": below the 1 ms resolution of probe timeouts (expected at least 0.001)");
  }
  // As blackbox getTimeout: leave room for the response, unless the offset would eat it all.
  const auto scrape = *header - offset > std::chrono::milliseconds::zero() ? *header - offset : *header;
  return std::min(scrape, module_timeout);
}

}  // namespace spe
