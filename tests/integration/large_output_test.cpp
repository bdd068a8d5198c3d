// Commands printing a few hundred KB, many probes at once against the real sshd: every probe must
// read the output to its end and see the exit status; none may sit idle until its deadline.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "support/probe_bed.hpp"

using namespace spe::test;

// The stall this guards against (ssh_handle.cpp, SshChannel::read_available): libssh had buffered
// the command's last stdout bytes while the probe read stderr, and the probe waited for a socket
// event that never came. Which probes hit it depends on how packets fall across libssh's 4 KB
// socket reads, so many probes of several sizes run, 16 at a time; on the old code about one probe
// in six stalled (at least 10 of these 64 in every run), so every wave had some.
TEST_CASE("probes of 100-250 KB of output, sixteen at a time, never stall", "[integration]") {
  auto& sshd = TestSshd::shared();
  TempDir dir{"spe-large-output"};
  // A stalled probe ends at this deadline; a working one takes well under it even on a machine whose
  // two cores a sanitizer build shares, and four waves of stalls stay within about 32 s.
  const std::string login = "user = " + toml_string(sshd.user()) + "\nprivate_key = " + toml_string(sshd.key_path()) +
                            "\nknown_hosts = " + toml_string(sshd.known_hosts_path()) + "\ntimeout = \"8s\"\n";
  // Text lines, as a real command prints them, then a last line that `expect` looks for at the very
  // end: a probe succeeds only with all of its output and an exit status of 0.
  const std::vector<std::size_t> sizes{100'000, 150'000, 192'000, 229'000, 250'000};
  std::string config;
  for (const std::size_t size : sizes) {
    const std::string name = "out" + std::to_string(size);
    config += "[modules." + name + "]\n" + login + "[[modules." + name + ".commands]]\nname = \"big\"\n" +
              "command = \"yes 0123456789abcdef | head -c " + std::to_string(size) + "; echo; echo END\"\n" +
              "expect = \"\\\\nEND\\\\n$\"\nmax_output_bytes = 1048576\n\n";
  }
  write_file(dir.path() / "exporter.toml", config);
  ExporterProcess exporter((dir.path() / "exporter.toml").string());

  constexpr int kWaves = 4;
  constexpr int kConcurrent = 16;
  int probes = 0;
  int incomplete = 0;
  std::string first_failure;
  const auto start = std::chrono::steady_clock::now();
  for (int wave = 0; wave < kWaves; ++wave) {
    std::vector<std::string> targets;
    for (int i = 0; i < kConcurrent; ++i) {
      const std::size_t size = sizes[static_cast<std::size_t>(wave * kConcurrent + i) % sizes.size()];
      targets.push_back("/probe?target=" + sshd.target() + "&module=out" + std::to_string(size));
    }
    const auto responses = http_get_concurrent(exporter.port(), targets, std::chrono::seconds{15});
    for (std::size_t i = 0; i < responses.size(); ++i) {
      const auto& response = responses[i].response;
      INFO(targets[i] << ": " << response.error << "\n" << response.body);
      REQUIRE(response.status == 200);
      ++probes;
      const bool complete = metric_value(response.body, "probe_success") == 1 &&
                            metric_value(response.body, "probe_ssh_command_exit_status", {{"command", "big"}}) == 0;
      if (!complete) {
        ++incomplete;
        if (first_failure.empty()) first_failure = targets[i] + "\n" + response.body;
      }
    }
  }
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN(incomplete << " of " << probes << " probes incomplete; " << elapsed << " s");
  INFO(first_failure);
  CHECK(probes == kWaves * kConcurrent);
  CHECK(incomplete == 0);
}
