// Routes: one HTTP request -> one response, for /probe (/ssh), /metrics, /, /logs, /config,
// /-/reload, /-/healthy, /-/ready. Decides statuses and bodies; moves no bytes itself. Thread-safe:
// called from every io thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "config/reloader.hpp"
#include "config/store.hpp"
#include "debug/history.hpp"
#include "http/message.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "metrics/negotiation.hpp"
#include "metrics/reject_reason.hpp"
#include "probe/report.hpp"
#include "probe/resolver.hpp"

namespace spe::http {

struct RoutesContext {
  // Where a probe runs: the loop of the calling thread, i.e. of the connection that asked for it.
  std::function<boost::asio::any_io_executor()> probe_executor;
  ConfigStore& config;
  Resolver& resolver;
  metrics::ExporterMetrics& metrics;
  Logger& logger;
  History& history;
  // Where POST /-/reload asks for a load (trigger "http"); its answer comes from that load, or says
  // the load is still running once the reloader's bound has passed.
  Reloader& reloader;
  std::chrono::milliseconds timeout_offset{500};
  std::size_t max_concurrent = 0;  // probes in flight at most; 0: no limit
};

class Routes {
 public:
  explicit Routes(RoutesContext context) : context_(std::move(context)) {}

  // Answers through `respond` exactly once; for /probe after the probe ends.
  void handle(Request request, Respond respond);

 private:
  void handle_probe(const Request& request, Respond respond);
  void finish_probe(ProbeReport report, std::shared_ptr<const std::string> module_toml, bool debug,
                    metrics::Format format, const Respond& respond);
  Response handle_metrics(const Request& request) const;
  Response handle_landing() const;
  Response handle_logs(const Request& request) const;
  Response handle_config() const;
  void handle_reload(const Request& request, Respond respond);
  Response reject(int status, metrics::RejectReason reason, std::string message);

  RoutesContext context_;
};

}  // namespace spe::http
