// Why a request got no probe (or no answer at all): the closed list behind
// ssh_probe_exporter_requests_rejected_total{reason}. Every reason is reported, at 0 until it
// happens; the label text of each is written here and nowhere else.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace spe::metrics {

enum class RejectReason {
  bad_target,      // a missing, repeated or malformed target
  bad_request,     // another bad parameter (module, debug) or the scrape-timeout header
  unknown_module,  // a module the config does not have
  not_allowed,     // a target outside the module's allowed_targets
  overload,        // --probe.max-concurrent probes in flight already
  auth_overload,   // every basic-auth password check slot taken
};
inline constexpr std::size_t kRejectReasonCount = 6;
inline constexpr std::array<RejectReason, kRejectReasonCount> kAllRejectReasons = {
    RejectReason::bad_target,  RejectReason::bad_request, RejectReason::unknown_module,
    RejectReason::not_allowed, RejectReason::overload,    RejectReason::auth_overload};

constexpr std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::bad_target: return "bad_target";
    case RejectReason::bad_request: return "bad_request";
    case RejectReason::unknown_module: return "unknown_module";
    case RejectReason::not_allowed: return "not_allowed";
    case RejectReason::overload: return "overload";
    case RejectReason::auth_overload: return "auth_overload";
  }
  return "bad_request";
}

}  // namespace spe::metrics
