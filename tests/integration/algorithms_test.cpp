// Algorithm control against real OpenSSH servers on loopback: the defaults the exporter carries are the ones
// libssh offers (read from sshd's log of the client's KEXINIT), each legacy algorithm alone on a server is
// refused by default with a message naming it and allowed by its "+..." key, an RSA user key against a server
// that accepts only ssh-rsa signatures, and a pinned RSA fingerprint on a server that also has an Ed25519 key.
// Then servers other than OpenSSH: tinysshd (no RSA) and paramiko 2.12 (no server-sig-algs for libssh).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "config/algorithms.hpp"
#include "support/configured_exporter.hpp"
#include "support/paramiko.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
using spe::AlgorithmKind;

namespace {

// Host and client keys the servers of this file use besides their own: an RSA and an Ed25519 host key, an RSA
// user key, an authorized_keys file (filled once the server is up), all in a directory sshd may read.
struct Keys {
  Keys() {
    std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
    for (const auto& [type, name] : {std::pair{"rsa", "host_rsa"}, {"ed25519", "host_ed25519"}, {"rsa", "user_rsa"}}) {
      const auto result = run_command({"ssh-keygen", "-q", "-t", type, "-b", "2048", "-N", "", "-f", path(name)});
      INFO(result.output);
      REQUIRE(result.exit_code == 0);
    }
    ::chmod(path("user_rsa").c_str(), 0600);
  }

  std::string path(const std::string& name) const { return (dir.path() / name).string(); }

  // "SHA256:..." of a public key file, as ssh-keygen -lf prints it.
  std::string fingerprint(const std::string& name) const {
    std::istringstream fields(run_command({"ssh-keygen", "-lf", path(name + ".pub")}).output);
    std::string bits;
    std::string fingerprint;
    fields >> bits >> fingerprint;
    return fingerprint;
  }

  // The lines that make `sshd` accept both its own user key and user_rsa; call once it has started.
  void authorize(const TestSshd& sshd) const {
    write_file(path("authorized_keys"), read_file(sshd.key_path() + ".pub") + read_file(path("user_rsa.pub")));
  }

  // A known_hosts file naming the server on 127.0.0.1:`port` with the host key `name`.
  std::string known_hosts(unsigned short port, const std::string& name) const {
    const std::string pub = read_file(path(name + ".pub"));
    const std::string file = path("known_hosts_" + std::to_string(port));
    write_file(file,
               "[127.0.0.1]:" + std::to_string(port) + " " + pub.substr(0, pub.find(' ', pub.find(' ') + 1)) + "\n");
    return file;
  }

  TempDir dir{"spe-algorithms"};
};

// Generated once per process: RSA keys take a while.
const Keys& keys() {
  static const Keys made;
  return made;
}

// /probe of `target` with `module`, debug=true: the log, then the metrics.
std::string debug_probe(const ConfiguredExporter& exporter, const std::string& target, const std::string& module) {
  const auto response = http_get(exporter.port(), "/probe?target=" + target + "&module=" + module + "&debug=true");
  INFO(response.error << "\n" << response.body);
  REQUIRE(response.status == 200);
  return response.body;
}

std::string debug_probe(const ConfiguredExporter& exporter, const TestSshd& sshd, const std::string& module) {
  return debug_probe(exporter, sshd.target(), module);
}

// Why an RSA key of `user` is not sent to a server that does not name rsa-sha2-* in server-sig-algs, word for word
// as a debug log shows it (quotes escaped).
std::string rsa_key_not_sent(const std::string& user) {
  return "authentication as \\\"" + user +
         "\\\" not attempted: no signature algorithm in common with the server for the ssh-rsa key: the server's "
         "server-sig-algs names neither rsa-sha2-512 nor rsa-sha2-256 (or it sent none), and "
         "pubkey_accepted_algorithms leaves out ssh-rsa (SHA-1); pubkey_accepted_algorithms = \\\"+ssh-rsa\\\" "
         "would allow SHA-1 signatures";
}

// How many times `what` occurs in `text`.
std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++count;
  return count;
}

std::string metrics_of(const std::string& debug_body) {
  const auto at = debug_body.find("\n\nMetrics that would have been returned:\n");
  REQUIRE(at != std::string::npos);
  return debug_body.substr(at);
}

// A module logging in to `sshd` with its own key, checked against `known_hosts` (sshd's own by default).
std::string module(const TestSshd& sshd, const std::string& name, const std::string& extra,
                   const std::string& known_hosts = "") {
  return "[modules." + name + "]\nuser = " + toml_string(sshd.user()) +
         "\nprivate_key = " + toml_string(sshd.key_path()) +
         "\nknown_hosts = " + toml_string(known_hosts.empty() ? sshd.known_hosts_path() : known_hosts) + "\n" + extra +
         "\n";
}

// The names of the line after `label` that follows "peer client KEXINIT proposal" in sshd's DEBUG2 log.
std::string client_proposal(const std::string& log, const std::string& label) {
  const auto proposal = log.find("peer client KEXINIT proposal");
  if (proposal == std::string::npos) return "";
  const auto at = log.find(label + ": ", proposal);
  if (at == std::string::npos) return "";
  std::string line = log.substr(at + label.size() + 2, log.find('\n', at) - at - label.size() - 2);
  if (const auto tag = line.find(" [preauth]"); tag != std::string::npos) line.resize(tag);
  return line;
}

std::string joined(std::span<const std::string_view> names) {
  std::string out;
  for (const auto name : names) out += (out.empty() ? "" : ",") + std::string(name);
  return out;
}

// tinysshd (Ed25519 only, no RSA, no server-sig-algs) as inetd would run it: one process per connection, on
// the accepted socket. Children are started from the calling thread (spawn_process ties them to it).
class Tinysshd {
 public:
  Tinysshd() {
    const auto made = run_command({"tinysshd-makekey", keydir()});
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 4) == 0);
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
  }
  ~Tinysshd() { ::close(listener_); }
  Tinysshd(const Tinysshd&) = delete;
  Tinysshd& operator=(const Tinysshd&) = delete;

  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }

  // /probe of this server with `module`, debug=true, serving the one connection the probe opens.
  std::string debug_probe(unsigned short exporter_port, const std::string& module) {
    auto response = std::async(std::launch::async, [&] {
      return http_get(exporter_port, "/probe?target=" + target() + "&module=" + module + "&debug=true");
    });
    pollfd ready{listener_, POLLIN, 0};
    REQUIRE(::poll(&ready, 1, 10000) == 1);
    const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(connection >= 0);
    const pid_t pid = spawn_process({"tinysshd", keydir()}, {connection, connection, -1});
    ::close(connection);
    const HttpResponse answer = response.get();
    wait_for_exit(pid, std::chrono::seconds{5});
    INFO(answer.error << "\n" << answer.body);
    REQUIRE(answer.status == 200);
    return answer.body;
  }

 private:
  std::string keydir() const { return (dir_.path() / "keys").string(); }

  TempDir dir_{"spe-tinysshd"};
  int listener_ = -1;
  unsigned short port_ = 0;
};

}  // namespace

TEST_CASE("the default algorithms carried are what libssh offers: sshd's log of the client's KEXINIT",
          "[integration][algorithms]") {
  auto sshd = TestSshd::start_separate({"LogLevel DEBUG2"});
  // No host key policy to order host key algorithms by: libssh's own defaults go out unchanged.
  const ConfiguredExporter exporter(
      module(*sshd, "plain", "") + "[modules.unchecked]\nuser = " + toml_string(sshd->user()) +
      "\nprivate_key = " + toml_string(sshd->key_path()) + "\ninsecure_ignore_host_key = true\n");
  const auto offset = sshd->log_size();
  CHECK(metric_value(metrics_of(debug_probe(exporter, *sshd, "unchecked")), "probe_success") == 1);
  const std::string log = sshd->log_after(offset, {"Disconnected from", "Connection closed"});
  INFO(log);
  // libssh appends the two markers of RFC 8308 and of strict kex (CVE-2023-48795) itself.
  CHECK(client_proposal(log, "KEX algorithms") ==
        joined(spe::default_algorithms(AlgorithmKind::kex)) + ",ext-info-c,kex-strict-c-v00@openssh.com");
  CHECK(client_proposal(log, "host key algorithms") == joined(spe::default_algorithms(AlgorithmKind::host_key)));
  // libssh 0.10.6's default cipher string ends with a comma (its AES macro does), and goes out so.
  CHECK(client_proposal(log, "ciphers ctos") == joined(spe::default_algorithms(AlgorithmKind::cipher)) + ",");
  CHECK(client_proposal(log, "ciphers stoc") == joined(spe::default_algorithms(AlgorithmKind::cipher)) + ",");
  CHECK(client_proposal(log, "MACs ctos") == joined(spe::default_algorithms(AlgorithmKind::mac)));
  CHECK(client_proposal(log, "MACs stoc") == joined(spe::default_algorithms(AlgorithmKind::mac)));
}

TEST_CASE("a server with one legacy algorithm: refused by default naming it, probed with the \"+...\" key",
          "[integration][algorithms]") {
  struct Case {
    std::vector<std::string> sshd_lines;
    std::string key;        // the module key that allows it
    std::string algorithm;  // what the server offers alone
    std::string method;     // how libssh names the method without a match
    std::string label;      // the probe_ssh_server_info label that shows it
  };
  const auto c = GENERATE(values<Case>({
      {{"KexAlgorithms diffie-hellman-group14-sha1"},
       "kex_algorithms",
       "diffie-hellman-group14-sha1",
       "kex algos",
       "kex"},
      {{"KexAlgorithms diffie-hellman-group1-sha1"},
       "kex_algorithms",
       "diffie-hellman-group1-sha1",
       "kex algos",
       "kex"},
      {{"KexAlgorithms diffie-hellman-group-exchange-sha1"},
       "kex_algorithms",
       "diffie-hellman-group-exchange-sha1",
       "kex algos",
       "kex"},
      {{"Ciphers aes128-cbc"}, "ciphers", "aes128-cbc", "encryption client->server", "cipher"},
      {{"Ciphers aes128-ctr", "MACs hmac-sha1"}, "macs", "hmac-sha1", "mac algo client->server", "mac"},
      {{"HostKeyAlgorithms ssh-rsa"}, "host_key_algorithms", "ssh-rsa", "server host key algo", ""},
  }));
  INFO(c.algorithm);
  const Keys& keys = ::keys();
  std::vector<std::string> lines = c.sshd_lines;
  const bool rsa_host = c.key == "host_key_algorithms";
  if (rsa_host) lines.push_back("HostKey " + keys.path("host_rsa"));
  auto sshd = TestSshd::start_separate(lines);
  const std::string known = rsa_host ? keys.known_hosts(sshd->port(), "host_rsa") : "";
  const ConfiguredExporter exporter(module(*sshd, "default", "", known) +
                                    module(*sshd, "legacy", c.key + " = \"+" + c.algorithm + "\"", known));

  // sshd resets the connection as it refuses; when the reset is in before libssh has read the server's KEXINIT
  // (seen under ASan), libssh reports only "Socket error" and no algorithm can be named. That probe still fails
  // with reason handshake; of three probes, at least one must name the algorithm, word for word.
  std::string refused;
  for (int attempt = 0; attempt < 3; ++attempt) {
    refused = debug_probe(exporter, *sshd, "default");
    INFO(refused);
    CHECK(metric_value(metrics_of(refused), "probe_success") == 0);
    CHECK(failure_reason_of(metrics_of(refused)) == "handshake");
    if (contains(refused, "no match for method ")) break;
  }
  INFO(refused);
  // OpenSSH adds its strict-kex marker to the kex algorithms it offers.
  CHECK(contains(refused, "no match for method " + c.method + ": server [" + c.algorithm));
  CHECK(contains(refused, c.key + " = \\\"+" + c.algorithm + "\\\" would allow the server's"));

  const std::string allowed = debug_probe(exporter, *sshd, "legacy");
  INFO(allowed);
  CHECK(metric_value(metrics_of(allowed), "probe_success") == 1);
  // libssh 0.10 does not name a group-exchange kex: the exporter names what it offered, here both.
  const std::string shown = c.algorithm == "diffie-hellman-group-exchange-sha1"
                                ? "diffie-hellman-group-exchange-sha256|diffie-hellman-group-exchange-sha1"
                                : c.algorithm;
  if (!c.label.empty()) CHECK(label_value(metrics_of(allowed), "probe_ssh_server_info", c.label) == shown);
  if (rsa_host) {
    CHECK(label_value(metrics_of(allowed), "probe_ssh_host_key_info", "fingerprint_sha256") ==
          keys.fingerprint("host_rsa"));
  }
}

TEST_CASE("through a jump host each session offers its own table's algorithms", "[integration][algorithms][jump]") {
  auto hop = TestSshd::start_separate({"KexAlgorithms diffie-hellman-group14-sha1", "AllowTcpForwarding local"});
  auto target = TestSshd::start_separate({"Ciphers aes128-cbc"});
  const std::string old_hop = "kex_algorithms = \"+diffie-hellman-group14-sha1\"";
  const ConfiguredExporter exporter(jump_host_table(*hop, "old", HopLogin::key, "", old_hop) +
                                    jump_host_table(*hop, "plain") +
                                    jump_module(*target, "through_old", {"old"}, "ciphers = \"+aes128-cbc\"") +
                                    jump_module(*target, "through_plain", {"plain"}, "ciphers = \"+aes128-cbc\"") +
                                    jump_module(*target, "target_default", {"old"}));

  const std::string through = metrics_of(debug_probe(exporter, *target, "through_old"));
  INFO(through);
  CHECK(metric_value(through, "probe_success") == 1);
  CHECK(label_value(through, "probe_ssh_server_info", "cipher") == "aes128-cbc");

  // Without the hop's key its session finds no kex in common; the target's key does not reach it.
  const std::string at_hop = debug_probe(exporter, *target, "through_plain");
  INFO(at_hop);
  CHECK(failure_reason_of(metrics_of(at_hop)) == "handshake");
  CHECK(metric_value(metrics_of(at_hop), "probe_ssh_hop_success", {{"hop", "plain"}}) == 0);
  CHECK(contains(at_hop, "kex_algorithms = \\\"+diffie-hellman-group14-sha1\\\" would allow the server's"));

  // Nor does the hop's key reach the target.
  const std::string at_target = debug_probe(exporter, *target, "target_default");
  INFO(at_target);
  CHECK(failure_reason_of(metrics_of(at_target)) == "handshake");
  CHECK(metric_value(metrics_of(at_target), "probe_ssh_hop_success", {{"hop", "old"}}) == 1);
  CHECK(contains(at_target, "ciphers = \\\"+aes128-cbc\\\" would allow the server's"));
}

TEST_CASE("OpenSSH accepting only ssh-rsa signatures: pubkey_accepted_algorithms = \"ssh-rsa\" signs with SHA-1",
          "[integration][algorithms]") {
  const Keys& keys = ::keys();
  auto sshd = TestSshd::start_separate(
      {"PubkeyAcceptedAlgorithms ssh-rsa", "AuthorizedKeysFile " + keys.path("authorized_keys")});
  keys.authorize(*sshd);
  const std::string login = "user = " + toml_string(sshd->user()) +
                            "\nprivate_key = " + toml_string(keys.path("user_rsa")) +
                            "\nknown_hosts = " + toml_string(sshd->known_hosts_path()) + "\n";
  const ConfiguredExporter exporter("[modules.default]\n" + login + "\n[modules.sha1]\n" + login +
                                    "pubkey_accepted_algorithms = \"ssh-rsa\"\n");

  // OpenSSH 9.2 lists rsa-sha2-* in server-sig-algs whatever PubkeyAcceptedAlgorithms says, so libssh signs with
  // rsa-sha2-512, and the server refuses that signature.
  const auto offset = sshd->log_size();
  const std::string refused = debug_probe(exporter, *sshd, "default");
  INFO(refused);
  CHECK(failure_reason_of(metrics_of(refused)) == "auth");
  CHECK(contains(refused, "denied (tried publickey; server offers publickey"));
  CHECK(contains(sshd->log_after(offset, {"not in PubkeyAcceptedAlgorithms"}),
                 "rsa-sha2-512 not in PubkeyAcceptedAlgorithms"));

  const std::string allowed = debug_probe(exporter, *sshd, "sha1");
  INFO(allowed);
  CHECK(metric_value(metrics_of(allowed), "probe_success") == 1);
}

TEST_CASE("a pinned RSA fingerprint of a server that also has an Ed25519 key", "[integration][algorithms]") {
  const Keys& keys = ::keys();
  auto sshd = TestSshd::start_separate({"HostKey " + keys.path("host_ed25519"), "HostKey " + keys.path("host_rsa")});
  const std::string login = "user = " + toml_string(sshd->user()) +
                            "\nprivate_key = " + toml_string(sshd->key_path()) + "\n";
  const std::string rsa = keys.fingerprint("host_rsa");
  const ConfiguredExporter exporter("[modules.untyped]\n" + login + "host_key_fingerprints = [\"" + rsa +
                                    "\"]\n[modules.typed]\n" + login + "host_key_fingerprints = [\"ssh-rsa " + rsa +
                                    "\"]\n");

  // Without its type the server shows its Ed25519 key; the error says which, and what to write.
  const std::string untyped = debug_probe(exporter, *sshd, "untyped");
  INFO(untyped);
  CHECK(failure_reason_of(metrics_of(untyped)) == "host_key");
  CHECK(contains(untyped, "host key " + keys.fingerprint("host_ed25519") +
                              " (ssh-ed25519) is not one of host_key_fingerprints; if a pinned fingerprint is of "
                              "another of the server's keys, name its type before it"));

  const std::string typed = debug_probe(exporter, *sshd, "typed");
  INFO(typed);
  CHECK(metric_value(metrics_of(typed), "probe_success") == 1);
  CHECK(label_value(metrics_of(typed), "probe_ssh_host_key_info", "fingerprint_sha256") == rsa);
}

TEST_CASE("an RSA key against tinysshd (no RSA, no server-sig-algs): not sent, and why; \"+ssh-rsa\" sends it",
          "[tinysshd]") {
  const Keys& keys = ::keys();
  Tinysshd server;
  const std::string login = "user = \"probe\"\nprivate_key = " + toml_string(keys.path("user_rsa")) +
                            "\ninsecure_ignore_host_key = true\n";
  const ConfiguredExporter exporter("[modules.default]\n" + login + "\n[modules.sha1]\n" + login +
                                    "pubkey_accepted_algorithms = \"+ssh-rsa\"\n");

  // libssh falls back to ssh-rsa (SHA-1), which its defaults leave out: nothing is sent.
  const std::string kept = server.debug_probe(exporter.port(), "default");
  INFO(kept);
  CHECK(failure_reason_of(metrics_of(kept)) == "auth");
  CHECK(contains(kept, rsa_key_not_sent("probe")));

  // With "+ssh-rsa" the SHA-1 signature goes out, and tinysshd, which has no RSA at all, refuses it.
  const std::string sent = server.debug_probe(exporter.port(), "sha1");
  INFO(sent);
  CHECK(failure_reason_of(metrics_of(sent)) == "auth");
  CHECK(contains(sent, "authentication as \\\"probe\\\" denied (tried publickey; server offers publickey)"));

  // tinysshd's version line ends in a new random token on every connection; the banner label leaves it out, so
  // it stays one series.
  const auto banner = label_value(metrics_of(kept), "probe_ssh_server_info", "banner").value_or("");
  CHECK(banner.starts_with("SSH-2.0-tinyssh"));
  CHECK(banner.find(' ') == std::string::npos);
  CHECK(label_value(metrics_of(sent), "probe_ssh_server_info", "banner") == banner);
}

TEST_CASE("paramiko 2.12 sends libssh no server-sig-algs: an RSA key logs in with \"+ssh-rsa\", not by default",
          "[paramiko]") {
  // As Debian 12 ships it (it accepts rsa-sha2-* signatures but never says so to libssh), and as old gear that
  // accepts ssh-rsa signatures alone.
  const bool sha1_only = GENERATE(false, true);
  INFO("sha1_only " << sha1_only);
  const Keys& keys = ::keys();
  const TestParamiko server({keys.path("user_rsa.pub"), sha1_only});
  const auto login = [&](const std::string& known_hosts) {
    return "user = " + toml_string(TestParamiko::user()) + "\nprivate_key = " + toml_string(keys.path("user_rsa")) +
           "\nknown_hosts = " + toml_string(known_hosts) + "\ncommand = " + toml_string(TestParamiko::command()) +
           "\ncommand_expect = " + toml_string("^" + TestParamiko::output() + "\\n$") + "\n";
  };
  const std::string sha1 = "pubkey_accepted_algorithms = \"+ssh-rsa\"\n";
  const ConfiguredExporter exporter("[modules.default]\n" + login(server.known_hosts_path()) + "\n[modules.sha1]\n" +
                                    login(server.known_hosts_path()) + sha1 + "\n[modules.other_host_key]\n" +
                                    login(keys.known_hosts(server.port(), "host_ed25519")) + sha1);

  // libssh falls back to ssh-rsa (SHA-1), which its defaults leave out: nothing is sent.
  const std::string kept = debug_probe(exporter, server.target(), "default");
  INFO(kept);
  CHECK(metric_value(metrics_of(kept), "probe_success") == 0);
  CHECK(failure_reason_of(metrics_of(kept)) == "auth");
  CHECK(contains(kept, rsa_key_not_sent("probe")));
  CHECK(count_of(server.log(), "auth publickey") == 0);

  // With "+ssh-rsa" the SHA-1 signature goes out and is accepted; the host key was checked against known_hosts
  // and the command ran.
  const std::string allowed = debug_probe(exporter, server.target(), "sha1");
  INFO(allowed << "\nserver log:\n" << server.log());
  CHECK(metric_value(metrics_of(allowed), "probe_success") == 1);
  CHECK(contains(allowed, "host key matches " + server.known_hosts_path() + ":1"));
  CHECK(label_value(metrics_of(allowed), "probe_ssh_host_key_info", "fingerprint_sha256") ==
        server.host_key_fingerprint());
  CHECK(metric_value(metrics_of(allowed), "probe_ssh_command_success", {{"command", "sha1"}}) == 1);
  CHECK(contains(server.log(), "auth publickey user=probe key=ssh-rsa accepted\n"));
  CHECK(contains(server.log(), "exec 'show version'\n"));

  // A known_hosts that knows another key for it: refused before any credential is sent.
  const auto signatures = count_of(server.log(), "auth publickey");
  const std::string other = debug_probe(exporter, server.target(), "other_host_key");
  INFO(other);
  CHECK(failure_reason_of(metrics_of(other)) == "host_key");
  CHECK(contains(other, "host key does not match the ssh-ed25519 key at " +
                            keys.known_hosts(server.port(), "host_ed25519") +
                            ":1 (changed key: possible man-in-the-middle)"));
  CHECK(count_of(server.log(), "auth publickey") == signatures);
}
