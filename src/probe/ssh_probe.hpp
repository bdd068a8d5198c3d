// One probe as an asynchronous state machine on a strand, in phases: the connection (resolve,
// connect, handshake, host key: probe/connection.hpp), authentication (probe/authentication.hpp),
// the commands (probe/commands_phase.hpp), the checks through the target (probe/forward_checks.hpp)
// and the SFTP check (probe/sftp_runner.hpp), sequenced in ssh_probe.cpp. One absolute deadline
// timer aborts whatever is pending; libssh runs non-blocking over a dup of the connected socket and
// the probe waits on the socket between steps.
#pragma once

#include <functional>

#include <boost/asio/any_io_executor.hpp>

#include "probe/probe_request.hpp"
#include "probe/report.hpp"
#include "probe/resolver.hpp"

namespace spe {

using ProbeCallback = std::function<void(ProbeReport)>;
// Ends a probe early, as if its deadline had passed now ("cancelled during <phase>"); callable from
// any thread, any number of times, and harmless once the probe has ended.
using ProbeCanceller = std::function<void()>;

// Starts a probe and returns at once. `done` is called exactly once, on the probe's strand, with
// the report, no later than a few milliseconds after the deadline or a cancel; request.released
// right after it, or up to a second later while the SFTP write test's file is removed (not at all
// if the loop stops meanwhile). `resolver` must outlive the probe. Thread-safe: any thread may start probes.
ProbeCanceller start_ssh_probe(boost::asio::any_io_executor executor, Resolver& resolver, ProbeRequest request,
                               ProbeCallback done);

}  // namespace spe
