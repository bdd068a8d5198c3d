#include "http/landing_page.hpp"

#include <chrono>
#include <ctime>

#include "metric_model/exposition.hpp"
#include "util/build_info.hpp"

namespace spe::http {
namespace {

// The page's whole style, inline: the page loads nothing else. The empty data: icon keeps browsers from asking
// for /favicon.ico, which would be a 404 in their console. Failed probes are the rows an operator looks for: a
// red mark and tint, which stay readable printed or without colour (the result column says "failure").
constexpr const char* kHead =
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<link rel=\"icon\" href=\"data:,\">\n"
    "<style>\n"
    "body { font-family: sans-serif; margin: 1em 2em; color: #222; }\n"
    "h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.2em; font-size: 1.2em; }\n"
    "form { background: #f4f4f4; padding: 0.6em; display: inline-block; }\n"
    "form label { margin-right: 1em; }\n"
    "table { border-collapse: collapse; }\n"
    "th, td { text-align: left; padding: 0.25em 0.6em; border-bottom: 1px solid #ddd; white-space: nowrap; }\n"
    "th { background: #eee; }\n"
    "tr.failure td { background: #fdecea; }\n"
    "tr.failure td:first-child { border-left: 4px solid #c62828; }\n"
    "tr.success td:first-child { border-left: 4px solid #2e7d32; }\n"
    "tr.failure td:nth-child(3) { color: #b71c1c; font-weight: bold; }\n"
    "</style>\n";

// "2026-11-21T22:29:51Z": the wall-clock time of a history entry, in UTC.
std::string utc_time(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

std::string history_rows(const History& history) {
  std::string rows;
  for (const auto& entry : history.list()) {
    std::string result = entry->success ? "success" : "failure (" + entry->failure_reason;
    if (!entry->success) result += entry->failed_hop.empty() ? ")" : " at jump host " + entry->failed_hop + ")";
    const std::string id = std::to_string(entry->id);
    rows += std::string(entry->success ? "<tr class=\"success\">" : "<tr class=\"failure\">") + "<td>" +
            html_escape(entry->module) + "</td><td>" + html_escape(entry->target) + "</td><td>" + html_escape(result) +
            "</td><td>" + metrics::format_value(std::chrono::duration<double>(entry->duration).count()) +
            "s</td><td>" + utc_time(entry->start) + "</td><td><a href=\"/logs?id=" + id + "\">Logs</a></td></tr>\n";
  }
  return rows;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string landing_page(const ExporterConfig& config, const History& history, std::string_view libssh_version) {
  std::string modules;
  for (const auto& [name, module] : config.modules) {
    modules += "<li><code>" + html_escape(name) + "</code> (user " + html_escape(module.auth.user) + ", port " +
               std::to_string(module.port) + ")</li>\n";
  }
  return std::string("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>SSH Probe Exporter</title>\n") +
         kHead +
         "</head>\n"
         "<body>\n<h1>SSH Probe Exporter</h1>\n"
         "<p>Version " +
         std::string(build_version()) + " (revision " + std::string(build_revision()) + ", libssh " +
         html_escape(libssh_version) +
         ")</p>\n"
         "<p>Probe a host: <code>/probe?target=HOST[:PORT]&amp;module=NAME</code></p>\n"
         "<form action=\"/probe\" method=\"get\">\n"
         "<label>Target <input name=\"target\" placeholder=\"host:22\"></label>\n"
         "<label>Module <input name=\"module\" value=\"default\"></label>\n"
         "<input type=\"submit\" value=\"Probe\">\n</form>\n"
         "<h2>Modules</h2>\n<ul>\n" +
         modules +
         "</ul>\n<h2>Recent probes</h2>\n<table>\n"
         "<tr><th>Module</th><th>Target</th><th>Result</th><th>Duration</th><th>Started "
         "(UTC)</th><th>Debug</th></tr>\n" +
         history_rows(history) +
         "</table>\n<p><a href=\"/metrics\">Metrics</a> &middot; <a href=\"/config\">Configuration</a> &middot; "
         "<a href=\"/-/healthy\">Health</a></p>\n"
         "</body></html>\n";
}

}  // namespace spe::http
