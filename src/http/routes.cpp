#include "http/routes.hpp"

#include <charconv>
#include <ctime>

#include <libssh/libssh.h>

#include "config/allowlist.hpp"
#include "config/render.hpp"
#include "debug/debug_output.hpp"
#include "metric_model/exposition.hpp"
#include "metric_model/registry.hpp"
#include "metrics/from_report.hpp"
#include "metrics/negotiation.hpp"
#include "metrics/process.hpp"
#include "probe/deadline.hpp"
#include "probe/params.hpp"
#include "probe/ssh_probe.hpp"
#include "util/build_info.hpp"

namespace spe::http {
namespace {

using Clock = std::chrono::steady_clock;

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

std::string seconds_text(double seconds) { return metrics::format_value(seconds); }

// Families -> exposition text in `format` through a per-request registry, which refuses anything invalid.
Result<std::string> render(std::vector<metrics::MetricFamily> families, metrics::Format format) {
  metrics::Registry registry;
  for (auto& family : families) {
    if (auto added = registry.add(std::move(family)); !added) return std::unexpected(added.error());
  }
  return metrics::write_exposition(registry.families(), format);
}

// The body depends on the request's Accept header (the server adds Accept-Encoding to Vary).
Response metrics_response(Result<std::string> text, metrics::Format format) {
  if (!text) return text_response(500, "cannot render metrics: " + text.error().message + "\n");
  return Response{200, std::string(metrics::content_type(format)), std::move(*text), {{"Vary", "Accept"}}};
}

Response method_not_allowed(std::string_view allow) {
  Response response = text_response(405, "method not allowed\n");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// The values of every `name=` parameter in a query string, decoded; nullopt when one does not decode.
std::optional<std::vector<std::string>> query_values(std::string_view query, std::string_view name) {
  std::vector<std::string> values;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = url_decode(pair.substr(0, eq));
    if (!key || *key != name) continue;
    auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!value) return std::nullopt;
    values.push_back(std::move(*value));
  }
  return values;
}

// Which requests_rejected_total reason a query that parse_probe_params refused counts under: the
// target's fault (missing, repeated, malformed) or another parameter's.
std::string_view param_error_reason(std::string_view query) {
  const auto targets = query_values(query, "target");
  const bool target_ok = targets && targets->size() == 1 && parse_target(targets->front()).has_value();
  return target_ok ? "bad_request" : "bad_target";
}

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
    const std::string result = entry->success ? "success" : "failure (" + entry->failure_reason + ")";
    const std::string id = std::to_string(entry->id);
    rows += "<tr><td>" + html_escape(entry->module) + "</td><td>" + html_escape(entry->target) + "</td><td>" +
            html_escape(result) + "</td><td>" +
            seconds_text(std::chrono::duration<double>(entry->duration).count()) + "s</td><td>" +
            utc_time(entry->start) + "</td><td><a href=\"/logs?id=" + id + "\">Logs</a></td></tr>\n";
  }
  return rows;
}

// What the history keeps now, beside the exporter's own metrics: the figure --history.max-bytes caps.
metrics::MetricFamily history_bytes_family(const History& history) {
  metrics::Sample sample;
  sample.value = static_cast<double>(history.bytes());
  return metrics::MetricFamily{"ssh_probe_exporter_history_bytes",
                               "Bytes the probe history keeps for / and /logs, at most --history.max-bytes.",
                               metrics::MetricType::gauge, {std::move(sample)}};
}

}  // namespace

void Routes::handle(Request request, Respond respond) {
  if (request.path == "/-/reload") return handle_reload(request, std::move(respond));
  if (request.method != "GET") return respond(method_not_allowed("GET"));
  if (request.path == "/probe" || request.path == "/ssh") return handle_probe(request, std::move(respond));
  if (request.path == "/metrics") return respond(handle_metrics(request));
  if (request.path == "/") return respond(handle_landing());
  if (request.path == "/logs") return respond(handle_logs(request));
  if (request.path == "/config") return respond(handle_config());
  if (request.path == "/-/healthy" || request.path == "/-/ready") return respond(text_response(200, "OK\n"));
  respond(text_response(404, "not found\n"));
}

Response Routes::reject(int status, std::string_view reason, std::string message) {
  context_.metrics.request_rejected(reason);
  context_.logger.debug("request rejected", {{"reason", std::string(reason)}, {"err", message}});
  return text_response(status, std::move(message) + "\n");
}

// Every refusal happens before the probe starts, so a refused target never sees a packet.
void Routes::handle_probe(const Request& request, Respond respond) {
  const auto start = Clock::now();
  auto params = parse_probe_params(request.query);
  if (!params) return respond(reject(400, param_error_reason(request.query), params.error().message));
  ConfigSnapshot config = context_.config.current();
  const Module* module = config->find_module(params->module);
  if (module == nullptr) {
    return respond(reject(400, "unknown_module", "unknown module \"" + params->module + "\""));
  }
  if (module->allowlist && !module->allowlist->allows(params->target, module->port)) {
    return respond(reject(403, "not_allowed", "target \"" + params->target_text + "\" is not allowed by module \"" +
                                                  module->name + "\""));
  }
  const auto timeout = effective_timeout(module->timeout, request.header("x-prometheus-scrape-timeout-seconds"),
                                         context_.timeout_offset);
  if (!timeout) return respond(reject(400, "bad_request", timeout.error().message));
  if (!context_.metrics.try_probe_started(context_.max_concurrent)) {
    Response response = reject(503, "overload", "too many probes in flight (--probe.max-concurrent=" +
                                                    std::to_string(context_.max_concurrent) + ")");
    response.headers.emplace_back("Retry-After", "1");
    return respond(std::move(response));
  }

  ProbeRequest probe{config, module, params->target, params->target_text, *timeout, start};
  // The probe holds the config snapshot until it ends; the answer and the history need only the
  // module's TOML, rendered at load (a config not made by the loader has none yet: render it now).
  auto module_toml = module->toml ? module->toml : std::make_shared<const std::string>(render_module(*module));
  const auto format = metrics::negotiate_format(request.header("accept"));
  auto on_done = [this, module_toml = std::move(module_toml), debug = params->debug, format,
                  respond = std::move(respond)](ProbeReport report) {
    finish_probe(std::move(report), module_toml, debug, format, respond);
  };
  auto cancel = start_ssh_probe(context_.probe_executor(), context_.resolver, std::move(probe), std::move(on_done));
  // A client that leaves mid-probe (a scrape timeout) stops the probe, freeing its connection.
  if (request.cancel) request.cancel->on_cancel(std::move(cancel));
}

// Counts, records and logs the probe, then answers. The metrics are rendered once, in the
// negotiated format, for the answer; the history keeps the parts of the debug text (the log moved
// out of the report, a copy of the rendered metrics, the shared module TOML) and formats them when
// read. Nothing it keeps holds the config snapshot or the report.
void Routes::finish_probe(ProbeReport report, std::shared_ptr<const std::string> module_toml, bool debug,
                          metrics::Format format, const Respond& respond) {
  const double seconds = std::chrono::duration<double>(report.duration).count();
  context_.metrics.probe_finished(report.module, report.success, seconds);
  auto text = render(metrics::families_from_report(report), format);
  const std::string reason =
      report.success ? "" : std::string(to_string(report.failure.value_or(FailureReason::internal)));
  ProbeRecord record{report.module, report.target, report.success, reason, report.duration, {}};
  std::string debug_body;
  if (debug || context_.history.limit() > 0) {
    auto metrics_text = std::make_shared<const std::string>(
        text ? *text : "cannot render metrics: " + text.error().message + "\n");
    record.debug = DebugParts{std::move(report.log), std::move(metrics_text), std::move(module_toml)};
    // The answer to debug=true is whole; the history cuts its copy to its caps.
    if (debug) debug_body = debug_output(record.debug);
  }
  const std::uint64_t id = context_.history.add(std::move(record));
  if (report.success) {
    // Most probes succeed: build the fields only when debug lines are logged.
    if (context_.logger.enabled(LogLevel::debug)) {
      context_.logger.debug("probe succeeded", {{"module", report.module}, {"target", report.target},
                                                {"duration_seconds", seconds_text(seconds)},
                                                {"id", std::to_string(id)}});
    }
  } else {
    context_.logger.info("probe failed",
                         {{"module", report.module}, {"target", report.target},
                          {"phase", std::string(to_string(report.last_phase))}, {"reason", reason},
                          {"duration_seconds", seconds_text(seconds)}, {"err", report.failure_message},
                          {"id", std::to_string(id)}});
  }
  if (debug) return respond(text_response(200, std::move(debug_body)));
  respond(metrics_response(std::move(text), format));
}

Response Routes::handle_metrics(const Request& request) const {
  auto families = context_.metrics.families();
  families.push_back(history_bytes_family(context_.history));
  for (auto& family : metrics::process_families()) families.push_back(std::move(family));
  const auto format = metrics::negotiate_format(request.header("accept"));
  return metrics_response(render(std::move(families), format), format);
}

Response Routes::handle_landing() const {
  const ConfigSnapshot config = context_.config.current();
  std::string modules;
  for (const auto& [name, module] : config->modules) {
    modules += "<li><code>" + html_escape(name) + "</code> (user " + html_escape(module.auth.user) +
               ", port " + std::to_string(module.port) + ")</li>\n";
  }
  std::string body =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>SSH Probe Exporter</title></head>\n"
      "<body>\n<h1>SSH Probe Exporter</h1>\n"
      "<p>Version " + std::string(build_version()) + " (revision " + std::string(build_revision()) + ", libssh " +
      html_escape(ssh_version(0)) +
      ")</p>\n"
      "<p>Probe a host: <code>/probe?target=HOST[:PORT]&amp;module=NAME</code></p>\n"
      "<form action=\"/probe\" method=\"get\">\n"
      "<label>Target <input name=\"target\" placeholder=\"host:22\"></label>\n"
      "<label>Module <input name=\"module\" value=\"default\"></label>\n"
      "<input type=\"submit\" value=\"Probe\">\n</form>\n"
      "<h2>Modules</h2>\n<ul>\n" +
      modules +
      "</ul>\n<h2>Recent probes</h2>\n<table>\n"
      "<tr><th>Module</th><th>Target</th><th>Result</th><th>Duration</th><th>Started (UTC)</th><th>Debug</th></tr>\n" +
      history_rows(context_.history) +
      "</table>\n<p><a href=\"/metrics\">Metrics</a> &middot; <a href=\"/config\">Configuration</a> &middot; "
      "<a href=\"/-/healthy\">Health</a></p>\n"
      "</body></html>\n";
  return Response{200, "text/html; charset=utf-8", std::move(body), {}};
}

Response Routes::handle_logs(const Request& request) const {
  const auto ids = query_values(request.query, "id");
  if (!ids || ids->size() != 1) return text_response(400, "expected one parameter \"id\"\n");
  const std::string& text = ids->front();
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    return text_response(400, "invalid id \"" + text + "\": expected a probe number\n");
  }
  const auto entry = context_.history.get(id);
  if (entry == nullptr) {
    return text_response(404, "no probe with id " + text + " in the history (it keeps the last " +
                                  std::to_string(context_.history.limit()) +
                                  " probes and as many failures, within --history.max-bytes)\n");
  }
  return text_response(200, debug_output(entry->debug));
}

Response Routes::handle_config() const {
  return text_response(200, render_config(*context_.config.current()));
}

// Never waits for the load: the reloader answers from its own thread, and the server posts the
// response back to the connection's loop.
void Routes::handle_reload(const Request& request, Respond respond) {
  if (request.method != "POST") return respond(method_not_allowed("POST"));
  const auto bound = std::chrono::ceil<std::chrono::seconds>(context_.reloader.bound());
  auto answer = [respond = std::move(respond), bound](const std::optional<Reloader::Outcome>& reloaded) {
    if (!reloaded) {
      Response response = text_response(503, "reload still running after " + std::to_string(bound.count()) +
                                                  "s; its outcome will be in the log and in "
                                                  "ssh_probe_exporter_config_last_reload_successful\n");
      response.headers.emplace_back("Retry-After", std::to_string(bound.count()));
      return respond(std::move(response));
    }
    if (!*reloaded) {
      return respond(text_response(
          500, "failed to reload config, keeping the previous one:\n" + reloaded->error().to_string() + "\n"));
    }
    respond(text_response(200, "config reloaded (" + std::to_string((**reloaded)->modules.size()) + " modules)\n"));
  };
  context_.reloader.request("http", std::move(answer));
}

}  // namespace spe::http
