// Routes: one HTTP request -> one response, for /probe (/ssh), /metrics, /, /-/healthy, /-/ready.
// Decides statuses and bodies; moves no bytes itself. Thread-safe: called from every io thread.
#pragma once

#include <chrono>

#include <boost/asio/any_io_executor.hpp>

#include "config/store.hpp"
#include "http/message.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "probe/resolver.hpp"

namespace spe::http {

struct RoutesContext {
  boost::asio::any_io_executor executor;  // where probes run
  ConfigStore& config;
  Resolver& resolver;
  metrics::ExporterMetrics& metrics;
  Logger& logger;
  std::chrono::milliseconds timeout_offset{500};
};

class Routes {
 public:
  explicit Routes(RoutesContext context) : context_(std::move(context)) {}

  // Answers through `respond` exactly once; for /probe after the probe ends.
  void handle(Request request, Respond respond);

 private:
  void handle_probe(const Request& request, Respond respond);
  Response handle_metrics() const;
  Response handle_landing() const;
  Response reject(int status, std::string_view reason, std::string message);

  RoutesContext context_;
};

}  // namespace spe::http
