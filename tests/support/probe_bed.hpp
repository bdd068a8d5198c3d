// The system-test bed of the exporter: the real exporter binary configured with one module per way
// of logging in to (or being refused by) the shared test sshd, started once per test process.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "support/exporter_process.hpp"
#include "support/http_client.hpp"
#include "support/metric_text.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {

// A TOML basic string holding `text`, escaped.
std::string toml_string(std::string_view text);

class ProbeBed {
 public:
  static ProbeBed& shared();

  TestSshd& sshd() { return sshd_; }
  ExporterProcess& exporter() { return *exporter_; }
  const std::string& config_path() const { return config_path_; }

  // GET /probe?target=<target>&module=<module> (target defaults to the test sshd).
  HttpResponse probe(const std::string& module, const std::string& target = "");

 private:
  ProbeBed();
  TestSshd& sshd_;
  TempDir dir_{"spe-bed"};
  std::string config_path_;
  std::unique_ptr<ExporterProcess> exporter_;
};

// The value of probe_ssh_failure{reason=...}, or -1 when the series is missing.
double failure_value(const std::string& body, const std::string& reason);

// The value of the per-command series `name`{command=`command`}, or -999 when the series is missing.
double command_metric(const std::string& body, const std::string& name, const std::string& command);

// The reason whose probe_ssh_failure is 1 ("" when none; "several" when more than one).
std::string failure_reason_of(const std::string& body);

// ssh_probe_exporter_requests_rejected_total{reason=...} from the /metrics of the exporter at port, or -1 when
// the series is missing.
double rejected(unsigned short port, const std::string& reason);

// [modules.NAME] logging in to sshd with its authorized key, checked against its known_hosts, plus extra lines.
std::string key_module(const TestSshd& sshd, const std::string& name, const std::string& extra = "");

// How a jump host table logs in to its sshd: its authorized key, its CA-signed certificate (cert_key_path and
// cert_path), the account's password (only when sshd.has_password()), or a key it refuses (the certificate's key
// without the certificate).
enum class HopLogin { key, certificate, password, denied_key };

// [jump_hosts.NAME] at hop's address (127.0.0.1 and its port), logging in as its user by `login`, its host key
// checked against known_hosts (empty: hop's own known_hosts_path()), plus extra lines.
std::string jump_host_table(const TestSshd& hop, const std::string& name, HopLogin login = HopLogin::key,
                            const std::string& known_hosts = "", const std::string& extra = "");

// key_module(target, name, extra) reached through the jump hosts named in hops, in order (`jump_hosts = [...]`).
std::string jump_module(const TestSshd& target, const std::string& name, const std::vector<std::string>& hops,
                        const std::string& extra = "");

}  // namespace spe::test
