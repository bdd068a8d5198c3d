#include "probe/authentication.hpp"

namespace spe {

Authentication::Authentication(const Auth& auth) : auth_(auth), plan_(auth_plan(auth)) {}

Result<Progress> Authentication::step(SshSession& session, ProbeLog& log) {
  while (next_method_ < plan_.size()) {
    const std::string method(to_string(plan_[next_method_]));
    const auto outcome = try_method(session, plan_[next_method_]);
    if (!outcome) return std::unexpected(outcome.error());
    switch (*outcome) {
      case AuthOutcome::again: return Progress::again;
      case AuthOutcome::success:
        log.add("debug", "authenticated", {{"user", auth_.user}, {"method", method}});
        return Progress::done;
      case AuthOutcome::denied:
      case AuthOutcome::partial:
        log.add("debug", *outcome == AuthOutcome::partial ? "authentication partial" : "authentication denied",
                {{"method", method}, {"offered", session.offered_auth_methods()}});
        tried_ += (tried_.empty() ? "" : ",") + method;
        ++next_method_;
        break;
    }
  }
  return fail(ErrorCode::unauthenticated, "authentication as \"" + auth_.user + "\" denied (tried " + tried_ +
                                              "; server offers " + session.offered_auth_methods() + ")");
}

Result<AuthOutcome> Authentication::try_method(SshSession& session, AuthMethod method) const {
  switch (method) {
    case AuthMethod::publickey: return session.auth_publickey(auth_.key->key.get());
    case AuthMethod::password: return session.auth_password(*auth_.password);
    case AuthMethod::keyboard_interactive: return session.auth_kbdint(*auth_.password);
  }
  return fail(ErrorCode::internal, "unknown authentication method");
}

}  // namespace spe
