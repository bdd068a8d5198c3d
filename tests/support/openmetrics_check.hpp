// Checking OpenMetrics 1.0 text against the rules of the specification's "Text format" section, in tests:
// promtool 2.42's `check metrics` reads only the Prometheus text format, so the writer's OpenMetrics output is
// checked by this checker (pure) and, in the system tests, by Prometheus' own parser (promtool_parse_openmetrics).
#pragma once

#include <string>
#include <vector>

namespace spe::test {

// Every violation of the OpenMetrics 1.0 text format rules found in text, one message each; empty when none.
std::vector<std::string> openmetrics_problems(const std::string& text);

}  // namespace spe::test
