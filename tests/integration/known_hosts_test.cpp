// known_hosts as the probes use it, against the real test sshd: a name hashed by ssh-keygen -H,
// the target's line among 10,000 others, a revoked key refused before any credential is sent, and
// a changed known_hosts file picked up by the auto-reload. Each test starts its own exporter.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "support/configured_exporter.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

// An exporter with one module "m" logging in to the test sshd with its key, checked against the
// known_hosts file `known` holds (written into the exporter's directory).
struct Exporter : ConfiguredExporter {
  explicit Exporter(const std::string& known, std::vector<std::string> args = {})
      : ConfiguredExporter("[modules.m]\nuser = " + toml_string(TestSshd::shared().user()) + "\nprivate_key = " +
                               toml_string(TestSshd::shared().key_path()) + "\nknown_hosts = \"known_hosts\"\n",
                           std::move(args), {{"known_hosts", known}}),
        known_hosts((dir.path() / "known_hosts").string()) {}

  // The probe of the test sshd with debug=true: its log, then its metrics.
  std::string debug_probe() const {
    const auto response = http_get(port(), "/probe?target=" + TestSshd::shared().target() + "&module=m&debug=true");
    REQUIRE(response.status == 200);
    return response.body;
  }

  std::string known_hosts;
};

// "[127.0.0.1]:PORT", as OpenSSH names the test sshd in known_hosts.
std::string sshd_name() {
  auto& sshd = TestSshd::shared();
  return "[" + sshd.host() + "]:" + std::to_string(sshd.port());
}

std::string sshd_line() { return sshd_name() + " " + TestSshd::shared().host_public_key() + "\n"; }

// The value of the metrics part of a debug body (it follows the log).
double success_of(const std::string& debug_body) {
  const auto at = debug_body.find("\n\nMetrics that would have been returned:\n");
  REQUIRE(at != std::string::npos);
  return metric_value(debug_body.substr(at), "probe_success").value_or(-1);
}

// sshd's log from `offset` once the probe's connection has ended (5 s at most).
std::string sshd_log_after(std::size_t offset) {
  return TestSshd::shared().log_after(offset, {"Disconnected from", "Connection closed"});
}

}  // namespace

TEST_CASE("known_hosts: a name hashed by ssh-keygen -H verifies the host", "[integration]") {
  TempDir work{"spe-hash"};
  const auto file = work.path() / "known_hosts";
  write_file(file, sshd_line());
  const auto hashed = run_command({"ssh-keygen", "-H", "-f", file.string()});
  REQUIRE(hashed.exit_code == 0);
  const std::string text = read_file(file);
  REQUIRE(text.starts_with("|1|"));
  REQUIRE_FALSE(contains(text, sshd_name()));

  const Exporter exporter(text);
  const std::string body = exporter.debug_probe();
  INFO(body);
  CHECK(success_of(body) == 1);
  CHECK(contains(body, "msg=\"host key accepted\""));
  CHECK(contains(body, "known_hosts=ok"));
  CHECK(contains(body, "host key matches " + exporter.known_hosts + ":1"));
}

TEST_CASE("known_hosts: the target's line among 10,000 others, plain, hashed and patterns", "[integration]") {
  TempDir work{"spe-large"};
  const auto hosts = work.path() / "hosts";
  std::string plain;
  for (int i = 0; i < 2500; ++i) {
    plain += "host" + std::to_string(i) + ".example.net " + TestSshd::shared().host_public_key() + "\n";
  }
  write_file(hosts, plain);
  REQUIRE(run_command({"ssh-keygen", "-H", "-f", hosts.string()}).exit_code == 0);
  const std::string hashed = read_file(hosts);  // 2,500 hashed lines
  std::string text = hashed;
  for (int i = 0; i < 2500; ++i) {
    const std::string n = std::to_string(i);
    text += "*.zone" + n + ".example.org,!skip" + n + ".zone" + n + ".example.org " +
            TestSshd::shared().host_public_key() + "\n";
    text += "[10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250) + "]:" + std::to_string(1000 + i) +
            " " + TestSshd::shared().host_public_key() + "\n";
  }
  text += "this line is not a known_hosts line\n";  // line 7,501: skipped, and said so
  // An RSA key for the target too: its algorithms are offered first, the sshd has none, and the
  // key exchange falls back to ed25519, which the next line verifies.
  text += sshd_name() +
          " ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCzu/TfhGAu+Uz9woqe0DWokfGK+s9fC/FjBQ60cu0bq5qOUQsL7rwI"
          "80AQtAHygGC+prEEoFX7RAjykfwt9xBCMLZTqEx6pu5OFQOOI9y5O1ncfcYbjmd229i+AErE6q7bdpsWa5MYmqaBo+e"
          "QvZDSdRu+Q16gghSBetf4hZ7C3w==\n";  // line 7,502
  text += sshd_line();                        // line 7,503
  for (int i = 0; i < 2497; ++i) text += plain.substr(0, plain.find('\n') + 1);
  REQUIRE(std::count(text.begin(), text.end(), '\n') == 10000);

  const Exporter exporter(text);
  CHECK(exporter.process->wait_for_log("known_hosts lines skipped", 5s));
  CHECK(contains(exporter.process->log(), exporter.known_hosts + ":7501: unsupported key type"));
  for (int probe = 0; probe < 3; ++probe) {  // the first scans the file, the others use the memo
    const std::string body = exporter.debug_probe();
    INFO(body);
    CHECK(success_of(body) == 1);
    CHECK(contains(body, "host key matches " + exporter.known_hosts + ":7503"));
    CHECK(contains(body, "known_hosts_skipped=\"1 line skipped, the first " + exporter.known_hosts + ":7501: "));
  }
}

TEST_CASE("known_hosts: a revoked key is refused before any credential is sent", "[integration]") {
  auto& sshd = TestSshd::shared();
  // Trusted on line 1, revoked for every host on line 2: revocation wins, as in OpenSSH.
  const Exporter exporter(sshd_line() + "@revoked * " + sshd.host_public_key() + "\n");
  sshd.wait_idle();
  const std::size_t offset = sshd.log_size();
  const std::string body = exporter.debug_probe();
  INFO(body);
  CHECK(success_of(body) == 0);
  CHECK(contains(body, "msg=\"host key refused\""));
  CHECK(contains(body, "known_hosts=revoked"));
  CHECK(contains(body, "host key is revoked by @revoked at " + exporter.known_hosts + ":2"));
  CHECK(metric_value(body.substr(body.find("\n\nMetrics")), "probe_ssh_failure", {{"reason", "host_key"}}) == 1);
  const std::string log = sshd_log_after(offset);
  CHECK(contains(log, "Connection from 127.0.0.1"));
  CHECK_FALSE(log_has_auth_attempt(log));
}

TEST_CASE("known_hosts: the auto-reload picks up a changed known_hosts file", "[integration]") {
  const Exporter exporter("", {"--config.auto-reload-interval", "100ms"});
  {
    const std::string body = exporter.debug_probe();
    INFO(body);
    CHECK(success_of(body) == 0);
    CHECK(contains(body, "host is not in " + exporter.known_hosts));
  }
  const std::size_t offset = exporter.process->log_size();
  write_file(exporter.known_hosts, "# now known\n" + sshd_line());
  REQUIRE(exporter.process->wait_for_log("msg=\"config reloaded\" trigger=file", 10s, offset));
  const std::string body = exporter.debug_probe();
  INFO(body);
  CHECK(success_of(body) == 1);
  CHECK(contains(body, "host key matches " + exporter.known_hosts + ":2"));
}
