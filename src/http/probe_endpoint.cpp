#include "http/probe_endpoint.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include "config/render.hpp"
#include "debug/debug_output.hpp"
#include "http/exposition_response.hpp"
#include "metric_model/exposition.hpp"
#include "metrics/from_report.hpp"
#include "config/allowlist.hpp"
#include "probe/deadline.hpp"
#include "probe/params.hpp"

namespace spe::http {
namespace {

using Clock = std::chrono::steady_clock;
using metrics::RejectReason;

// The target's fault (missing, repeated, malformed) or another parameter's.
RejectReason reason_for(ProbeParam parameter) {
  return parameter == ProbeParam::target ? RejectReason::bad_target : RejectReason::bad_request;
}

std::string seconds_text(double seconds) { return metrics::format_value(seconds); }

}  // namespace

Response ProbeEndpoint::reject(int status, RejectReason reason, std::string message) const {
  context_.metrics.request_rejected(reason);
  context_.logger.debug("request rejected", {{"reason", std::string(to_string(reason))}, {"err", message}});
  return text_response(status, std::move(message) + "\n");
}

void ProbeEndpoint::handle(const Request& request, Respond respond) const {
  const auto start = Clock::now();
  auto params = parse_probe_params(request.query);
  if (!params) return respond(reject(400, reason_for(params.error().parameter), params.error().message));
  ConfigSnapshot config = context_.config.current();
  const Module* module = config->find_module(params->module);
  if (module == nullptr) {
    return respond(reject(400, RejectReason::unknown_module, "unknown module \"" + params->module + "\""));
  }
  if (module->allowlist && !module->allowlist->allows(params->target, module->port)) {
    return respond(reject(403, RejectReason::not_allowed,
                          "target \"" + params->target_text + "\" is not allowed by module \"" + module->name + "\""));
  }
  const auto timeout = effective_timeout(module->timeout, request.header("x-prometheus-scrape-timeout-seconds"),
                                         context_.timeout_offset);
  if (!timeout) return respond(reject(400, RejectReason::bad_request, timeout.error().message));
  if (!context_.metrics.try_probe_started(context_.max_concurrent)) {
    Response response =
        reject(503, RejectReason::overload,
               "too many probes in flight (--probe.max-concurrent=" + std::to_string(context_.max_concurrent) + ")");
    response.headers.emplace_back("Retry-After", "1");
    return respond(std::move(response));
  }

  ProbeRequest probe{config, module, params->target, params->target_text, *timeout, start};
  probe.log_after_answer = [&logger = context_.logger](LogLevel level, std::string_view msg,
                                                       std::span<const LogField> fields) {
    logger.log(level, msg, fields);
  };
  // The slot try_probe_started took is freed once the probe holds no connection (after its answer
  // when the SFTP write test's file is still being removed), so that --probe.max-concurrent bounds
  // the descriptors.
  probe.released = [&metrics = context_.metrics] { metrics.probe_released(); };
  // The probe holds the config snapshot until it ends; the answer and the history need only the
  // module's TOML, rendered at load (a config not made by the loader has none yet: render it now).
  auto module_toml = module->toml ? module->toml : std::make_shared<const std::string>(render_module(*module));
  const auto format = metrics::negotiate_format(request.header("accept"));
  auto on_done = [this, module_toml = std::move(module_toml), debug = params->debug, format,
                  respond = std::move(respond)](ProbeReport report) {
    finish(std::move(report), module_toml, debug, format, respond);
  };
  auto cancel = context_.start_probe(std::move(probe), std::move(on_done));
  // A client that leaves mid-probe (a scrape timeout) stops the probe, freeing its connection.
  if (request.cancel && cancel) request.cancel->on_cancel(std::move(cancel));
}

// Counts, records and logs the probe, then answers. The metrics are rendered once, in the
// negotiated format, for the answer; the history keeps the parts of the debug text (the log moved
// out of the report, a copy of the rendered metrics, the shared module TOML) and formats them when
// read. Nothing it keeps holds the config snapshot or the report.
void ProbeEndpoint::finish(ProbeReport report, std::shared_ptr<const std::string> module_toml, bool debug,
                           metrics::Format format, const Respond& respond) const {
  const double seconds = std::chrono::duration<double>(report.duration).count();
  context_.metrics.probe_answered(report.module, report.success, seconds);
  auto text = render_families(metrics::families_from_report(report), format);
  const std::string reason = report.success ? ""
                                            : std::string(to_string(report.failure.value_or(FailureReason::internal)));
  std::string failed_hop = failed_hop_name(report);
  ProbeRecord record{report.module, report.target, report.success, reason, failed_hop, report.duration, {}};
  std::string debug_body;
  if (debug || context_.history.limit() > 0) {
    auto metrics_text = std::make_shared<const std::string>(
        text ? *text : "cannot render metrics: " + text.error().message + "\n");
    record.debug = take_debug_parts(report, std::move(metrics_text), std::move(module_toml));
    // The answer to debug=true is whole; the history cuts its copy to its caps.
    if (debug) debug_body = debug_output(record.debug);
  }
  const std::uint64_t id = context_.history.add(std::move(record));
  if (report.success) {
    // Most probes succeed: build the fields only when debug lines are logged.
    if (context_.logger.enabled(LogLevel::debug)) {
      context_.logger.debug("probe succeeded", {{"module", report.module},
                                                {"target", report.target},
                                                {"duration_seconds", seconds_text(seconds)},
                                                {"id", std::to_string(id)}});
    }
  } else {
    // Through jump hosts, the hop it failed at comes right after the target.
    std::vector<LogField> fields{{"module", report.module}, {"target", report.target}};
    if (!failed_hop.empty()) fields.emplace_back("hop", std::move(failed_hop));
    fields.insert(fields.end(), {{"phase", std::string(to_string(report.last_phase))},
                                 {"reason", reason},
                                 {"duration_seconds", seconds_text(seconds)},
                                 {"err", report.failure_message},
                                 {"id", std::to_string(id)}});
    context_.logger.log(LogLevel::info, "probe failed", fields);
  }
  if (debug) return respond(text_response(200, std::move(debug_body)));
  respond(exposition_response(std::move(text), format));
}

}  // namespace spe::http
