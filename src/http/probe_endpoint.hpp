// GET /probe (and /ssh): checks the request, starts the probe through RoutesContext::start_probe,
// and answers with its metrics (or, with debug=true, its debug text) once it ends. Every refusal
// (400, 403, 503) happens before the probe starts, so a refused target never sees a packet; each is
// counted in requests_rejected_total under its RejectReason and logged at debug. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "http/message.hpp"
#include "http/routes_context.hpp"
#include "metrics/negotiation.hpp"
#include "metrics/reject_reason.hpp"
#include "probe/report.hpp"

namespace spe::http {

class ProbeEndpoint {
 public:
  // `context` must outlive every probe started.
  explicit ProbeEndpoint(const RoutesContext& context) : context_(context) {}

  // Answers through `respond` exactly once: at once when refused, else after the probe ends.
  void handle(const Request& request, Respond respond) const;

 private:
  void finish(ProbeReport report, std::shared_ptr<const std::string> module_toml, bool debug, metrics::Format format,
              const Respond& respond) const;
  Response reject(int status, metrics::RejectReason reason, std::string message) const;

  const RoutesContext& context_;
};

}  // namespace spe::http
