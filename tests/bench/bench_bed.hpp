// The benchmark's bed: the loopback test sshd, a scratch directory for configs, the exporter started as a
// user would run it (default log level), and reading a /probe answer back into an outcome.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "bench/load_client.hpp"
#include "support/exporter_process.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

namespace spe::bench {

// Sizes of the run: the full one, or --quick (for CI and a first look).
struct BenchOptions {
  bool quick = false;
  int reps = 3;
};

// What one /probe answer said.
struct ProbeOutcome {
  bool answered = false;                        // HTTP 200 with a probe_success sample
  bool success = false;                         // probe_success 1
  std::string reason;                           // the probe_ssh_failure reason set to 1, "" on success
  double duration_seconds = 0;                  // probe_duration_seconds
  double timeout_seconds = 0;                   // probe_timeout_seconds
  std::map<std::string, double> phase_seconds;  // probe_ssh_duration_seconds by phase, then
                                                // probe_ssh_hop_duration_seconds as "<hop> <phase>"
  std::size_t hops = 0;                         // probe_ssh_hop_success series
  std::size_t hops_passed = 0;                  // of them, set to 1
};

ProbeOutcome read_outcome(const Answer& answer);

class BenchBed {
 public:
  explicit BenchBed(BenchOptions options);

  const BenchOptions& options() const { return options_; }
  test::TestSshd& sshd() { return sshd_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // A [modules.<name>] table that logs in to the test sshd with a key, checks its host key against
  // known_hosts (the sshd's own file when empty) and runs `true`.
  std::string login_module(std::string_view name, std::string_view known_hosts = "", std::string_view user = "",
                           std::string_view key = "");
  // A [modules.<name>] table for the adversarial servers, which never finish key exchange (so the password
  // is never sent), with the given timeout ("2s") and extra lines of the table.
  static std::string adversarial_module(std::string_view name, std::string_view timeout, std::string_view extra = "");

  // Writes the config file and starts an exporter on it at the default log level.
  std::unique_ptr<test::ExporterProcess> start_exporter(std::string_view file_name, std::string_view config);

  // "/probe?module=<module>&target=<target>"; the target defaults to the test sshd.
  std::string probe_path(std::string_view module, std::string_view target = "") const;

 private:
  BenchOptions options_;
  test::TestSshd& sshd_;
  test::TempDir dir_{"spe-bench"};
};

}  // namespace spe::bench
