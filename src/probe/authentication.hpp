// The authentication phase of a probe: the methods of the auth plan tried in order over a session
// whose host key was accepted, one non-blocking step at a time. Holds only its own progress (which
// method is next, which were refused); the probe owns the session and the waiting. Not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config/model.hpp"
#include "probe/auth_plan.hpp"
#include "probe/probe_log.hpp"
#include "probe/ssh_handle.hpp"
#include "util/result.hpp"

namespace spe {

class Authentication {
 public:
  // `auth` and `algorithms` must outlive this (they live in the probe's config snapshot).
  Authentication(const Auth& auth, const AlgorithmChoice& algorithms);

  // Goes on with the plan: again means wait for the socket and call step again; done means
  // authenticated. A method the server refuses (or accepts only partially) is logged and the next
  // one tried; when none is left: unauthenticated, "authentication as "user" denied (tried
  // publickey,password; server offers publickey)". A key libssh would not sign with for this
  // server (AuthOutcome::not_sent) is no refusal: the error says so, and why. A libssh failure is
  // returned as it is.
  Result<Progress> step(SshSession& session, ProbeLog& log);

 private:
  Result<AuthOutcome> try_method(SshSession& session, AuthMethod method) const;
  std::string key_not_sent() const;

  const Auth& auth_;
  const AlgorithmChoice& algorithms_;
  std::vector<AuthMethod> plan_;
  std::size_t next_method_ = 0;
  std::string tried_;  // the refused methods so far, comma-separated
  bool key_not_sent_ = false;
};

}  // namespace spe
