// Coming from treydock/ssh_exporter (docs/migrating.md): scripts/convert-treydock.py on configs of the shape its
// README documents, the converted config loads (--config.check) and probes the test sshd, and the recording
// rules that rebuild its series pass their promtool unit tests.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "support/exporter_process.hpp"
#include "support/http_client.hpp"
#include "support/metric_text.hpp"
#include "support/python.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

using namespace spe::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = SPE_SOURCE_DIR;
const fs::path kConverter = kSource / "scripts" / "convert-treydock.py";

// The README's example modules, with its paths pointed at the test sshd's key, certificate, known_hosts and
// account.
std::string documented_yaml(const TestSshd& sshd) {
  std::string yaml = R"(modules:
  default:
    user: USER
    private_key: KEY
    command: uptime
    command_expect: "load average"
    timeout: 5
  password:
    user: USER
    password: "PASSWORD"
  certificate:
    user: USER
    private_key: CERT_KEY
    certificate: CERTIFICATE
  verify:
    user: USER
    private_key: KEY
    known_hosts: KNOWN_HOSTS
    host_key_algorithms:
    - ssh-ed25519
    command: uptime
    command_expect: "load average"
    timeout: 5
  capture:
    user: USER
    private_key: KEY
    command: /some/command/with/output
    output_metric: true
    output_truncate: 50
)";
  yaml = replace_all(yaml, "CERT_KEY", sshd.cert_key_path());
  yaml = replace_all(yaml, "CERTIFICATE", sshd.cert_path());
  yaml = replace_all(yaml, "KNOWN_HOSTS", sshd.known_hosts_path());
  yaml = replace_all(yaml, "KEY", sshd.key_path());
  yaml = replace_all(yaml, "PASSWORD", sshd.has_password() ? sshd.password() : "not-the-password");
  return replace_all(yaml, "USER", sshd.user());
}

struct Converted {
  CommandResult run;  // stdout (the TOML unless -o) and stderr
  std::string toml;   // the file written with -o
};

Converted convert(const TempDir& dir, const std::string& yaml) {
  write_file(dir.path() / "ssh_exporter.yaml", yaml);
  const auto out = dir.path() / "exporter.toml";
  Converted converted;
  converted.run = run_command({system_python3(), kConverter.string(), (dir.path() / "ssh_exporter.yaml").string(),
                               "-o", out.string()},
                              "", 30s);
  if (fs::exists(out)) converted.toml = read_file(out);
  return converted;
}

// The README's example, converted; fails the test case when the converter does.
Converted convert_documented(const TempDir& dir, const TestSshd& sshd) {
  auto converted = convert(dir, documented_yaml(sshd));
  if (converted.run.exit_code != 0) FAIL("convert-treydock.py failed: " << converted.run.output);
  return converted;
}

// The text of one module's notes and keys: from the end of the previous table to the start of the next.
std::string module_block(const std::string& toml, const std::string& name) {
  const auto table = toml.find("[modules." + name + "]");
  if (table == std::string::npos) return "";
  const auto previous = toml.rfind("\n\n", table);
  const auto next = toml.find("\n\n", table);
  return toml.substr(previous == std::string::npos ? 0 : previous,
                     next == std::string::npos ? std::string::npos : next - previous);
}

// The converted file is a config the exporter accepts as it is.
void check_accepted(const TempDir& dir) {
  const auto check = ExporterProcess::run_binary(
      {"--config.file", (dir.path() / "exporter.toml").string(), "--config.check"});
  INFO(check.output);
  CHECK(check.exit_code == 0);
}

}  // namespace

// Needs python3 with PyYAML: ctest's "examples_pyyaml" test runs it, and reports it as skipped where it is missing
// (tests/run_if.sh).
TEST_CASE("treydock configs convert: every key carried or named, host keys unverified only out loud", "[pyyaml]") {
  auto& sshd = TestSshd::shared();
  TempDir dir("spe-treydock");
  const auto converted = convert_documented(dir, sshd);
  INFO(converted.toml);

  // The file may hold a password: only its owner may read it, and stderr never shows the password.
  struct stat st {};
  REQUIRE(::stat((dir.path() / "exporter.toml").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  if (sshd.has_password()) CHECK_FALSE(contains(converted.run.output, sshd.password()));

  const auto def = module_block(converted.toml, "default");
  CHECK(contains(def, "user = \"" + sshd.user() + "\""));
  CHECK(contains(def, "private_key = \"" + sshd.key_path() + "\""));
  CHECK(contains(def, "timeout = \"5s\""));
  CHECK(contains(def, "command = \"uptime\""));
  CHECK(contains(def, "command_expect = \"load average\""));
  // No known_hosts: treydock accepted any key; here that must be said, and is said loudly, in the file and on
  // stderr.
  CHECK(contains(def, "insecure_ignore_host_key = true"));
  CHECK(contains(def, "# !!! HOST KEYS ARE NOT VERIFIED IN THIS MODULE !!!"));
  CHECK(contains(converted.run.output, "module default: !!! HOST KEYS ARE NOT VERIFIED"));

  const auto verify = module_block(converted.toml, "verify");
  CHECK(contains(verify, "known_hosts = \"" + sshd.known_hosts_path() + "\""));
  CHECK(contains(verify, "host_key_algorithms = [\"ssh-ed25519\"]"));
  CHECK_FALSE(contains(verify, "insecure_ignore_host_key"));

  const auto certificate = module_block(converted.toml, "certificate");
  CHECK(contains(certificate, "certificate = \"" + sshd.cert_path() + "\""));
  CHECK(contains(module_block(converted.toml, "password"), "password = \""));

  // What cannot be carried is named above the module and on stderr.
  const auto capture = module_block(converted.toml, "capture");
  CHECK(contains(capture, "# output_metric: cannot be carried"));
  CHECK(contains(capture, "# output_truncate: cannot be carried"));
  CHECK_FALSE(contains(capture, "output_metric ="));
  CHECK(contains(converted.run.output, "module capture: output_metric: cannot be carried"));

  check_accepted(dir);
}

TEST_CASE("converted treydock modules probe the test sshd", "[pyyaml]") {
  auto& sshd = TestSshd::shared();
  TempDir dir("spe-treydock");
  const auto converted = convert_documented(dir, sshd);

  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  std::vector<std::string> modules{"default", "verify", "certificate"};
  if (sshd.has_password()) modules.push_back("password");
  for (const auto& module : modules) {
    INFO(module);
    const auto body = http_get(exporter.port(), "/probe?module=" + module + "&target=" + sshd.target(), {}, 10s).body;
    INFO(body);
    CHECK(metric_value(body, "probe_success") == 1);
  }
  // command_expect carried over is still checked: the verify module ran uptime and matched its output.
  const auto body = http_get(exporter.port(), "/probe?module=verify&target=" + sshd.target(), {}, 10s).body;
  CHECK(metric_value(body, "probe_ssh_command_success", {{"command", "verify"}}) == 1);
  CHECK(exporter.stop() == 0);
}

TEST_CASE("the converter refuses what is not a treydock config, and quotes what TOML needs quoted", "[pyyaml]") {
  TempDir dir("spe-treydock");
  CHECK(convert(dir, "targets: [a]\n").run.exit_code == 1);
  CHECK(convert(dir, "modules: [\n").run.exit_code == 1);

  const auto converted = convert(dir,
                                 "modules:\n"
                                 "  odd name:\n"
                                 "    user: probe\n"
                                 "    password: 'p\"w\\\\x'\n"
                                 "    known_hosts: relative/known_hosts\n"
                                 "    command: 'printf \"%s\\n\" ok'\n"
                                 "    command_expect: '^ok\\s*$'\n"
                                 "    timeout: 1.5\n"
                                 "    retries: 3\n");
  INFO(converted.run.output);
  REQUIRE(converted.run.exit_code == 0);
  INFO(converted.toml);
  CHECK(contains(converted.toml, "[modules.odd_name]"));
  CHECK(contains(converted.toml, "renamed 'odd_name': change module= in Prometheus too"));
  CHECK(contains(converted.toml, "password = \"p\\\"w\\\\\\\\x\""));
  CHECK(contains(converted.toml, "command = \"printf \\\"%s\\\\n\\\" ok\""));
  CHECK(contains(converted.toml, "command_expect = \"^ok\\\\s*$\""));
  CHECK(contains(converted.toml, "# known_hosts: 'relative/known_hosts' is relative"));
  CHECK(contains(converted.toml, "# timeout: 1.5 is not a positive whole number of seconds"));
  CHECK(contains(converted.toml, "# retries: not a key of treydock/ssh_exporter modules"));
  CHECK_FALSE(contains(converted.run.output, "p\"w"));
}

// treydock's fields are Go strings: YAML 1.1 numbers, times and booleans stay the text written. And a credential
// treydock did not use is not carried: a password next to a key (it used the key only) would be sent here when
// the key fails, a certificate without a key (it ignored it) would make --config.check refuse the file.
TEST_CASE("the converter keeps treydock's strings as written and carries no credential treydock did not use",
          "[pyyaml]") {
  auto& sshd = TestSshd::shared();
  TempDir dir("spe-treydock");
  const auto converted = convert(dir,
                                 "modules:\n"
                                 "  yes:\n"
                                 "    user: 0755\n"
                                 "    password: 0123\n"
                                 "    command: 12:30\n"
                                 "    command_expect: 1.10\n"
                                 "  both:\n"
                                 "    user: probe\n"
                                 "    private_key: " +
                                     sshd.key_path() +
                                     "\n"
                                     "    password: unused-by-treydock\n"
                                     "  certonly:\n"
                                     "    user: probe\n"
                                     "    password: pw\n"
                                     "    certificate: " +
                                     sshd.cert_path() + "\n");
  INFO(converted.run.output);
  REQUIRE(converted.run.exit_code == 0);
  INFO(converted.toml);

  CHECK(contains(converted.toml, "\n[modules.yes]\n"));
  const auto yes = module_block(converted.toml, "yes");
  CHECK(contains(yes, "user = \"0755\""));
  CHECK(contains(yes, "password = \"0123\""));
  CHECK(contains(yes, "command = \"12:30\""));
  CHECK(contains(yes, "command_expect = \"1.10\""));

  const auto both = module_block(converted.toml, "both");
  CHECK(contains(both, "private_key = \"" + sshd.key_path() + "\""));
  CHECK(contains(both, "\n# password = <not carried: treydock used the key only>\n"));
  CHECK(contains(both, "# password: not carried"));
  CHECK_FALSE(contains(converted.toml, "unused-by-treydock"));
  CHECK_FALSE(contains(converted.run.output, "unused-by-treydock"));

  const auto certonly = module_block(converted.toml, "certonly");
  CHECK_FALSE(contains(certonly, "certificate = "));
  CHECK(contains(certonly, "# certificate: no private_key to go with it"));
  CHECK(contains(converted.run.output, "module certonly: certificate: no private_key"));

  check_accepted(dir);
}

TEST_CASE("the treydock compatibility recording rules pass promtool check and test rules", "[promtool]") {
  const auto dir = kSource / "examples" / "recording";
  const auto check = run_command({"promtool", "check", "rules", (dir / "treydock_compat.rules.yml").string()});
  INFO(check.output);
  CHECK(check.exit_code == 0);
  const auto test = run_command({"promtool", "test", "rules", (dir / "treydock_compat.rules.test.yml").string()});
  INFO(test.output);
  CHECK(test.exit_code == 0);
}
