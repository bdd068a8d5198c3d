// The system-test bed of jump hosts: the shared test sshd as the target, behind real OpenSSH servers of their own
// (TestSshd::start_separate) as bastions, and one exporter whose modules reach the target through them. The sshds
// start once per test process, on first use of shared(); the exporter on first use of exporter() or probe(). Both
// from the main thread.
//
// Its sshds: bastion() and bastion2() forward (AllowTcpForwarding local); no_forward() keeps the fixture's
// AllowTcpForwarding no; permit_open() forwards only to 127.0.0.1:1, never to the target.
// Its [jump_hosts.NAME] tables (probe_bed's jump_host_table):
//   bastion, bastion2, no_forward, permit_open   the sshd of that name, logging in with its authorized key
//   bastion_cert, bastion_password               bastion() by its user certificate, by the account's password
//                                                (bastion_password only when the target has_password())
//   bastion_wrong_key                            bastion() checked against its wrong_known_hosts_path()
//   bastion_denied                               bastion() with a key it does not authorize (the certificate's
//                                                key without the certificate)
//   bastion2_via_bastion                         bastion2() with jump_hosts = ["bastion"] of its own
// Its modules, each logging in to the target with the target's key and known_hosts unless said otherwise:
//   via_bastion (["bastion"]), two_hops (["bastion", "bastion2"]), nested (["bastion2_via_bastion"]),
//   via_cert (["bastion_cert"]), via_password (["bastion_password"], when has_password()),
//   bastion_wrong_key (["bastion_wrong_key"]), target_wrong_key (["bastion"], the target's wrong known_hosts),
//   no_forward (["no_forward"]), permit_open (["permit_open"]),
//   stop_at_host_key, stop_at_auth, stop_at_forward (["bastion_wrong_key" / "bastion_denied" / "no_forward",
//   then "bastion2"]),
//   large_output, large_output_cut (["bastion"], a command "big" printing kLargeOutputBytes bytes then "END\n"
//   with max_output_bytes at its limit of 16 MiB, and 20,000,000 bytes with max_output_bytes 1 MiB),
//   adversarial (["bastion"], any target: insecure_ignore_host_key, a password never sent, timeout
//   adversarial_timeout()).
// Every module's timeout is 10 s but adversarial's and the large outputs' (30 s).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "support/exporter_process.hpp"
#include "support/http_client.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"

namespace spe::test {

class JumpBed {
 public:
  static JumpBed& shared();

  TestSshd& target() { return target_; }
  TestSshd& bastion() { return *bastion_; }
  TestSshd& bastion2() { return *bastion2_; }
  TestSshd& no_forward() { return *no_forward_; }
  TestSshd& permit_open() { return *permit_open_; }
  ExporterProcess& exporter();
  static constexpr std::chrono::milliseconds adversarial_timeout() { return std::chrono::milliseconds{2000}; }
#ifdef SPE_SANITIZED
  static constexpr std::size_t kLargeOutputBytes = 4'000'000;  // the relay's paths, at a sanitizer's pace
#else
  static constexpr std::size_t kLargeOutputBytes = 16'000'000;
#endif

  // GET /probe?target=<target>&module=<module>[&debug=true] (target defaults to the target sshd).
  HttpResponse probe(const std::string& module, const std::string& target = "", bool debug = false);

 private:
  JumpBed();
  TestSshd& target_;
  std::unique_ptr<TestSshd> bastion_;
  std::unique_ptr<TestSshd> bastion2_;
  std::unique_ptr<TestSshd> no_forward_;
  std::unique_ptr<TestSshd> permit_open_;
  TempDir dir_{"spe-jump-bed"};
  std::unique_ptr<ExporterProcess> exporter_;
};

// The config lines that make a TestSshd::start_separate a jump host: direct-tcpip allowed.
inline const std::vector<std::string> kForwarding{"AllowTcpForwarding local"};

}  // namespace spe::test
