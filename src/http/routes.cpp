#include "http/routes.hpp"

#include <libssh/libssh.h>

#include "metrics/exposition.hpp"
#include "metrics/from_report.hpp"
#include "metrics/process.hpp"
#include "metrics/registry.hpp"
#include "probe/deadline.hpp"
#include "probe/params.hpp"
#include "probe/ssh_probe.hpp"

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

// Families -> exposition text through a per-request registry, which refuses anything invalid.
Result<std::string> render(std::vector<metrics::MetricFamily> families) {
  metrics::Registry registry;
  for (auto& family : families) {
    if (auto added = registry.add(std::move(family)); !added) return std::unexpected(added.error());
  }
  return metrics::write_text(registry.families());
}

Response metrics_response(Result<std::string> text) {
  if (!text) return text_response(500, "cannot render metrics: " + text.error().message + "\n");
  return Response{200, std::string(metrics::kTextContentType), std::move(*text), {}};
}

}  // namespace

void Routes::handle(Request request, Respond respond) {
  if (request.method != "GET") {
    Response response = text_response(405, "method not allowed\n");
    response.headers.emplace_back("Allow", "GET");
    return respond(std::move(response));
  }
  if (request.path == "/probe" || request.path == "/ssh") return handle_probe(request, std::move(respond));
  if (request.path == "/metrics") return respond(handle_metrics());
  if (request.path == "/") return respond(handle_landing());
  if (request.path == "/-/healthy" || request.path == "/-/ready") return respond(text_response(200, "OK\n"));
  respond(text_response(404, "not found\n"));
}

Response Routes::reject(int status, std::string_view reason, std::string message) {
  context_.metrics.request_rejected(reason);
  context_.logger.debug("request rejected", {{"reason", std::string(reason)}, {"err", message}});
  return text_response(status, std::move(message) + "\n");
}

void Routes::handle_probe(const Request& request, Respond respond) {
  const auto start = Clock::now();
  auto params = parse_probe_params(request.query);
  if (!params) return respond(reject(400, "bad_request", params.error().message));
  ConfigSnapshot config = context_.config.current();
  const Module* module = config->find_module(params->module);
  if (module == nullptr) {
    return respond(reject(400, "unknown_module", "unknown module \"" + params->module + "\""));
  }
  const auto timeout = effective_timeout(module->timeout, request.header("x-prometheus-scrape-timeout-seconds"),
                                         context_.timeout_offset);
  if (!timeout) return respond(reject(400, "bad_request", timeout.error().message));

  ProbeRequest probe{std::move(config), module, params->target, params->target_text, *timeout, start};
  context_.metrics.probe_started();
  auto on_done = [this, respond = std::move(respond)](ProbeReport report) {
    const double seconds = std::chrono::duration<double>(report.duration).count();
    context_.metrics.probe_finished(report.module, report.success, seconds);
    if (report.success) {
      context_.logger.debug("probe succeeded", {{"module", report.module}, {"target", report.target},
                                                {"duration_seconds", seconds_text(seconds)}});
    } else {
      context_.logger.info("probe failed",
                           {{"module", report.module}, {"target", report.target},
                            {"phase", std::string(to_string(report.last_phase))},
                            {"reason", std::string(to_string(report.failure.value_or(FailureReason::internal)))},
                            {"duration_seconds", seconds_text(seconds)}, {"err", report.failure_message}});
    }
    respond(metrics_response(render(metrics::families_from_report(report))));
  };
  start_ssh_probe(context_.executor, context_.resolver, std::move(probe), std::move(on_done));
}

Response Routes::handle_metrics() const {
  auto families = context_.metrics.families();
  for (auto& family : metrics::process_families()) families.push_back(std::move(family));
  return metrics_response(render(std::move(families)));
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
      "<p>Version " SPE_VERSION " (revision " SPE_REVISION ", libssh " +
      html_escape(ssh_version(0)) +
      ")</p>\n"
      "<p>Probe a host: <code>/probe?target=HOST[:PORT]&amp;module=NAME</code></p>\n"
      "<form action=\"/probe\" method=\"get\">\n"
      "<label>Target <input name=\"target\" placeholder=\"host:22\"></label>\n"
      "<label>Module <input name=\"module\" value=\"default\"></label>\n"
      "<input type=\"submit\" value=\"Probe\">\n</form>\n"
      "<h2>Modules</h2>\n<ul>\n" +
      modules +
      "</ul>\n<p><a href=\"/metrics\">Metrics</a> &middot; <a href=\"/-/healthy\">Health</a></p>\n"
      "</body></html>\n";
  return Response{200, "text/html; charset=utf-8", std::move(body), {}};
}

}  // namespace spe::http
