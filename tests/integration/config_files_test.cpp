// Files the config names turning hostile under a running exporter, and configs that load but are
// wrong: a known_hosts or included file replaced by a symlink to /dev/zero, a directory or a FIFO;
// a config with no module; a jump host reached through itself; nesting deeper than the TOML parser
// can take; secrets others may read; a known_hosts file that is really a password file. Each test
// starts its own exporter; every wait is bounded.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The ways a named file can turn into something that is not a regular file.
using Hostile = std::function<void(const fs::path&)>;
const std::vector<std::pair<std::string, Hostile>>& hostile_files() {
  static const std::vector<std::pair<std::string, Hostile>> kinds{
      {"a character device", [](const fs::path& p) { fs::create_symlink("/dev/zero", p); }},
      {"a directory", [](const fs::path& p) { fs::create_directory(p); }},
      {"a FIFO", [](const fs::path& p) { REQUIRE(::mkfifo(p.c_str(), 0600) == 0); }},
  };
  return kinds;
}

// A config in its own directory: a module with a known_hosts file, and one in an included file.
struct Files {
  Files() {
    write_file(dir.path() / "known_hosts", "# nothing known yet\n");
    fs::create_directory(dir.path() / "modules");
    write_file(dir.path() / "modules" / "b.toml", module("b", ""));
    write_file(config, "include = [\"modules/*.toml\"]\n" + module("a", "known_hosts = \"known_hosts\"\n"));
  }
  static std::string module(const std::string& name, const std::string& host_key) {
    return "[modules." + name + "]\nuser = \"nobody\"\npassword = \"pw\"\nallowed_targets = [\"127.0.0.1:*\"]\n" +
           (host_key.empty() ? "insecure_ignore_host_key = true\n" : host_key);
  }
  TempDir dir{"spe-files"};
  std::string config = (dir.path() / "exporter.toml").string();
};

double reload_successful(unsigned short port) {
  return metric_value(http_get(port, "/metrics", {}, 5s).body, "ssh_probe_exporter_config_last_reload_successful")
      .value_or(-1);
}

// Both modules still answer (an unknown module would be a 400).
bool old_config_in_force(unsigned short port) {
  const std::string config = http_get(port, "/config", {}, 5s).body;
  return contains(config, "[modules.a]") && contains(config, "[modules.b]");
}

}  // namespace

TEST_CASE("POST /-/reload: a named file turned into a device, a directory or a FIFO is refused at once", "[fault]") {
  Files files;
  ExporterProcess exporter(files.config);
  const unsigned short port = exporter.port();
  const long rss_before = exporter.rss_kb();
  for (const std::string victim : {"known_hosts", "modules/b.toml"}) {
    for (const auto& [what, make] : hostile_files()) {
      const fs::path path = files.dir.path() / victim;
      CAPTURE(victim, what);
      const std::string saved = read_file(path);
      fs::remove(path);
      make(path);
      const auto started = std::chrono::steady_clock::now();
      const auto reloaded = http_request(port, "POST", "/-/reload", {}, "", 5s);
      CHECK(std::chrono::steady_clock::now() - started < 2s);
      CHECK(reloaded.status == 500);
      CHECK(contains(reloaded.body, "cannot read \"" + path.string() + "\": not a regular file (" + what + ")"));
      CHECK(contains(reloaded.body, " at " + files.config + ":"));  // the key that named it
      REQUIRE(exporter.running());
      CHECK(old_config_in_force(port));
      CHECK(reload_successful(port) == 0);
      CHECK(exporter.rss_kb() < rss_before + 64 * 1024);
      fs::remove(path);
      write_file(path, saved);
      CHECK(http_request(port, "POST", "/-/reload", {}, "", 5s).status == 200);
    }
  }
  CHECK(http_get(port, "/-/healthy", {}, 5s).status == 200);
}

TEST_CASE("auto-reload: a named file turned into a device, a directory or a FIFO is tried once, not read", "[fault]") {
  Files files;
  ExporterProcess exporter(files.config, {"--config.auto-reload-interval", "100ms"});
  const unsigned short port = exporter.port();
  const long rss_before = exporter.rss_kb();
  const fs::path known_hosts = files.dir.path() / "known_hosts";
  for (const auto& [what, make] : hostile_files()) {
    CAPTURE(what);
    fs::remove(known_hosts);
    const auto offset = exporter.log_size();
    make(known_hosts);
    CHECK(exporter.wait_for_log("not a regular file (" + what + ")", 5s, offset));
    std::this_thread::sleep_for(500ms);  // five more ticks: none may read it, or try it again
    const std::string since = exporter.log_since(offset);
    CHECK(std::count_if(since.begin(), since.end(), [](char c) { return c == '\n'; }) >= 1);
    std::size_t failures = 0;
    for (auto at = since.find("reload failed"); at != std::string::npos; at = since.find("reload failed", at + 1)) {
      ++failures;
    }
    CHECK(failures == 1);
    REQUIRE(exporter.running());
    CHECK(http_get(port, "/-/healthy", {}, 2s).status == 200);
    CHECK(old_config_in_force(port));
    CHECK(exporter.rss_kb() < rss_before + 64 * 1024);
    fs::remove(known_hosts);
    const auto fixed_offset = exporter.log_size();
    write_file(known_hosts, "# known again\n");
    CHECK(exporter.wait_for_log("msg=\"config reloaded\" trigger=file", 5s, fixed_offset));
  }
}

TEST_CASE("startup and --config.check refuse a FIFO at once, naming it", "[fault]") {
  Files files;
  const fs::path fifo = files.dir.path() / "password";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  write_file(files.config,
             "[modules.a]\nuser = \"nobody\"\npassword_file = \"password\"\n"
             "insecure_ignore_host_key = true\nallowed_targets = [\"127.0.0.1\"]\n");
  const std::string expected = "modules.a.password_file: cannot read \"" + fifo.string() +
                               "\": not a regular file (a FIFO) at " + files.config + ":3:17";
  const auto checked = run_command({ExporterProcess::binary_path(), "--config.check", "--config.file", files.config},
                                   "", 10s);
  CHECK(checked.exit_code == 1);
  CHECK(contains(checked.output, expected));
  const auto started = run_command(
      {ExporterProcess::binary_path(), "--config.file", files.config, "--web.listen-address", "127.0.0.1:0"}, "", 10s);
  CHECK(started.exit_code == 1);
  CHECK(contains(started.output, "cannot load config"));
  CHECK(contains(started.output, "not a regular file (a FIFO)"));

  // The web config's TLS files too.
  fs::remove(fifo);
  write_file(fifo, "pw\n", 0600);
  const fs::path key = files.dir.path() / "tls.key";
  REQUIRE(::mkfifo(key.c_str(), 0600) == 0);
  write_file(files.dir.path() / "tls.crt", "not read further than the key\n");
  const std::string web = (files.dir.path() / "web.toml").string();
  write_file(web, "[tls]\ncert_file = \"tls.crt\"\nkey_file = \"tls.key\"\n");
  const auto secured = run_command({ExporterProcess::binary_path(), "--config.file", files.config, "--web.config.file",
                                    web, "--web.listen-address", "127.0.0.1:0"},
                                   "", 10s);
  CHECK(secured.exit_code == 1);
  CHECK(contains(secured.output, "tls.key_file: cannot read \\\"" + key.string() +
                                     "\\\": not a regular file (a FIFO) at " + web + ":3:12"));
}

TEST_CASE("a config with no module is an error at startup, --config.check and reload", "[integration]") {
  Files files;
  ExporterProcess exporter(files.config);
  const unsigned short port = exporter.port();
  TempDir empty_dir{"spe-empty"};
  const std::string empty = (empty_dir.path() / "exporter.toml").string();
  write_file(empty, "# modules to come\n");
  const std::string expected = "modules: none defined: a config needs at least one [modules.NAME] table at " + empty +
                               ":1:1";

  const auto checked = run_command({ExporterProcess::binary_path(), "--config.check", "--config.file", empty}, "",
                                   10s);
  CHECK(checked.exit_code == 1);
  CHECK(contains(checked.output, expected));
  const auto started = run_command(
      {ExporterProcess::binary_path(), "--config.file", empty, "--web.listen-address", "127.0.0.1:0"}, "", 10s);
  CHECK(started.exit_code == 1);
  CHECK(contains(started.output, "none defined"));

  write_file(files.config, "# modules to come\n");
  const auto reloaded = http_request(port, "POST", "/-/reload", {}, "", 5s);
  CHECK(reloaded.status == 500);
  CHECK(contains(reloaded.body, "modules: none defined: a config needs at least one [modules.NAME] table at " +
                                    files.config + ":1:1"));
  CHECK(reload_successful(port) == 0);
  CHECK(old_config_in_force(port));
}

TEST_CASE("a bad jump host is an error at --config.check and reload; the good one is shown masked", "[integration]") {
  Files files;
  // A hop in an included file, used by a module of the main file.
  const std::string hops = (files.dir.path() / "modules" / "hops.toml").string();
  const std::string hop =
      "[jump_hosts.bastion]\nhost = \"bastion.example.com\"\nuser = \"nobody\"\npassword = \"H0pS3cretPW!\"\n"
      "insecure_ignore_host_key = true\n";
  write_file(hops, hop);
  write_file(files.config, "include = [\"modules/*.toml\"]\n" + Files::module("a", "known_hosts = \"known_hosts\"\n") +
                               "jump_hosts = [\"bastion\"]\n");
  ExporterProcess exporter(files.config);
  const unsigned short port = exporter.port();
  // One hop: 5 descriptors per probe, and the HTTP connection.
  CHECK(contains(exporter.log(), "msg=\"file descriptor limit\""));
  CHECK(contains(exporter.log(), " descriptors_per_probe=6"));
  const std::string shown = http_get(port, "/config", {}, 5s).body;
  CHECK(contains(shown, "\njump_hosts = [\"bastion\"]\n"));
  CHECK(contains(shown, "[jump_hosts.bastion]\nhost = \"bastion.example.com\"\nport = 22\nuser = \"nobody\"\n"));
  CHECK(contains(shown, "\npassword = \"<secret>\"\n"));
  CHECK_FALSE(contains(shown, "H0pS3cretPW!"));

  // The hop reached through itself.
  write_file(hops, hop + "jump_hosts = [\"bastion\"]\n");
  const std::string expected =
      "jump_hosts.bastion.jump_hosts[0]: jump hosts reached through each other: bastion -> bastion at " + hops +
      ":6:15";
  const auto checked = run_command({ExporterProcess::binary_path(), "--config.check", "--config.file", files.config},
                                   "", 10s);
  CHECK(checked.exit_code == 1);
  CHECK(contains(checked.output, expected));
  const auto reloaded = http_request(port, "POST", "/-/reload", {}, "", 5s);
  CHECK(reloaded.status == 500);
  CHECK(contains(reloaded.body, expected));
  CHECK(reload_successful(port) == 0);
  CHECK(old_config_in_force(port));
  CHECK(contains(http_get(port, "/config", {}, 5s).body, "[jump_hosts.bastion]\n"));
  CHECK_FALSE(contains(exporter.log(), "H0pS3cretPW!"));
}

TEST_CASE("reload: nesting deeper than the TOML parser can take is an error naming the place", "[fault]") {
  Files files;
  ExporterProcess exporter(files.config);
  const unsigned short port = exporter.port();
  std::string deep = "x";
  for (int i = 0; i < 50000; ++i) deep += ".a";
  write_file(files.config, deep + " = 1\n");
  const auto reloaded = http_request(port, "POST", "/-/reload", {}, "", 5s);
  CHECK(reloaded.status == 500);
  CHECK(contains(reloaded.body, "TOML nesting: keys, tables and arrays nested more than 64 levels deep at " +
                                    files.config + ":1:128"));
  REQUIRE(exporter.running());
  CHECK(old_config_in_force(port));
  CHECK(http_get(port, "/-/healthy", {}, 2s).status == 200);
}

TEST_CASE("warnings at startup and reload: secrets others may read, a password for any host", "[integration]") {
  Files files;
  const fs::path password = files.dir.path() / "password";
  write_file(password, "Pr0beS3cretPW!\n", 0644);
  write_file(files.config,
             "[modules.a]\nuser = \"nobody\"\npassword_file = \"password\"\n"
             "insecure_ignore_host_key = true\n");
  ExporterProcess exporter(files.config);
  const std::string mode =
      "level=warn msg=\"config warning\" warning=\"modules.a.password_file: permissions 0644 for \\\"" +
      password.string() + "\\\" are too open";
  const std::string anyone = "level=warn msg=\"config warning\" warning=\"modules.a: sends its password to any target";
  CHECK(exporter.wait_for_log(mode, 5s));
  CHECK(exporter.wait_for_log(anyone, 5s));
  const auto checked = run_command({ExporterProcess::binary_path(), "--config.check", "--config.file", files.config},
                                   "", 10s);
  CHECK(checked.exit_code == 0);
  CHECK(contains(checked.output, "warning: modules.a.password_file: permissions 0644 for \"" + password.string() +
                                     "\" are too open: group or others may read this secret (chmod 600 it) at " +
                                     files.config + ":3:17"));
  CHECK(contains(checked.output, "warning: modules.a: sends its password to any target"));

  const auto offset = exporter.log_size();
  CHECK(http_request(exporter.port(), "POST", "/-/reload", {}, "", 5s).status == 200);
  CHECK(exporter.wait_for_log(mode, 5s, offset));
  CHECK(exporter.wait_for_log(anyone, 5s, offset));

  // Fixed: chmod 600 and allowed_targets, and the next reload says nothing.
  fs::permissions(password, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  write_file(files.config,
             "[modules.a]\nuser = \"nobody\"\npassword_file = \"password\"\n"
             "insecure_ignore_host_key = true\nallowed_targets = [\"127.0.0.1\"]\n");
  const auto fixed = exporter.log_size();
  CHECK(http_request(exporter.port(), "POST", "/-/reload", {}, "", 5s).status == 200);
  CHECK(exporter.wait_for_log("msg=\"config reloaded\"", 5s, fixed));
  CHECK_FALSE(contains(exporter.log_since(fixed), "config warning"));
  CHECK_FALSE(contains(exporter.log(), "Pr0beS3cretPW!"));
}

TEST_CASE("a password file named as known_hosts: the log says which lines were skipped, never their words",
          "[integration]") {
  const std::string secret = "Pr0beS3cretPW!";
  Files files;
  write_file(files.dir.path() / "known_hosts", "host " + secret + "\n" + secret + "\n", 0600);
  ExporterProcess exporter(files.config);
  CHECK(exporter.wait_for_log("known_hosts lines skipped", 5s));
  // The probe reaches the host key check (the file knows no host), whose log line has the summary.
  const std::string target = TestSshd::shared().target();
  const std::string probe =
      http_get(exporter.port(), "/probe?module=a&target=" + target + "&debug=true", {}, 10s).body;
  CHECK(contains(exporter.log(), "2 lines skipped (lines 1, 2), the first " +
                                     (files.dir.path() / "known_hosts").string() + ":1: unsupported key type"));
  CHECK(contains(probe, "known_hosts_skipped="));
  CHECK_FALSE(contains(probe, secret));
  CHECK(exporter.stop() == 0);
  CHECK_FALSE(contains(exporter.log(), secret));
}
