// Routes: one HTTP request -> one response, for /probe (/ssh), /metrics, /, /logs, /config,
// /-/reload, /-/healthy, /-/ready. Decides statuses and bodies; moves no bytes itself, so it is
// tested in-process with plain Request and Respond values and a fake ProbeStarter. Thread-safe:
// called from every io thread.
#pragma once

#include <utility>

#include "http/message.hpp"
#include "http/probe_endpoint.hpp"
#include "http/routes_context.hpp"

namespace spe::http {

class Routes {
 public:
  explicit Routes(RoutesContext context) : context_(std::move(context)), probe_(context_) {}
  Routes(const Routes&) = delete;  // probe_ refers to context_
  Routes& operator=(const Routes&) = delete;

  // Answers through `respond` exactly once; for /probe after the probe ends.
  void handle(Request request, Respond respond);

 private:
  Response handle_metrics(const Request& request) const;
  Response handle_logs(const Request& request) const;
  void handle_reload(const Request& request, Respond respond);

  RoutesContext context_;
  ProbeEndpoint probe_;
};

}  // namespace spe::http
