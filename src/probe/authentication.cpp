#include "probe/authentication.hpp"

#include <algorithm>

#include "config/algorithms.hpp"

namespace spe {

Authentication::Authentication(const Auth& auth, const AlgorithmChoice& algorithms)
    : auth_(auth), algorithms_(algorithms), plan_(auth_plan(auth)) {}

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
      case AuthOutcome::not_sent:
        log.add("debug", "key not offered", {{"method", method}, {"why", key_not_sent()}});
        key_not_sent_ = true;
        ++next_method_;
        break;
      case AuthOutcome::denied:
      case AuthOutcome::partial:
        log.add("debug", *outcome == AuthOutcome::partial ? "authentication partial" : "authentication denied",
                {{"method", method}, {"offered", session.offered_auth_methods()}});
        tried_ += (tried_.empty() ? "" : ",") + method;
        ++next_method_;
        break;
    }
  }
  const std::string who = "authentication as \"" + auth_.user + "\"";
  if (tried_.empty()) return fail(ErrorCode::unauthenticated, who + " not attempted: " + key_not_sent());
  std::string message = who + " denied (tried " + tried_ + "; server offers " + session.offered_auth_methods() + ")";
  if (key_not_sent_) message += "; publickey not attempted: " + key_not_sent();
  return fail(ErrorCode::unauthenticated, std::move(message));
}

Result<AuthOutcome> Authentication::try_method(SshSession& session, AuthMethod method) const {
  switch (method) {
    case AuthMethod::publickey: return session.auth_publickey(auth_.key->key.get());
    case AuthMethod::password: return session.auth_password(*auth_.password);
    case AuthMethod::keyboard_interactive: return session.auth_kbdint(*auth_.password);
  }
  return fail(ErrorCode::internal, "unknown authentication method");
}

// Why libssh kept the key back. Load checks that pubkey_accepted_algorithms lets the key sign at
// all, so what is missing is the server's side: an RSA key signs with rsa-sha2-* only when the
// server's server-sig-algs extension names them, and falls back to ssh-rsa (SHA-1) otherwise.
std::string Authentication::key_not_sent() const {
  const char* name = ssh_key_type_to_char(ssh_key_type(auth_.key->key.get()));
  const std::string type = name != nullptr ? name : "unknown";
  const bool certificate = !auth_.key->certificate_path.empty();
  std::string out = "no signature algorithm in common with the server for the " + type + " key";
  if (type != "ssh-rsa") return out + " (pubkey_accepted_algorithms does not allow what the server accepts)";
  out += ": the server's server-sig-algs names neither rsa-sha2-512 nor rsa-sha2-256 (or it sent none)";
  const auto& accepted = algorithms_.pubkeys;
  const bool sha1_allowed = std::ranges::any_of(accepted, [&](const std::string& algorithm) {
    return key_signs_as(type, certificate, algorithm) && algorithm.starts_with("ssh-rsa");
  });
  if (!sha1_allowed) {
    out += ", and pubkey_accepted_algorithms leaves out ssh-rsa (SHA-1); pubkey_accepted_algorithms = \"+ssh-rsa\"";
    out += " would allow SHA-1 signatures";
  }
  return out;
}

}  // namespace spe
