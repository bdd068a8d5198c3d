// The effective timeout of a probe (blackbox getTimeout): min(module timeout, scrape timeout
// header - offset). Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "util/result.hpp"

namespace spe {

// `scrape_timeout_header` is the raw X-Prometheus-Scrape-Timeout-Seconds value, if sent
// (seconds, may have a fraction). When header - offset is not positive, the header value itself is
// used (as blackbox does). A header that is not a positive number, or is below 0.001 (timeouts are
// whole milliseconds, rounded down), is invalid_argument.
Result<std::chrono::milliseconds> effective_timeout(std::chrono::milliseconds module_timeout,
                                                    std::optional<std::string_view> scrape_timeout_header,
                                                    std::chrono::milliseconds offset);

}  // namespace spe
