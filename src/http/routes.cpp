#include "http/routes.hpp"

#include <charconv>

#include "config/allowlist.hpp"
#include "config/render.hpp"
#include "debug/debug_output.hpp"
#include "http/exposition_response.hpp"
#include "http/landing_page.hpp"
#include "metrics/negotiation.hpp"
#include "metrics/process.hpp"
#include "util/query_string.hpp"

namespace spe::http {
namespace {

Response method_not_allowed(std::string_view allow) {
  Response response = text_response(405, "method not allowed\n");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

// What the history keeps now, beside the exporter's own metrics: the figure --history.max-bytes caps.
metrics::MetricFamily history_bytes_family(const History& history) {
  metrics::Sample sample;
  sample.value = static_cast<double>(history.bytes());
  return metrics::MetricFamily{"ssh_probe_exporter_history_bytes",
                               "Bytes the probe history keeps for / and /logs, at most --history.max-bytes.",
                               metrics::MetricType::gauge,
                               {std::move(sample)}};
}

// The one "id" parameter of /logs, as sent; nullopt when missing, repeated or not decodable.
std::optional<std::string> logs_id(std::string_view query) {
  const auto parsed = QueryString::parse(query);
  if (!parsed) return std::nullopt;
  auto id = parsed->single("id");
  if (!id) return std::nullopt;
  return std::move(*id);
}

}  // namespace

void Routes::handle(Request request, Respond respond) {
  if (request.path == "/-/reload") return handle_reload(request, std::move(respond));
  if (request.method != "GET") return respond(method_not_allowed("GET"));
  if (request.path == "/probe" || request.path == "/ssh") return probe_.handle(request, std::move(respond));
  if (request.path == "/metrics") return respond(handle_metrics(request));
  if (request.path == "/") {
    return respond(
        Response{200,
                 "text/html; charset=utf-8",
                 landing_page(*context_.config.current(), context_.history, context_.metrics.libssh_version()),
                 {}});
  }
  if (request.path == "/logs") return respond(handle_logs(request));
  if (request.path == "/config") return respond(text_response(200, render_config(*context_.config.current())));
  if (request.path == "/-/healthy" || request.path == "/-/ready") return respond(text_response(200, "OK\n"));
  // Browsers ask for it beside every page with no icon of its own (the text of /logs): "no icon" keeps a 404 out
  // of the operator's console.
  if (request.path == "/favicon.ico") return respond(Response{204, "text/plain; charset=utf-8", "", {}});
  respond(text_response(404, "not found\n"));
}

Response Routes::handle_metrics(const Request& request) const {
  auto families = context_.metrics.families();
  families.push_back(history_bytes_family(context_.history));
  for (auto& family : metrics::process_families()) families.push_back(std::move(family));
  const auto format = metrics::negotiate_format(request.header("accept"));
  return exposition_response(render_families(std::move(families), format), format);
}

Response Routes::handle_logs(const Request& request) const {
  const auto text = logs_id(request.query);
  if (!text) return text_response(400, "expected one parameter \"id\"\n");
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
  if (text->empty() || ec != std::errc{} || end != text->data() + text->size()) {
    return text_response(400, "invalid id \"" + *text + "\": expected a probe number\n");
  }
  const auto entry = context_.history.get(id);
  if (entry == nullptr) {
    return text_response(404, "no probe with id " + *text + " in the history (it keeps the last " +
                                  std::to_string(context_.history.limit()) +
                                  " probes and as many failures, within --history.max-bytes)\n");
  }
  return text_response(200, debug_output(entry->debug));
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
      return respond(text_response(500, "failed to reload config, keeping the previous one:\n" +
                                            reloaded->error().to_string() + "\n"));
    }
    respond(text_response(200, "config reloaded (" + std::to_string((**reloaded)->modules.size()) + " modules)\n"));
  };
  context_.reloader.request("http", std::move(answer));
}

}  // namespace spe::http
