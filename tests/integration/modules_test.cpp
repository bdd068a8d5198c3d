// Every ready-made module in modules/ against the real test sshd: each must succeed and yield the
// series its header promises.
#include <catch2/catch.hpp>

#include <pwd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;

namespace {

// The shipped module files, pointed at the test sshd's key, known_hosts and account.
struct ModulesBed {
  TempDir dir{"spe-modules"};
  std::unique_ptr<ExporterProcess> exporter;

  ModulesBed() {
    auto& sshd = TestSshd::shared();
    std::filesystem::create_directories(dir.path() / "modules");
    for (const auto& entry : std::filesystem::directory_iterator(std::string(SPE_SOURCE_DIR) + "/modules")) {
      if (entry.path().extension() != ".toml") continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      std::string module = replace_all(text.str(), "\"../.demo/id_ed25519\"", toml_string(sshd.key_path()));
      module = replace_all(module, "\"../.demo/known_hosts\"", toml_string(sshd.known_hosts_path()));
      const std::string header = "[modules." + entry.path().stem().string() + "]\n";
      module = replace_all(module, header, header + "user = " + toml_string(sshd.user()) + "\n");
      write_file(dir.path() / "modules" / entry.path().filename(), module);
    }
    write_file(dir.path() / "exporter.toml", "include = [\"modules/*.toml\"]\n");
    exporter = std::make_unique<ExporterProcess>((dir.path() / "exporter.toml").string());
  }

  static ModulesBed& shared() {
    static ModulesBed bed;
    return bed;
  }

  std::string probe(const std::string& module) {
    const auto response = http_get(exporter->port(),
                                   "/probe?target=" + TestSshd::shared().target() + "&module=" + module);
    INFO(module << ": " << response.error << "\n" << response.body);
    REQUIRE(response.status == 200);
    CHECK(metric_value(response.body, "probe_success") == 1);
    const auto check = promtool_check_metrics(response.body);
    INFO(check.output);
    CHECK(check.exit_code == 0);
    return response.body;
  }
};

double value(const std::string& body, const std::string& name, const MetricLabels& labels = {}) {
  return metric_value(body, name, labels).value_or(-1);
}

}  // namespace

TEST_CASE("module login logs in and runs nothing", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("login");
  CHECK(count_series(body, "probe_ssh_command_success") == 0);
}

TEST_CASE("module uptime yields uptime and load averages", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("uptime");
  INFO(body);
  CHECK(value(body, "host_uptime_seconds") > 0);
  for (const char* name : {"host_load1", "host_load5", "host_load15"}) CHECK(value(body, name) >= 0);
}

TEST_CASE("module memory yields /proc/meminfo fields in bytes", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("memory");
  INFO(body);
  CHECK(count_series(body, "host_memory_bytes") == 7);
  CHECK(value(body, "host_memory_bytes", {{"field", "MemTotal"}}) > 1024.0 * 1024 * 1024);
}

TEST_CASE("module disk yields one series per mount, in bytes", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("disk");
  INFO(body);
  CHECK(count_series(body, "host_filesystem_size_bytes") >= 1);
  CHECK(count_series(body, "host_filesystem_size_bytes") == count_series(body, "host_filesystem_used_bytes"));
  std::optional<double> root_size, root_used;
  for (const auto& sample : parse_samples(body)) {
    if (sample.labels.count("mount") == 0 || sample.labels.at("mount") != "/") continue;
    if (sample.name == "host_filesystem_size_bytes") root_size = sample.value;
    if (sample.name == "host_filesystem_used_bytes") root_used = sample.value;
  }
  REQUIRE(root_size);
  REQUIRE(root_used);
  CHECK(*root_size > 0);
  CHECK(*root_used <= *root_size);
}

TEST_CASE("module readonly_fs counts read-only filesystems", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("readonly_fs");
  const double count = value(body, "host_readonly_filesystems");
  CHECK(count >= 0);
  CHECK(count_series(body, "host_filesystem_readonly") == static_cast<std::size_t>(count));
}

TEST_CASE("module systemd_failed says whether systemd runs", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("systemd_failed");
  INFO(body);
  const double booted = value(body, "host_systemd_booted");
  CHECK((booted == 0 || booted == 1));
  if (booted == 1) CHECK(value(body, "host_systemd_failed_units") >= 0);
}

TEST_CASE("module time_sync reports the target's clock", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("time_sync");
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(value(body, "host_time_seconds") == Approx(now).margin(10));
}

TEST_CASE("module reboot_required reports the flag file", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("reboot_required");
  const double required = value(body, "host_reboot_required");
  CHECK(required == (std::filesystem::exists("/var/run/reboot-required") ? 1 : 0));
}

TEST_CASE("module process_count counts sshd processes", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("process_count");
  CHECK(value(body, "host_processes", {{"process", "sshd"}}) >= 1);
  CHECK(value(body, "host_processes", {{"process", "cron"}}) >= 0);
}

TEST_CASE("module node_prometheus passes Prometheus text through", "[integration][modules]") {
  const std::string body = ModulesBed::shared().probe("node_prometheus");
  INFO(body);
  CHECK(value(body, "host_procs_running") >= 1);
  CHECK(value(body, "host_threads") > 0);
  CHECK(value(body, "host_context_switches_total") > 0);
  CHECK(value(body, "host_forks_total") > 0);
}

TEST_CASE("module sftp lists, writes and removes its file, and reports the free space",
          "[integration][modules][sftp]") {
  const std::string body = ModulesBed::shared().probe("sftp");
  INFO(body);
  CHECK(count_series(body, "probe_ssh_command_success") == 0);
  CHECK(value(body, "probe_sftp_success") == 1);
  CHECK(value(body, "probe_sftp_directory_entries") >= 0);
  CHECK(value(body, "probe_sftp_filesystem_avail_bytes") >= 1048576);
  CHECK(value(body, "probe_sftp_duration_seconds", {{"op", "remove"}}) > 0);
  // The login directory, where the write test wrote: its file is gone.
  const passwd* account = ::getpwnam(TestSshd::shared().user().c_str());
  REQUIRE(account != nullptr);
  for (const auto& entry : std::filesystem::directory_iterator(account->pw_dir)) {
    CHECK_FALSE(entry.path().filename().string().starts_with(".ssh_probe_exporter."));
  }
}
