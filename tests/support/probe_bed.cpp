#include "support/probe_bed.hpp"

#include <array>

namespace spe::test {

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

namespace {

std::string module(const std::string& name, const std::map<std::string, std::string>& keys) {
  std::string text = "[modules." + name + "]\n";
  for (const auto& [key, value] : keys) text += key + " = " + value + "\n";
  return text + "\n";
}

std::string bed_config(TestSshd& sshd, const TempDir& dir) {
  const std::string user = toml_string(sshd.user());
  const std::string known = toml_string(sshd.known_hosts_path());
  const std::string key = toml_string(sshd.key_path());
  const std::string empty_known = toml_string((dir.path() / "empty_known_hosts").string());
  write_file(dir.path() / "empty_known_hosts", "");
  std::string text;
  text += module("key", {{"user", user}, {"private_key", key}, {"known_hosts", known}, {"timeout", "\"5s\""}});
  text += module("encrypted_key", {{"user", user},
                                   {"private_key", toml_string(sshd.encrypted_key_path())},
                                   {"passphrase", toml_string(sshd.passphrase())},
                                   {"known_hosts", known}});
  text += module("certificate", {{"user", user},
                                 {"private_key", toml_string(sshd.cert_key_path())},
                                 {"certificate", toml_string(sshd.cert_path())},
                                 {"known_hosts", known}});
  text += module("pinned", {{"user", user},
                            {"private_key", key},
                            {"host_key_fingerprints", "[" + toml_string(sshd.host_key_fingerprint()) + "]"}});
  text += module("pinned_wrong", {{"user", user},
                                  {"private_key", key},
                                  {"host_key_fingerprints", "[\"SHA256:" + std::string(43, 'A') + "\"]"}});
  text += module("insecure", {{"user", user}, {"private_key", key}, {"insecure_ignore_host_key", "true"}});
  text += module("unknown_host", {{"user", user}, {"private_key", key}, {"known_hosts", empty_known}});
  text += module("ip4_first",
                 {{"user", user}, {"private_key", key}, {"known_hosts", known}, {"ip_protocol", "\"ip4\""}});
  // Not authorized: the key of the certificate, without the certificate.
  text += module("key_denied",
                 {{"user", user}, {"private_key", toml_string(sshd.cert_key_path())}, {"known_hosts", known}});
  if (sshd.has_password()) {
    const std::string password = toml_string(sshd.password());
    text += module("password", {{"user", user}, {"password", password}, {"known_hosts", known}});
    // known_hosts names the host by port, so the second port of the same sshd is pinned instead.
    text += module("password_any_host",
                   {{"user", user},
                    {"password", password},
                    {"host_key_fingerprints", "[" + toml_string(sshd.host_key_fingerprint()) + "]"}});
    text += module("wrong_password", {{"user", user}, {"password", "\"not-the-password\""}, {"known_hosts", known}});
    text += module("changed_host", {{"user", user},
                                    {"password", password},
                                    {"private_key", key},
                                    {"known_hosts", toml_string(sshd.wrong_known_hosts_path())}});
  } else {
    text += module("changed_host", {{"user", user},
                                    {"private_key", key},
                                    {"known_hosts", toml_string(sshd.wrong_known_hosts_path())}});
  }
  return text;
}

}  // namespace

ProbeBed& ProbeBed::shared() {
  static ProbeBed bed;
  return bed;
}

ProbeBed::ProbeBed() : sshd_(TestSshd::shared()) {
  config_path_ = (dir_.path() / "exporter.toml").string();
  write_file(config_path_, bed_config(sshd_, dir_));
  exporter_ = std::make_unique<ExporterProcess>(config_path_);
}

HttpResponse ProbeBed::probe(const std::string& module, const std::string& target) {
  const std::string where = target.empty() ? sshd_.target() : target;
  return http_get(exporter_->port(), "/probe?target=" + where + "&module=" + module);
}

double failure_value(const std::string& body, const std::string& reason) {
  return metric_value(body, "probe_ssh_failure", {{"reason", reason}}).value_or(-1);
}

double rejected(unsigned short port, const std::string& reason) {
  return metric_value(http_get(port, "/metrics").body, "ssh_probe_exporter_requests_rejected_total",
                      {{"reason", reason}})
      .value_or(-1);
}

std::string key_module(const TestSshd& sshd, const std::string& name, const std::string& extra) {
  return "[modules." + name + "]\nuser = " + toml_string(sshd.user()) +
         "\nprivate_key = " + toml_string(sshd.key_path()) +
         "\nknown_hosts = " + toml_string(sshd.known_hosts_path()) + "\n" + extra + "\n";
}

std::string jump_host_table(const TestSshd& hop, const std::string& name, HopLogin login,
                            const std::string& known_hosts, const std::string& extra) {
  std::string text = "[jump_hosts." + name + "]\nhost = " + toml_string(hop.host()) +
                     "\nport = " + std::to_string(hop.port()) + "\nuser = " + toml_string(hop.user()) + "\n";
  switch (login) {
    case HopLogin::key: text += "private_key = " + toml_string(hop.key_path()) + "\n"; break;
    case HopLogin::certificate:
      text += "private_key = " + toml_string(hop.cert_key_path()) + "\ncertificate = " + toml_string(hop.cert_path()) +
              "\n";
      break;
    case HopLogin::password: text += "password = " + toml_string(hop.password()) + "\n"; break;
    case HopLogin::denied_key: text += "private_key = " + toml_string(hop.cert_key_path()) + "\n"; break;
  }
  return text + "known_hosts = " + toml_string(known_hosts.empty() ? hop.known_hosts_path() : known_hosts) + "\n" +
         extra + "\n";
}

std::string jump_module(const TestSshd& target, const std::string& name, const std::vector<std::string>& hops,
                        const std::string& extra) {
  std::string list;
  for (const std::string& hop : hops) list += (list.empty() ? "" : ", ") + toml_string(hop);
  return key_module(target, name, "jump_hosts = [" + list + "]\n" + extra);
}

double command_metric(const std::string& body, const std::string& name, const std::string& command) {
  return metric_value(body, name, {{"command", command}}).value_or(-999);
}

std::string failure_reason_of(const std::string& body) {
  std::string found;
  for (const auto& sample : parse_samples(body)) {
    if (sample.name != "probe_ssh_failure" || sample.value != 1) continue;
    if (!found.empty()) return "several";
    found = sample.labels.at("reason");
  }
  return found;
}

}  // namespace spe::test
