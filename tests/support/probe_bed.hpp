// The system-test bed of the exporter: the real exporter binary configured with one module per way
// of logging in to (or being refused by) the shared test sshd, started once per test process.
#pragma once

#include <map>
#include <string>

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

// The reason whose probe_ssh_failure is 1 ("" when none; "several" when more than one).
std::string failure_reason_of(const std::string& body);

// ssh_probe_exporter_requests_rejected_total{reason=...} from the /metrics of the exporter at port, or -1 when
// the series is missing.
double rejected(unsigned short port, const std::string& reason);

// [modules.NAME] logging in to sshd with its authorized key, checked against its known_hosts, plus extra lines.
std::string key_module(const TestSshd& sshd, const std::string& name, const std::string& extra = "");

}  // namespace spe::test
