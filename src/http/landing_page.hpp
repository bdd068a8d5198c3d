// The HTML page at "/": version, a probe form, the modules, and the probes the history keeps with
// links to their /logs. Every value from the config or a request is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "config/model.hpp"
#include "debug/history.hpp"

namespace spe::http {

// `libssh_version` is shown beside the exporter's own version and revision (ExporterMetrics has it).
std::string landing_page(const ExporterConfig& config, const History& history, std::string_view libssh_version);

// `&`, `<`, `>`, `"` and `'` as entities.
std::string html_escape(std::string_view text);

}  // namespace spe::http
