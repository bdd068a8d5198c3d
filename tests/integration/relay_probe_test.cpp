// The prober through jump hosts, in this process: start_ssh_probe with a module whose chain is
// built by hand (the config's [jump_hosts] tables are tested on their own), against the real test
// sshd as both jump host and target. What the report says of each hop, and that the relay carries
// a stream of many megabytes both ways without blocking.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/key_material.hpp"
#include "config/load.hpp"
#include "probe/resolver.hpp"
#include "probe/ssh_probe.hpp"
#include "support/temp_dir.hpp"
#include "support/probe_bed.hpp"
#include "support/sshd.hpp"

using namespace std::chrono_literals;

namespace {

using spe::test::TestSshd;

// A jump host at the test sshd, its key pinned by fingerprint (or a wrong one).
spe::JumpHostPtr jump_host(const TestSshd& sshd, const std::string& name, bool right_key = true) {
  auto hop = std::make_shared<spe::JumpHost>();
  hop->name = name;
  hop->host = sshd.host();
  hop->port = sshd.jump_port();
  hop->host_key.fingerprints = {right_key ? sshd.host_key_fingerprint()
                                          : "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
  hop->auth.user = sshd.user();
  auto key = spe::load_key_material(sshd.key_path(), nullptr, "");
  REQUIRE(key.has_value());
  hop->auth.key = std::move(*key);
  return hop;
}

// Runs one probe of module "m" of `module_toml` through `chain` to `target` and returns its report.
spe::ProbeReport probe_through(const std::string& module_toml, std::vector<spe::JumpHostPtr> chain,
                               const std::string& target, std::chrono::milliseconds timeout = 10s) {
  auto loaded = spe::load_config_text(module_toml, "/nonexistent/exporter.toml");
  REQUIRE(loaded.has_value());
  loaded->modules.at("m").jump_chain = std::move(chain);
  const auto config = std::make_shared<const spe::ExporterConfig>(std::move(*loaded));
  auto parsed = spe::parse_target(target);
  REQUIRE(parsed.has_value());
  spe::ProbeRequest request;
  request.config = config;
  request.module = config->find_module("m");
  request.target = *parsed;
  request.target_text = target;
  request.timeout = timeout;
  request.start = std::chrono::steady_clock::now();

  boost::asio::io_context io;
  spe::Resolver resolver(1);
  std::optional<spe::ProbeReport> report;
  spe::start_ssh_probe(io.get_executor(), resolver, std::move(request),
                       [&report](spe::ProbeReport done) { report = std::move(done); });
  const auto until = std::chrono::steady_clock::now() + timeout + 5s;
  while (!report && std::chrono::steady_clock::now() < until) io.run_one_for(100ms);
  io.run_for(50ms);  // what the finished probe still had queued
  REQUIRE(report.has_value());
  return std::move(*report);
}

std::string module_with(const TestSshd& sshd, const std::string& extra = "") {
  return spe::test::key_module(sshd, "m", extra);
}

}  // namespace

TEST_CASE("through one jump host the probe logs in and runs its command", "[integration][jump]") {
  const TestSshd& sshd = TestSshd::shared();
  const auto report = probe_through(module_with(sshd,
                                                "[[modules.m.commands]]\nname = \"echo\"\ncommand = \"echo through\"\n"
                                                "expect = \"through\"\n"),
                                    {jump_host(sshd, "bastion")}, sshd.target());
  INFO(report.failure_message);
  REQUIRE(report.success);
  REQUIRE(report.hops.size() == 1);
  const spe::HopReport& hop = report.hops[0];
  CHECK(hop.name == "bastion");
  CHECK(hop.success);
  for (const spe::HopPhase phase : spe::kAllHopPhases) CHECK(hop.phase_duration(phase).has_value());
  REQUIRE(hop.host_key.has_value());
  CHECK(hop.host_key->fingerprint_sha256 == sshd.host_key_fingerprint());
  CHECK_FALSE(report.failed_hop.has_value());
  // The target's name is the hop's to resolve: no lookup here, and no address family known.
  CHECK_FALSE(report.phase_duration(spe::Phase::resolve).has_value());
  CHECK(report.ip_protocol == 0);
  REQUIRE(report.phase_duration(spe::Phase::connect).has_value());
  CHECK(*report.phase_duration(spe::Phase::connect) >= *hop.phase_duration(spe::HopPhase::forward));
  REQUIRE(report.server.has_value());
  CHECK(report.host_key.has_value());
  bool hop_line = false;
  for (const auto& line : report.log) {
    if (line.fields.size() > 1 && line.fields[1] == std::pair<std::string, std::string>{"hop", "bastion"}) {
      hop_line = true;
    }
  }
  CHECK(hop_line);
}

TEST_CASE("through two jump hosts in a row", "[integration][jump]") {
  const TestSshd& sshd = TestSshd::shared();
  const auto report = probe_through(module_with(sshd, "[[modules.m.commands]]\nname = \"true\"\ncommand = \"true\"\n"),
                                    {jump_host(sshd, "outer"), jump_host(sshd, "inner")}, sshd.target());
  INFO(report.failure_message);
  REQUIRE(report.success);
  REQUIRE(report.hops.size() == 2);
  CHECK(report.hops[0].success);
  CHECK(report.hops[1].success);
}

TEST_CASE("megabytes of output come back through a jump host", "[integration][jump]") {
  const TestSshd& sshd = TestSshd::shared();
#ifdef SPE_SANITIZED
  constexpr std::size_t kBytes = 4 * 1024 * 1024;  // the relay's paths, at a sanitizer's pace
#else
  constexpr std::size_t kBytes = 16 * 1024 * 1024;  // the largest max_output_bytes
#endif
  const auto report = probe_through(
      module_with(sshd, "[[modules.m.commands]]\nname = \"zeros\"\ncommand = \"head -c " + std::to_string(kBytes) +
                            " /dev/zero\"\nmax_output_bytes = " + std::to_string(kBytes) + "\n"),
      {jump_host(sshd, "bastion")}, sshd.target(), 30s);
  INFO(report.failure_message);
  REQUIRE(report.success);
  REQUIRE(report.commands.size() == 1);
  CHECK(report.commands[0].output_bytes == kBytes);
  CHECK_FALSE(report.commands[0].output_truncated);
}

TEST_CASE("a jump host that cannot reach the target fails with forward", "[integration][jump]") {
  const TestSshd& sshd = TestSshd::shared();
  const auto report = probe_through(module_with(sshd), {jump_host(sshd, "bastion")},
                                    "127.0.0.1:" + std::to_string(spe::test::free_loopback_port()));
  CHECK_FALSE(report.success);
  CHECK(report.failure == spe::FailureReason::forward);
  REQUIRE(report.failed_hop == std::optional<std::size_t>(0));
  CHECK_FALSE(report.hops[0].success);
  CHECK(report.hops[0].phase_duration(spe::HopPhase::auth).has_value());
  CHECK(report.failure_message.find("Connection refused") != std::string::npos);
}

TEST_CASE("a jump host whose key does not verify fails with host_key there", "[integration][jump]") {
  const TestSshd& sshd = TestSshd::shared();
  const auto offset = sshd.log_size();
  const auto report = probe_through(module_with(sshd), {jump_host(sshd, "bastion", false)}, sshd.target());
  CHECK_FALSE(report.success);
  CHECK(report.failure == spe::FailureReason::host_key);
  CHECK(report.failed_hop == std::optional<std::size_t>(0));
  CHECK_FALSE(report.hops[0].success);
  CHECK(report.hops[0].host_key.has_value());
  CHECK_FALSE(report.hops[0].phase_duration(spe::HopPhase::auth).has_value());
  CHECK_FALSE(report.phase_duration(spe::Phase::handshake).has_value());
  sshd.wait_idle();
  CHECK_FALSE(spe::test::log_has_auth_attempt(sshd.log_since(offset)));
}
