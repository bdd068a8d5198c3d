// The test bed itself: the real sshd accepts what it should and refuses what it should, as seen by the real
// OpenSSH client, and each adversarial server misbehaves exactly as advertised, as seen by a raw socket.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/adversarial.hpp"
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/jump_bed.hpp"
#include "support/metric_text.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

namespace spe::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<std::string> ssh_argv(const TestSshd& sshd, const std::string& known_hosts, bool batch = true) {
  return {"ssh",
          "-F",
          "/dev/null",
          "-o",
          batch ? "BatchMode=yes" : "BatchMode=no",
          "-o",
          "UserKnownHostsFile=" + known_hosts,
          "-o",
          "GlobalKnownHostsFile=/dev/null",
          "-o",
          "StrictHostKeyChecking=yes",
          "-o",
          "ConnectTimeout=10",
          "-p",
          std::to_string(sshd.port())};
}

CommandResult ssh_run(std::vector<std::string> argv, const TestSshd& sshd, const std::string& command) {
  argv.push_back(sshd.user() + "@" + sshd.host());
  argv.push_back(command);
  return run_command(argv, "", 30s);
}

// ssh with secrets answered by an askpass script, the only way to give ssh a password without a terminal.
CommandResult ssh_with_askpass(const TestSshd& sshd, const TempDir& dir, const std::string& secret,
                               std::vector<std::string> options) {
  const auto askpass = dir.path() / "askpass.sh";
  write_file(dir.path() / "secret", secret + "\n", 0600);
  write_file(askpass, "#!/bin/sh\ncat '" + (dir.path() / "secret").string() + "'\n", 0700);
  std::vector<std::string> argv{
      "env", "SSH_ASKPASS=" + askpass.string(), "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0", "setsid", "-w"};
  const auto ssh = ssh_argv(sshd, sshd.known_hosts_path(), false);
  argv.insert(argv.end(), ssh.begin(), ssh.end());
  argv.insert(argv.end(), options.begin(), options.end());
  return ssh_run(argv, sshd, "echo logged-in-as-$(id -un)");
}

// sshd writes its log from the connection's child process: give it a moment after the client is done.
bool eventually_logged(const TestSshd& sshd, std::size_t offset, const std::string& needle) {
  return contains(sshd.log_after(offset, {needle}), needle);
}

// An ssh_config for OpenSSH's client: Host "hop" (the jump host) and Host "target", each with its own key and
// known_hosts, the target reached through the hop by ProxyJump, as `ssh -J` does.
std::string jump_ssh_config(const TestSshd& hop, const TestSshd& target) {
  const auto host = [](const std::string& alias, const TestSshd& sshd) {
    return "Host " + alias + "\n  HostName " + sshd.host() + "\n  Port " + std::to_string(sshd.port()) + "\n  User " +
           sshd.user() + "\n  IdentityFile " + sshd.key_path() + "\n  IdentitiesOnly yes\n  UserKnownHostsFile " +
           sshd.known_hosts_path() + "\n";
  };
  return host("hop", hop) + host("target", target) +
         "  ProxyJump hop\nHost *\n  BatchMode yes\n  StrictHostKeyChecking yes\n  GlobalKnownHostsFile /dev/null\n"
         "  ConnectTimeout 10\n";
}

}  // namespace

TEST_CASE("test sshd accepts the authorized key and logs the authentication", "[integration]") {
  auto& sshd = TestSshd::shared();
  const auto offset = sshd.log_size();
  auto argv = ssh_argv(sshd, sshd.known_hosts_path());
  argv.insert(argv.end(), {"-i", sshd.key_path(), "-o", "IdentitiesOnly=yes"});

  const auto result = ssh_run(argv, sshd, "id -un");

  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find(sshd.user()) != std::string::npos);
  CHECK(eventually_logged(sshd, offset, "Accepted publickey for " + sshd.user()));
  CHECK(log_has_auth_attempt(sshd.log_since(offset)));
}

TEST_CASE("test sshd accepts the CA-signed certificate of a key it does not list", "[integration]") {
  auto& sshd = TestSshd::shared();
  auto argv = ssh_argv(sshd, sshd.known_hosts_path());
  argv.insert(argv.end(), {"-i", sshd.cert_key_path(), "-o", "IdentitiesOnly=yes"});

  SECTION("with the certificate") {
    const auto offset = sshd.log_size();
    argv.insert(argv.end(), {"-o", "CertificateFile=" + sshd.cert_path()});
    const auto result = ssh_run(argv, sshd, "true");
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(eventually_logged(sshd, offset, "Accepted publickey for " + sshd.user()));
    CHECK(sshd.log_since(offset).find("ED25519-CERT") != std::string::npos);
  }
  SECTION("without it the bare key is refused") {
    // ssh loads KEY-cert.pub beside KEY by itself: use a copy that has no certificate beside it.
    const TempDir bare("spe-bare-key");
    const auto key = bare.path() / "id_ed25519";
    write_file(key, read_file(sshd.cert_key_path()), 0600);
    argv = ssh_argv(sshd, sshd.known_hosts_path());
    argv.insert(argv.end(), {"-i", key.string(), "-o", "IdentitiesOnly=yes"});
    const auto result = ssh_run(argv, sshd, "true");
    INFO(result.output);
    CHECK(result.exit_code == 255);
    CHECK(result.output.find("Permission denied") != std::string::npos);
  }
  // Signed for one hour when the sshd started, which may be many minutes before this case runs (the
  // ASan stage runs the suite for over five).
  const auto remaining = sshd.cert_valid_before() - std::chrono::system_clock::now();
  CHECK(remaining > 30min);
  CHECK(remaining <= 60min);
}

TEST_CASE("test sshd host key is the one in known_hosts, and the wrong file is refused", "[integration]") {
  auto& sshd = TestSshd::shared();

  SECTION("the fingerprint matches what the server presents") {
    const auto scan = run_command({"ssh-keyscan", "-t", "ed25519", "-p", std::to_string(sshd.port()), "127.0.0.1"}, "",
                                  30s);
    REQUIRE(scan.exit_code == 0);
    const auto fingerprint = run_command({"ssh-keygen", "-lf", "-"}, scan.output, 30s);
    INFO(scan.output << fingerprint.output);
    CHECK(fingerprint.output.find(sshd.host_key_fingerprint()) != std::string::npos);
    CHECK(sshd.host_key_fingerprint().starts_with("SHA256:"));
    CHECK(read_file(sshd.known_hosts_path()) ==
          "[127.0.0.1]:" + std::to_string(sshd.port()) + " " + sshd.host_public_key() + "\n");
  }
  SECTION("a known_hosts entry with another key fails verification before any authentication") {
    const auto offset = sshd.log_size();
    auto argv = ssh_argv(sshd, sshd.wrong_known_hosts_path());
    argv.insert(argv.end(), {"-i", sshd.key_path(), "-o", "IdentitiesOnly=yes"});
    const auto result = ssh_run(argv, sshd, "true");
    INFO(result.output);
    CHECK(result.exit_code == 255);
    CHECK(result.output.find("Host key verification failed") != std::string::npos);
    CHECK(result.output.find("REMOTE HOST IDENTIFICATION HAS CHANGED") != std::string::npos);
    std::this_thread::sleep_for(200ms);
    CHECK_FALSE(log_has_auth_attempt(sshd.log_since(offset)));
  }
}

TEST_CASE("test sshd accepts the passphrase-protected key", "[integration]") {
  auto& sshd = TestSshd::shared();
  const TempDir dir("spe-askpass");
  const auto result = ssh_with_askpass(sshd, dir, sshd.passphrase(),
                                       {"-i", sshd.encrypted_key_path(), "-o", "IdentitiesOnly=yes", "-o",
                                        "PreferredAuthentications=publickey"});
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("logged-in-as-" + sshd.user()) != std::string::npos);
}

// Password logins need the dedicated account, which only root can make: ctest's "root" test runs these, and
// reports them as skipped when not root (tests/run_if.sh).
TEST_CASE("test sshd accepts the password and keyboard-interactive, and refuses a wrong password", "[root]") {
  auto& sshd = TestSshd::shared();
  INFO("no password account: these cases need root, and an account spe-probe-test that is the tests' own");
  REQUIRE(sshd.has_password());
  const TempDir dir("spe-askpass");
  for (const std::string method : {"password", "keyboard-interactive"}) {
    DYNAMIC_SECTION(method) {
      const auto offset = sshd.log_size();
      const auto result = ssh_with_askpass(sshd, dir, sshd.password(),
                                           {"-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-o",
                                            "PreferredAuthentications=" + method});
      INFO(result.output);
      CHECK(result.exit_code == 0);
      CHECK(result.output.find("logged-in-as-" + sshd.user()) != std::string::npos);
      CHECK(eventually_logged(sshd, offset, "Accepted " + method));  // "keyboard-interactive/pam" via PAM
    }
  }
  SECTION("a wrong password is refused") {
    const auto result = ssh_with_askpass(sshd, dir, sshd.password() + "x",
                                         {"-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1", "-o",
                                          "PreferredAuthentications=password"});
    CHECK(result.exit_code == 255);
  }
}

// The jump-host tests blame the exporter for what fails through these servers: OpenSSH's own client must get
// through (and be refused) by the same configuration first.
TEST_CASE("test sshds as jump hosts: ssh -J reaches a distinct target through a forwarding one only",
          "[integration][jump]") {
  auto& bed = JumpBed::shared();
  auto& target = bed.target();
  const TempDir dir("spe-ssh-jump");
  const std::string config = (dir.path() / "ssh_config").string();
  const std::string target_port = "target 127.0.0.1 port " + std::to_string(target.port());

  SECTION("AllowTcpForwarding local: the hop logs the direct-tcpip open to the target, which logs the login") {
    write_file(config, jump_ssh_config(bed.bastion(), target));
    const auto hop_offset = bed.bastion().log_size();
    const auto offset = target.log_size();
    const auto result = run_command({"ssh", "-F", config, "target", "echo through-$(id -un)"}, "", 30s);
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(contains(result.output, "through-" + target.user()));
    const std::string hop_log = bed.bastion().log_after(hop_offset, {"confirm direct-tcpip"});
    INFO(hop_log);
    CHECK(contains(hop_log, "server_request_direct_tcpip: originator "));
    CHECK(contains(hop_log, target_port));
    CHECK(contains(hop_log, "server_input_channel_open: confirm direct-tcpip"));
    CHECK(eventually_logged(target, offset, "Accepted publickey for " + target.user()));
  }
  SECTION("AllowTcpForwarding no (the fixture's default) and PermitOpen 127.0.0.1:1 refuse the open") {
    const std::vector<std::pair<TestSshd*, std::string>> refusals{
        {&bed.no_forward(), "refused local port forward: originator "},
        {&bed.permit_open(),
         "to connect to host 127.0.0.1 port " + std::to_string(target.port()) + ", but the request was denied"}};
    for (const auto& [hop, refusal] : refusals) {
      INFO(refusal);
      write_file(config, jump_ssh_config(*hop, target));
      const auto hop_offset = hop->log_size();
      const auto offset = target.log_size();
      const auto result = run_command({"ssh", "-F", config, "target", "true"}, "", 30s);
      INFO(result.output);
      CHECK(result.exit_code == 255);
      CHECK(contains(result.output, "administratively prohibited: open failed"));
      CHECK(contains(hop->log_after(hop_offset, {refusal}), refusal));
      CHECK_FALSE(contains(target.log_since(offset), "Connection from"));
    }
  }
}

TEST_CASE("log_has_auth_attempt recognises sshd's authentication lines only", "[integration]") {
  CHECK(log_has_auth_attempt("debug1: userauth-request for user u service ssh-connection method none [preauth]\n"));
  CHECK(log_has_auth_attempt("x\nFailed password for u from 127.0.0.1 port 1 ssh2\n"));
  CHECK(log_has_auth_attempt("Accepted publickey for u from 127.0.0.1 port 1 ssh2: ED25519 SHA256:x"));
  CHECK(log_has_auth_attempt("Postponed keyboard-interactive for u from 127.0.0.1 port 1 ssh2 [preauth]"));
  CHECK_FALSE(log_has_auth_attempt("debug1: KEX done [preauth]\nConnection closed by 127.0.0.1 port 1\n"));
  CHECK_FALSE(log_has_auth_attempt(""));
}

TEST_CASE("metric_text finds samples by exact label set and parses special values", "[integration]") {
  const std::string text =
      "# HELP probe_success Whether the probe succeeded.\n"
      "# TYPE probe_success gauge\n"
      "probe_success 1\n"
      "probe_ssh_failure{reason=\"auth\"} 0\n"
      "probe_ssh_failure{reason=\"timeout\"} 1\n"
      "probe_ssh_server_info{banner=\"SSH-2.0-a \\\"b\\\" \\\\ c\\nd\",software=\"x\"} 1\n"
      "weird_values{v=\"nan\"} NaN\n"
      "weird_values{v=\"inf\"} +Inf\n"
      "weird_values{v=\"-inf\"} -Inf\n"
      "with_timestamp 2.5e-3 1700000000000\n";

  CHECK(metric_value(text, "probe_success") == 1.0);
  CHECK(metric_value(text, "probe_ssh_failure", {{"reason", "timeout"}}) == 1.0);
  CHECK(metric_value(text, "probe_ssh_failure", {{"reason", "auth"}}) == 0.0);
  CHECK_FALSE(metric_value(text, "probe_ssh_failure").has_value());
  CHECK_FALSE(metric_value(text, "probe_ssh_server_info", {{"software", "x"}}).has_value());
  CHECK(std::isnan(*metric_value(text, "weird_values", {{"v", "nan"}})));
  CHECK(*metric_value(text, "weird_values", {{"v", "inf"}}) == INFINITY);
  CHECK(*metric_value(text, "weird_values", {{"v", "-inf"}}) == -INFINITY);
  CHECK(metric_value(text, "with_timestamp") == 0.0025);
  CHECK(count_series(text, "probe_ssh_failure") == 2);
  CHECK(count_series(text, "probe_ssh") == 0);
  CHECK(label_value(text, "probe_ssh_server_info", "banner") == "SSH-2.0-a \"b\" \\ c\nd");
  CHECK_FALSE(label_value(text, "probe_ssh_server_info", "kex").has_value());

  const auto clean = promtool_check_metrics(
      "# HELP probe_success Whether it worked.\n# TYPE probe_success gauge\n"
      "probe_success 1\n");
  INFO(clean.output);
  CHECK(clean.exit_code == 0);
  CHECK(promtool_check_metrics(text).exit_code == 3);  // lint: no help text
  CHECK(promtool_check_metrics("probe_success{ 1\n").exit_code == 1);
}

TEST_CASE("run_command captures output and exit status and enforces its timeout", "[integration]") {
  const auto echoed = run_command({"sh", "-c", "cat; echo to-stderr >&2; exit 3"}, "from-stdin\n", 10s);
  CHECK(echoed.exit_code == 3);
  CHECK(echoed.output == "from-stdin\nto-stderr\n");

  const auto start = Clock::now();
  const auto slow = run_command({"sleep", "30"}, "", 1s);
  CHECK(slow.exit_code == -1);
  CHECK(Clock::now() - start < 5s);

  CHECK(run_command({"spe-no-such-program"}).exit_code == -1);
}

TEST_CASE("http client reports transport errors and times out every request from a common start", "[integration]") {
  const auto refused = http_get(free_loopback_port(), "/", {}, 2s);
  CHECK(refused.status == 0);
  CHECK(refused.error.starts_with("connect: "));

  const AdversarialServer silent(Misbehaviour::silent);
  const std::vector<std::string> targets(50, "/probe?target=x");
  const auto results = http_get_concurrent(silent.port(), targets, 500ms);
  REQUIRE(results.size() == targets.size());
  for (const auto& r : results) {
    CHECK(r.response.error == "read: timeout");
    CHECK(r.elapsed >= 450ms);
    CHECK(r.elapsed < 2s);
  }
  CHECK(silent.connections() == targets.size());
}

// --- the adversarial servers, seen from a raw socket ---

namespace {

class RawClient {
 public:
  explicit RawClient(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Up to max bytes that arrive within timeout: nullopt if none came, "" at EOF (or reset).
  std::optional<std::string> read_within(std::chrono::milliseconds timeout, std::size_t max = 65536) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    std::string data(max, '\0');
    const auto n = ::recv(fd_, data.data(), data.size(), 0);
    data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return data;
  }

  void send_text(std::string_view text) const { ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }

 private:
  int fd_;
};

}  // namespace

TEST_CASE("silent server accepts and says nothing", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::silent);
  const RawClient client(server.port());
  CHECK_FALSE(client.read_within(300ms).has_value());
  CHECK(server.connections() == 1);
  CHECK(server.open_connections() == 1);
}

TEST_CASE("silent server holds 1,200 connections open at once", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::silent);
  const std::size_t wanted = 1200;
  REQUIRE(raise_fd_limit() >= 2 * wanted + 100);  // both ends live in this process
  std::vector<std::unique_ptr<RawClient>> clients;
  for (std::size_t i = 0; i < wanted; ++i) clients.push_back(std::make_unique<RawClient>(server.port()));

  CHECK(eventually([&] { return server.open_connections() == wanted; }, 10s));
  CHECK_FALSE(clients.front()->read_within(100ms).has_value());
  CHECK_FALSE(clients.back()->read_within(100ms).has_value());

  clients.clear();
  CHECK(eventually([&] { return server.open_connections() == 0; }, 10s));
  CHECK(server.connections() == wanted);
}

TEST_CASE("drip server sends its banner one byte a second", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::drip_banner);
  const RawClient client(server.port());
  const auto start = Clock::now();
  CHECK(client.read_within(1500ms) == "S");
  CHECK_FALSE(client.read_within(300ms).has_value());
  CHECK(client.read_within(2s) == "S");
  CHECK(Clock::now() - start >= 800ms);
}

TEST_CASE("garbage server sends text that is not an SSH banner and stays open", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::garbage);
  const RawClient client(server.port());
  const auto first = client.read_within(2s);
  REQUIRE(first.has_value());
  CHECK(first->size() >= 4);
  CHECK_FALSE(first->starts_with("SSH-"));
  CHECK(first->starts_with("HTTP/1.1 400"));
  CHECK_FALSE(client.read_within(300ms).has_value());
}

TEST_CASE("banner_then_silent server sends a valid banner and never answers key exchange", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::banner_then_silent);
  const RawClient client(server.port());
  CHECK(client.read_within(2s) == "SSH-2.0-OpenSSH_9.2p1 Debian\r\n");
  client.send_text("SSH-2.0-spe_test\r\n");
  client.send_text(std::string(1024, 'k'));
  CHECK_FALSE(client.read_within(300ms).has_value());
}

TEST_CASE("close_at_once server closes the connection at once", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::close_at_once);
  const RawClient client(server.port());
  CHECK(client.read_within(2s) == "");
  CHECK(server.connections() == 1);
}

TEST_CASE("flood server sends a banner and then megabytes as fast as they are read", "[adversarial]") {
  const AdversarialServer server(Misbehaviour::flood);
  const RawClient client(server.port());
  const auto start = Clock::now();
  std::string received;
  while (received.size() <= 1024 * 1024 && Clock::now() - start < 5s) {
    const auto chunk = client.read_within(1s);
    if (!chunk || chunk->empty()) break;
    received += *chunk;
  }
  CHECK(received.starts_with("SSH-2.0-OpenSSH_9.2p1 Debian\r\n"));
  CHECK(received.size() > 1024 * 1024);
  CHECK(Clock::now() - start < 5s);
}

TEST_CASE("adversarial servers stop promptly and close their connections", "[adversarial]") {
  auto server = std::make_unique<AdversarialServer>(Misbehaviour::drip_banner);
  const RawClient client(server->port());
  CHECK(client.read_within(2s) == "S");
  const auto start = Clock::now();
  server.reset();
  CHECK(Clock::now() - start < 1s);
  CHECK(client.read_within(2s) == "");
}

}  // namespace spe::test
