// Probes of a real OpenSSH sshd on loopback, through the exporter's HTTP interface; at the end, the same against
// a real dropbear (another implementation: key, password, commands, host key checks).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <thread>

#include "probe/report.hpp"
#include "support/configured_exporter.hpp"
#include "support/dropbear.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;

namespace {

// Asserts the invariants of every probe response and returns its body.
std::string probe_body(const std::string& module, const std::string& target = "") {
  const HttpResponse response = ProbeBed::shared().probe(module, target);
  INFO("module " << module << " error " << response.error << "\n" << response.body);
  REQUIRE(response.status == 200);
  REQUIRE(response.headers.at("content-type").starts_with("text/plain; version=0.0.4"));
  REQUIRE(count_series(response.body, "probe_ssh_failure") == spe::kFailureReasonCount);
  REQUIRE(count_series(response.body, "probe_ssh_duration_seconds") == spe::kPhaseCount);
  return response.body;
}

void require_success(const std::string& module) {
  const std::string body = probe_body(module);
  INFO("module " << module << "\n" << body);
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(failure_reason_of(body).empty());
  CHECK(label_value(body, "probe_ssh_server_info", "software").value_or("").starts_with("OpenSSH_"));
  CHECK(label_value(body, "probe_ssh_host_key_info", "fingerprint_sha256") ==
        ProbeBed::shared().sshd().host_key_fingerprint());
  CHECK(label_value(body, "probe_ssh_host_key_info", "type") == "ssh-ed25519");
  CHECK(metric_value(body, "probe_ip_protocol") == 4);
  CHECK(metric_value(body, "probe_ssh_duration_seconds", {{"phase", "auth"}}).value_or(0) > 0);
  CHECK(metric_value(body, "probe_ssh_duration_seconds", {{"phase", "handshake"}}).value_or(0) > 0);
  CHECK(metric_value(body, "probe_duration_seconds").value_or(0) > 0);
}

void require_failure(const std::string& module, const std::string& reason, const std::string& target = "") {
  const std::string body = probe_body(module, target);
  INFO("module " << module << "\n" << body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == reason);
}

// sshd may still be logging an earlier connection: the log size once it has not changed for 300 ms
// (3 s at most), so what follows belongs to the next connection.
std::size_t settled_log_size() {
  auto& sshd = ProbeBed::shared().sshd();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  std::size_t size = sshd.log_size();
  while (std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::size_t now = sshd.log_size();
    if (now == size) break;
    size = now;
  }
  return size;
}

}  // namespace

TEST_CASE("a plain private key logs in", "[integration]") { require_success("key"); }

TEST_CASE("a passphrase-protected key logs in", "[integration]") { require_success("encrypted_key"); }

TEST_CASE("a user certificate logs in and reports its expiry", "[integration]") {
  require_success("certificate");
  const std::string body = probe_body("certificate");
  const auto expiry = metric_value(body, "probe_ssh_certificate_expiry_timestamp_seconds");
  REQUIRE(expiry);
  const auto expected = std::chrono::duration_cast<std::chrono::seconds>(
      ProbeBed::shared().sshd().cert_valid_before().time_since_epoch());
  CHECK(*expiry == Approx(static_cast<double>(expected.count())).margin(1));
  CHECK_FALSE(metric_value(probe_body("key"), "probe_ssh_certificate_expiry_timestamp_seconds"));
}

TEST_CASE("the key of a certificate without the certificate is denied", "[integration]") {
  require_failure("key_denied", "auth");
}

TEST_CASE("a pinned host key fingerprint verifies the host", "[integration]") { require_success("pinned"); }

TEST_CASE("insecure_ignore_host_key logs in without checking", "[integration]") { require_success("insecure"); }

TEST_CASE("ip_protocol ip4 connects over IPv4", "[integration]") { require_success("ip4_first"); }

TEST_CASE("a password logs in, and a wrong one fails with reason auth", "[root]") {
  auto& sshd = ProbeBed::shared().sshd();
  INFO("no password account: this case needs root (ctest's \"root\" test skips it otherwise)");
  REQUIRE(sshd.has_password());
  const std::size_t offset = settled_log_size();
  require_success("password");
  CHECK(log_has_auth_attempt(sshd.log_after(offset, {"Accepted"}, std::chrono::seconds{3})));
  require_failure("wrong_password", "auth");
}

TEST_CASE("a fall-back to the next address logs why the first one failed", "[root]") {
  INFO(
      "a mount namespace with an /etc/hosts of its own: this case needs root (ctest's \"root\" test skips it "
      "otherwise)");
  REQUIRE(geteuid() == 0);
  const auto& sshd = ProbeBed::shared().sshd();  // listens on 127.0.0.1 only
  TempDir dir{"spe-fallback"};
  const auto hosts = dir.path() / "hosts";
  write_file(hosts, "::1 spe-both\n127.0.0.1 spe-both\n");
  const auto config = dir.path() / "exporter.toml";
  write_file(config, "[modules.both]\nuser = " + toml_string(sshd.user()) +
                         "\nprivate_key = " + toml_string(sshd.key_path()) + "\ninsecure_ignore_host_key = true\n");
  ExporterProcess exporter(config.string(), {}, std::nullopt, hosts.string());
  const std::string port = std::to_string(sshd.port());
  // ip_protocol ip6 (the default): ::1 first, where nothing listens, then 127.0.0.1.
  const auto debug = http_get(exporter.port(), "/probe?target=spe-both:" + port + "&module=both&debug=true");
  INFO(debug.body);
  REQUIRE(debug.status == 200);
  CHECK(debug.body.find(" level=debug msg=resolved host=spe-both addresses=::1,127.0.0.1\n") != std::string::npos);
  CHECK(debug.body.find(" level=debug msg=\"connect failed\" address=[::1]:" + port +
                        " err=\"Connection refused\"\n") != std::string::npos);
  CHECK(debug.body.find(" level=debug msg=connected address=127.0.0.1:" + port + "\n") != std::string::npos);
  CHECK(metric_value(debug.body, "probe_success") == 1);
  CHECK(metric_value(debug.body, "probe_ip_protocol") == 4);
}

TEST_CASE("keyboard-interactive answers with the password where password auth is off", "[root]") {
  auto& sshd = ProbeBed::shared().sshd();
  INFO("no password account: this case needs root (ctest's \"root\" test skips it otherwise)");
  REQUIRE(sshd.has_password());
  const std::string target = "127.0.0.1:" + std::to_string(sshd.kbdint_port());
  const std::size_t offset = settled_log_size();
  const std::string body = probe_body("password_any_host", target);
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  const std::string log = sshd.log_after(offset, {"Accepted"}, std::chrono::seconds{3});
  CHECK(log.find("Accepted keyboard-interactive") != std::string::npos);
}

TEST_CASE("an unknown or changed host key fails with host_key and no credential is sent", "[integration]") {
  for (const std::string module : {"unknown_host", "changed_host", "pinned_wrong"}) {
    INFO(module);
    const std::size_t offset = settled_log_size();
    require_failure(module, "host_key");
    // The connection reached sshd (so its log is being read), but no authentication was tried.
    const std::string log = ProbeBed::shared().sshd().log_after(offset, {"Disconnected from"},
                                                                std::chrono::seconds{3});
    CHECK(log.find("Connection from 127.0.0.1") != std::string::npos);
    CHECK_FALSE(log_has_auth_attempt(log));
  }
}

TEST_CASE("a closed port fails with reason connect", "[integration]") {
  require_failure("key", "connect", "127.0.0.1:" + std::to_string(free_loopback_port()));
}

TEST_CASE("a name that does not resolve fails with reason resolve", "[integration]") {
  const std::string body = probe_body("key", "no-such-host.invalid:22");
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "resolve");
}

TEST_CASE("localhost resolves and logs in", "[integration]") {
  const std::string body = probe_body("insecure", "localhost:" + std::to_string(ProbeBed::shared().sshd().port()));
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(metric_value(body, "probe_dns_lookup_time_seconds").value_or(-1) > 0);
}

// dropbear 2022.83 (Debian's dropbear-bin). ctest's "dropbear" test runs these through run_if.sh, which skips
// them visibly without root or dropbear; run directly, they fail saying what is missing.

namespace {

struct DropbearBed {
  TestDropbear dropbear;
  std::unique_ptr<ConfiguredExporter> exporter;

  DropbearBed() {
    const auto& sshd = TestSshd::shared();
    const std::string login = "user = " + toml_string(dropbear.user()) + "\n";
    const std::string key = "private_key = " + toml_string(sshd.key_path()) + "\n";
    const std::string known = "known_hosts = " + toml_string(dropbear.known_hosts_path()) + "\n";
    std::string config = "[modules.key]\n" + login + key + known + "\n";
    // The right name, but the OpenSSH test server's key.
    config += "[modules.other_key]\n" + login + key + "known_hosts = \"other_known_hosts\"\n\n";
    if (sshd.has_password()) {
      config += "[modules.password]\n" + login + "password = " + toml_string(sshd.password()) + "\n" + known + "\n";
    }
    config += "[modules.commands]\n" + login + key + known +
              "[[modules.commands.commands]]\nname = \"load\"\ncommand = \"printf 'load 1.5\\\\n'\"\n"
              "[[modules.commands.commands.gauges]]\nname = \"test_load\"\nhelp = \"A load.\"\n"
              "regex = \"load (?P<value>[0-9.]+)\"\n"
              "[[modules.commands.commands]]\nname = \"exit3\"\ncommand = \"exit 3\"\nexit_status = 3\n";
    const std::string other = "[127.0.0.1]:" + std::to_string(dropbear.port()) + " " + sshd.host_public_key() + "\n";
    exporter = std::make_unique<ConfiguredExporter>(config, std::vector<std::string>{},
                                                    std::vector<std::pair<std::string, std::string>>{
                                                        {"other_known_hosts", other}});
  }

  static DropbearBed& shared() {
    static DropbearBed bed;
    return bed;
  }

  HttpResponse probe(const std::string& module) {
    return http_get(exporter->port(), "/probe?target=" + dropbear.target() + "&module=" + module);
  }
};

}  // namespace

TEST_CASE("dropbear: a key logs in, its host key checked against known_hosts", "[dropbear]") {
  INFO(TestDropbear::available());
  auto& bed = DropbearBed::shared();
  const HttpResponse response = bed.probe("key");
  INFO(response.body << "\n" << bed.dropbear.log());
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 1);
  CHECK(label_value(response.body, "probe_ssh_server_info", "banner") == "SSH-2.0-dropbear_2022.83");
  CHECK(label_value(response.body, "probe_ssh_server_info", "software") == "dropbear_2022.83");
  CHECK(label_value(response.body, "probe_ssh_host_key_info", "type") == "ssh-ed25519");
  CHECK(label_value(response.body, "probe_ssh_host_key_info", "fingerprint_sha256") ==
        bed.dropbear.host_key_fingerprint());

  // known_hosts names the host with another key: refused before any credential is sent.
  const HttpResponse refused = bed.probe("other_key");
  INFO(refused.body);
  CHECK(metric_value(refused.body, "probe_success") == 0);
  CHECK(failure_reason_of(refused.body) == "host_key");
}

TEST_CASE("dropbear: a password logs in", "[dropbear]") {
  INFO("no password account: this case needs root");
  REQUIRE(TestSshd::shared().has_password());
  auto& bed = DropbearBed::shared();
  const HttpResponse response = bed.probe("password");
  INFO(response.body << "\n" << bed.dropbear.log());
  CHECK(metric_value(response.body, "probe_success") == 1);
  CHECK(bed.dropbear.log().find("Password auth succeeded for '" + bed.dropbear.user() + "'") != std::string::npos);
}

TEST_CASE("dropbear: commands run one after another, a gauge read from the output", "[dropbear]") {
  auto& bed = DropbearBed::shared();
  const HttpResponse response = bed.probe("commands");
  INFO(response.body << "\n" << bed.dropbear.log());
  CHECK(metric_value(response.body, "probe_success") == 1);
  CHECK(metric_value(response.body, "test_load") == 1.5);
  CHECK(metric_value(response.body, "probe_ssh_command_exit_status", {{"command", "load"}}) == 0);
  CHECK(metric_value(response.body, "probe_ssh_command_exit_status", {{"command", "exit3"}}) == 3);
  CHECK(metric_value(response.body, "probe_ssh_command_success", {{"command", "exit3"}}) == 1);
}
