// Static checks of everything under examples/: Prometheus configs (promtool check config), alert rules
// (promtool check rules and their unit tests, every alert both firing and not), the Grafana dashboard
// (JSON, PromQL of every panel), the systemd unit (systemd-analyze verify and security), the Dockerfile
// (stages, and a runtime package for every library the binary links) and the Kubernetes manifests (YAML,
// required fields, and that the objects refer to each other correctly). The configs shipped with the
// systemd unit and the Kubernetes ConfigMap go through the exporter's --config.check with test keys.
// Nothing here needs a container engine or a cluster; tests/integration/e2e_prometheus_test.cpp runs the
// Prometheus configs for real.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
// Boost 1.74's JSON parser includes the deprecated <boost/bind.hpp>, which prints a notice unless
// the global placeholders are asked for explicitly.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "support/exporter_process.hpp"
#include "support/http_client.hpp"
#include "support/json.hpp"
#include "support/probe_bed.hpp"
#include "support/python.hpp"
#include "support/sshd.hpp"
#include "support/temp_dir.hpp"
#include "support/text.hpp"

using namespace spe::test;
namespace fs = std::filesystem;
namespace pt = boost::property_tree;

namespace {

const fs::path kExamples = fs::path(SPE_SOURCE_DIR) / "examples";
const fs::path kTestKeys = fs::path(SPE_TEST_DATA) / "keys";

std::vector<fs::path> files_in(const fs::path& dir, const std::set<std::string>& extensions) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && extensions.contains(entry.path().extension().string())) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs the exporter's --config.check on a config whose key paths under key_dir_in_config were pointed at a
// directory holding the test key (id_ed25519) and a known_hosts.
CommandResult config_check_with_test_keys(const std::string& config, const std::string& key_dir_in_config) {
  TempDir dir("spe-example-config");
  fs::copy_file(kTestKeys / "id_ed25519", dir.path() / "id_ed25519");
  fs::copy_file(kTestKeys / "known_hosts", dir.path() / "known_hosts");
  const auto path = dir.path() / "exporter.toml";
  write_file(path, replace_all(config, key_dir_in_config, dir.path().string() + "/"));
  return ExporterProcess::run_binary({"--config.file", path.string(), "--config.check"});
}

// Each `- alert: NAME` of a rules file.
std::vector<std::string> alert_names(const std::string& rules) {
  std::vector<std::string> names;
  static const std::regex alert(R"(^\s*- alert:\s*(\S+)\s*$)");
  std::istringstream in(rules);
  for (std::string line; std::getline(in, line);) {
    std::smatch match;
    if (std::regex_match(line, match, alert)) names.push_back(match[1]);
  }
  return names;
}

}  // namespace

TEST_CASE("every example Prometheus config passes promtool check config", "[promtool]") {
  const auto configs = files_in(kExamples / "prometheus", {".yml", ".yaml"});
  REQUIRE(configs.size() >= 2);  // prometheus.yml and sharded.yml
  for (const auto& config : configs) {
    const auto result = run_command({"promtool", "check", "config", config.string()});
    INFO(config << "\n" << result.output);
    CHECK(result.exit_code == 0);
    if (config.filename() == "prometheus.yml") {
      // Its rule_files entry reaches examples/alerts: promtool checks the rules as part of the config.
      CHECK(result.output.find("rules found") != std::string::npos);
    }
  }
  // The file_sd target files parse (promtool check config reads them too, but say which file failed).
  for (const auto& targets : files_in(kExamples / "prometheus" / "targets", {".yml", ".yaml"})) {
    const std::string text = read_file(targets);
    INFO(targets);
    CHECK(text.find("- targets:") != std::string::npos);
  }
}

TEST_CASE("the alert rules pass promtool check rules, and their unit tests cover every alert", "[promtool]") {
  const auto rules_file = kExamples / "alerts" / "ssh_probe.rules.yml";
  const auto tests_file = kExamples / "alerts" / "ssh_probe.rules.test.yml";
  {
    const auto result = run_command({"promtool", "check", "rules", rules_file.string()});
    INFO(result.output);
    CHECK(result.exit_code == 0);
  }
  {
    const auto result = run_command({"promtool", "test", "rules", tests_file.string()});
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.find("SUCCESS") != std::string::npos);
  }

  // Each alert has a case where it fires (exp_alerts with entries) and one where it must not (exp_alerts: []).
  const auto names = alert_names(read_file(rules_file));
  for (const std::string required :
       {"SSHTargetDown", "SSHAuthFailing", "SSHHostKeyChanged", "SSHCommandFailing", "SSHProbeExporterReloadFailed"}) {
    INFO(required);
    CHECK(std::find(names.begin(), names.end(), required) != names.end());
  }
  std::map<std::string, std::pair<int, int>> cases;  // alert -> (firing cases, silent cases)
  std::istringstream tests(read_file(tests_file));
  std::string current;
  static const std::regex alertname(R"(^\s*alertname:\s*(\S+)\s*$)");
  static const std::regex exp_alerts(R"(^\s*exp_alerts:\s*(\[\])?\s*$)");
  for (std::string line; std::getline(tests, line);) {
    std::smatch match;
    if (std::regex_match(line, match, alertname)) {
      current = match[1];
    } else if (!current.empty() && std::regex_match(line, match, exp_alerts)) {
      (match[1].matched ? cases[current].second : cases[current].first)++;
      current.clear();
    }
  }
  for (const auto& name : names) {
    INFO("alert " << name << ": firing cases " << cases[name].first << ", silent cases " << cases[name].second);
    CHECK(cases[name].first > 0);
    CHECK(cases[name].second > 0);
  }
}

TEST_CASE("the Grafana dashboard is JSON whose panels query valid PromQL", "[promtool]") {
  const auto dashboard = parse_json(read_file(kExamples / "grafana" / "ssh_probe_exporter.json"));
  CHECK(!dashboard.get<std::string>("uid", "").empty());
  CHECK(!dashboard.get<std::string>("title", "").empty());

  std::vector<std::string> exprs;
  std::set<std::string> titles;
  for (const auto& [unused, panel] : dashboard.get_child("panels")) {
    const std::string title = panel.get<std::string>("title", "");
    INFO("panel " << title);
    CHECK(!title.empty());
    CHECK(titles.insert(title).second);
    if (panel.get<std::string>("type", "") == "row") continue;
    CHECK(panel.get_child_optional("gridPos.w").has_value());
    const auto targets = panel.get_child_optional("targets");
    REQUIRE(targets.has_value());
    CHECK(!targets->empty());
    for (const auto& [unused2, target] : *targets) {
      const std::string expr = target.get<std::string>("expr", "");
      CHECK(!expr.empty());
      exprs.push_back(expr);
    }
  }
  std::string all;
  for (const auto& expr : exprs) all += expr + "\n";
  for (const std::string metric :
       {"probe_success", "probe_ssh_duration_seconds", "probe_ssh_failure", "ssh_probe_exporter_probes_total",
        "ssh_probe_exporter_probes_in_flight", "process_cpu_seconds_total", "process_resident_memory_bytes"}) {
    INFO("the dashboard shows " << metric);
    CHECK(all.find(metric) != std::string::npos);
  }

  // PromQL syntax, offline: every expression as a recording rule for promtool check rules, with Grafana's
  // variables given the values "All" gives them.
  std::string rules = "groups:\n  - name: dashboard\n    rules:\n";
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    std::string expr = exprs[i];
    for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
             {"$__rate_interval", "5m"}, {"$exporter_job", ".+"}, {"$instance", ".+"}, {"$job", ".+"}}) {
      expr = replace_all(expr, from, to);
    }
    CHECK(expr.find('$') == std::string::npos);
    std::string quoted;
    for (const char c : expr) quoted += (c == '\'') ? std::string("''") : std::string(1, c);
    rules += "      - record: dashboard:panel_" + std::to_string(i) + "\n        expr: '" + quoted + "'\n";
  }
  TempDir dir("spe-dashboard");
  write_file(dir.path() / "dashboard.rules.yml", rules);
  const auto result = run_command({"promtool", "check", "rules", (dir.path() / "dashboard.rules.yml").string()});
  INFO(rules << result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("the systemd unit is hardened, and its flags and config are accepted", "[promtool]") {
  const auto unit_file = kExamples / "systemd" / "ssh_probe_exporter.service";
  const std::string unit = read_file(unit_file);
  REQUIRE(!unit.empty());
  CHECK(unit.find("ExecReload=/bin/kill -HUP $MAINPID") != std::string::npos);
  for (const std::string setting :
       {"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "DynamicUser=yes"}) {
    INFO(setting);
    CHECK(unit.find(setting) != std::string::npos);
  }

  // The flags of ExecStart, with the config of examples/systemd (the credential directory pointed at test keys).
  std::string exec_start;
  {
    std::istringstream lines(unit);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("ExecStart=")) exec_start = line.substr(10);
    }
  }
  REQUIRE(exec_start.starts_with("/usr/local/bin/ssh_probe_exporter "));
  {
    TempDir dir("spe-systemd");
    fs::copy_file(kTestKeys / "id_ed25519", dir.path() / "id_ed25519");
    fs::copy_file(kTestKeys / "known_hosts", dir.path() / "known_hosts");
    write_file(dir.path() / "exporter.toml",
               replace_all(read_file(kExamples / "systemd" / "exporter.toml"),
                           "/run/credentials/ssh_probe_exporter.service/", dir.path().string() + "/"));
    std::vector<std::string> args;
    std::istringstream words(exec_start);
    words.ignore(exec_start.find(' '));
    for (std::string word; words >> word;) {
      args.push_back(word.starts_with("--config.file=") ? "--config.file=" + (dir.path() / "exporter.toml").string()
                                                        : word);
    }
    args.push_back("--config.check");
    const auto result = ExporterProcess::run_binary(args);
    INFO(exec_start << "\n" << result.output);
    CHECK(result.exit_code == 0);
  }
}

// Needs systemd-analyze: ctest's "examples_systemd" test runs it, and reports it as skipped where the program is
// missing (tests/run_if.sh).
TEST_CASE("the systemd unit passes systemd-analyze verify and security", "[systemd]") {
  const std::string unit = read_file(kExamples / "systemd" / "ssh_probe_exporter.service");
  REQUIRE(!unit.empty());
  // verify needs ExecStart's program to exist: the built binary stands in for /usr/local/bin's.
  TempDir dir("spe-unit");
  const auto copy = dir.path() / "ssh_probe_exporter.service";
  write_file(copy, replace_all(unit, "/usr/local/bin/ssh_probe_exporter", ExporterProcess::binary_path()));
  {
    const auto result = run_command({"systemd-analyze", "verify", copy.string()});
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.empty());  // unknown keys and bad values are warnings with exit 0
  }
  {
    // Exposure level (0 safe .. 10 exposed) at most 2.0, on systemd's own scale.
    const auto result = run_command({"systemd-analyze", "security", "--offline=yes", "--threshold=20", copy.string()});
    INFO(result.output);
    CHECK(result.exit_code == 0);
  }
}

// The Dockerfile's two stages: {build, runtime}.
std::pair<std::string, std::string> dockerfile_stages() {
  const std::string dockerfile = read_file(kExamples / "docker" / "Dockerfile");
  REQUIRE(!dockerfile.empty());
  const auto build_stage = dockerfile.find("\nFROM debian:12 AS build\n");
  REQUIRE(build_stage != std::string::npos);
  const auto runtime_stage = dockerfile.find("\nFROM debian:12\n", build_stage + 1);
  REQUIRE(runtime_stage != std::string::npos);
  return {dockerfile.substr(build_stage, runtime_stage - build_stage), dockerfile.substr(runtime_stage)};
}

TEST_CASE("the Dockerfile builds on Debian 12 and runs the binary as a user", "[promtool]") {
  const auto [build, runtime] = dockerfile_stages();
  // Only the build list: the build stage pulls in no test tools, OpenSSH server or Prometheus.
  CHECK(build.find("COPY scripts/deps/build.txt scripts/deps/") != std::string::npos);
  CHECK(build.find("RUN bash scripts/install-deps.sh --build ") != std::string::npos);
  CHECK(build.find("-DSPE_BUILD_TESTS=OFF") != std::string::npos);
  CHECK(build.find("ninja -C /build ssh_probe_exporter") != std::string::npos);
  CHECK(runtime.find("COPY --from=build /build/ssh_probe_exporter ") != std::string::npos);
  CHECK(runtime.find("\nUSER 65532") != std::string::npos);  // not root
  CHECK(runtime.find("build-essential") == std::string::npos);
}

// Needs readelf and dpkg-query: ctest's "examples_dpkg" test runs it, and reports it as skipped where either is
// missing (tests/run_if.sh).
TEST_CASE("the Dockerfile's runtime stage installs every library the binary links", "[dpkg]") {
  const std::string runtime = dockerfile_stages().second;
  // The libraries the binary links directly (apt brings their own dependencies), by Debian package.
  const auto needed = run_command({"readelf", "-d", ExporterProcess::binary_path()});
  REQUIRE(needed.exit_code == 0);
  const auto ldd = run_command({"ldd", ExporterProcess::binary_path()});
  REQUIRE(ldd.exit_code == 0);
  static const std::regex needed_line(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
  std::set<std::string> packages;
  for (std::sregex_iterator it(needed.output.begin(), needed.output.end(), needed_line), end; it != end; ++it) {
    const std::string soname = (*it)[1];
    if (soname.starts_with("libasan") || soname.starts_with("libubsan") || soname.starts_with("libtsan")) continue;
    const std::regex resolved("\\s" + std::regex_replace(soname, std::regex(R"([.+])"), R"(\$&)") + R"( => (\S+))");
    std::smatch match;
    INFO(soname << " in ldd output:\n" << ldd.output);
    REQUIRE(std::regex_search(ldd.output, match, resolved));
    // dpkg knows a file by the path it shipped it at: /usr/lib/... or /lib/... (merged /usr).
    std::string path = match[1];
    std::string other = path.starts_with("/usr/") ? path.substr(4) : "/usr" + path;
    auto owner = run_command({"dpkg-query", "-S", path});
    if (owner.exit_code != 0) owner = run_command({"dpkg-query", "-S", other});
    INFO("owner of " << path << ": " << owner.output);
    REQUIRE(owner.exit_code == 0);
    packages.insert(owner.output.substr(0, owner.output.find_first_of(":,")));
  }
  REQUIRE(!packages.empty());
  for (const auto& package : packages) {
    INFO("runtime stage installs " << package);
    CHECK(std::regex_search(runtime, std::regex("\\s" + std::regex_replace(package, std::regex(R"([.+])"), R"(\$&)") +
                                                "(\\s|\\\\)")));
  }
}

// The packages scripts/install-deps.sh selects with these options (--list: one a line, nothing installed).
std::vector<std::string> dependency_list(std::vector<std::string> options) {
  std::vector<std::string> argv{"bash", (fs::path(SPE_SOURCE_DIR) / "scripts" / "install-deps.sh").string()};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--list");
  const auto result = run_command(argv);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::vector<std::string> packages;
  std::istringstream in(result.output);
  for (std::string line; std::getline(in, line);) packages.push_back(line);
  return packages;
}

// The Debian packages that provide what a find_package or pkg_check_modules of the top-level CMakeLists.txt
// finds: {name found, package}. A name missing here fails the test below, so a new dependency gets a package in
// scripts/deps/build.txt.
const std::map<std::string, std::string> kBuildPackages = {
    {"Threads", "build-essential"},  // libc6-dev
    {"Boost", "libboost-dev"},
    {"Boost program_options", "libboost-program-options-dev"},
    {"tomlplusplus", "libtomlplusplus-dev"},
    {"PkgConfig", "pkg-config"},
    {"libssh", "libssh-dev"},
    {"re2", "libre2-dev"},
    {"OpenSSL", "libssl-dev"},
    {"ZLIB", "zlib1g-dev"},
    {"libcrypt", "libcrypt-dev"},
};

// What the exporter's build looks for: find_package NAME (and NAME COMPONENT for each component) and the modules
// of pkg_check_modules, from the top-level CMakeLists.txt (tests/ has its own: Catch2, the fuzz build).
std::set<std::string> cmake_dependencies() {
  const std::string cmake = read_file(fs::path(SPE_SOURCE_DIR) / "CMakeLists.txt");
  REQUIRE(!cmake.empty());
  std::set<std::string> names;
  static const std::regex call(R"((find_package|pkg_check_modules)\(([^)]*)\))");
  for (std::sregex_iterator it(cmake.begin(), cmake.end(), call), end; it != end; ++it) {
    std::istringstream args((*it)[2].str());
    std::vector<std::string> words;
    for (std::string word; args >> word;) words.push_back(word);
    REQUIRE(!words.empty());
    if ((*it)[1] == "find_package") {
      names.insert(words[0]);
      const auto components = std::find(words.begin(), words.end(), "COMPONENTS");
      for (auto c = components == words.end() ? components : components + 1; c != words.end(); ++c)
        names.insert(words[0] + " " + *c);
    } else {
      // pkg_check_modules(PREFIX [REQUIRED|QUIET|IMPORTED_TARGET|GLOBAL...] MODULE[>=VERSION]...)
      for (std::size_t i = 1; i < words.size(); ++i) {
        const std::string& word = words[i];
        if (std::all_of(word.begin(), word.end(),
                        [](char c) { return std::isupper(static_cast<unsigned char>(c)) || c == '_'; }))
          continue;
        names.insert(word.substr(0, word.find_first_of("<>=")));
      }
    }
  }
  return names;
}

TEST_CASE("the build list holds a package for every dependency the CMake build finds, and no test package",
          "[promtool]") {
  const auto build = dependency_list({"--build"});
  const std::set<std::string> build_set(build.begin(), build.end());
  const auto names = cmake_dependencies();
  REQUIRE(names.size() >= 10);
  for (const auto& name : names) {
    INFO("the top-level CMakeLists.txt finds " << name);
    const auto package = kBuildPackages.find(name);
    REQUIRE(package != kBuildPackages.end());
    CHECK(build_set.contains(package->second));
  }
  for (const std::string tool : {"g++", "cmake", "ninja-build"}) CHECK(build_set.contains(tool));

  // One place each: the test list (what no option adds to --build --demo) shares nothing with the build list.
  const auto everything = dependency_list({});
  const auto demo = dependency_list({"--demo"});
  std::set<std::string> test_only(everything.begin(), everything.end());
  for (const auto& package : build) test_only.erase(package);
  for (const auto& package : demo) test_only.erase(package);
  CHECK(test_only.size() + build_set.size() + demo.size() == everything.size());
  for (const std::string package : {"catch2", "prometheus", "clang", "systemd", "python3-paramiko", "dropbear-bin"})
    CHECK(test_only.contains(package));
}

TEST_CASE("the quick start installs the build and demo lists only, and builds only the exporter", "[promtool]") {
  // A copy of the scripts it runs, so that no build/ there changes what it prints.
  TempDir dir("spe-quickstart");
  const auto source = fs::path(SPE_SOURCE_DIR) / "scripts";
  fs::create_directories(dir.path() / "scripts" / "deps");
  for (const std::string file :
       {"quickstart.sh", "install-deps.sh", "deps/build.txt", "deps/demo.txt", "deps/test.txt"})
    fs::copy_file(source / file, dir.path() / "scripts" / file);
  const auto result = run_command({"bash", (dir.path() / "scripts" / "quickstart.sh").string(), "--dry-run"});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto packages_at = result.output.find("packages (installed if missing):\n");
  const auto commands_at = result.output.find("commands:\n");
  REQUIRE(packages_at != std::string::npos);
  REQUIRE(commands_at != std::string::npos);

  std::set<std::string> listed;
  std::istringstream in(result.output.substr(packages_at, commands_at - packages_at));
  std::string line;
  std::getline(in, line);
  for (std::string package; in >> package;) listed.insert(package);
  auto expected = dependency_list({"--build"});
  const auto demo = dependency_list({"--demo"});
  expected.insert(expected.end(), demo.begin(), demo.end());
  CHECK(listed == std::set<std::string>(expected.begin(), expected.end()));
  CHECK(listed.contains("openssh-server"));  // scripts/demo-sshd.sh runs /usr/sbin/sshd
  for (const std::string package : {"catch2", "prometheus", "clang", "systemd", "python3-paramiko"})
    CHECK(!listed.contains(package));

  const std::string commands = result.output.substr(commands_at);
  CHECK(commands.find("  bash scripts/install-deps.sh --build --demo\n") != std::string::npos);
  CHECK(commands.find(" -DSPE_BUILD_TESTS=OFF") != std::string::npos);
  CHECK(commands.find("  ninja -C build ssh_probe_exporter\n") != std::string::npos);
  CHECK(commands.find("scripts/build.sh") == std::string::npos);
  CHECK(commands.find("  build/ssh_probe_exporter --config.file exporter.toml\n") != std::string::npos);
}

TEST_CASE("every Kubernetes manifest has apiVersion, kind and metadata, and every kind is there", "[promtool]") {
  const auto manifests = files_in(kExamples / "kubernetes", {".yaml", ".yml"});
  REQUIRE(manifests.size() >= 5);
  {
    std::set<std::string> kinds;
    for (const auto& file : manifests) {
      std::istringstream in(read_file(file) + "\n---\n");
      std::set<std::string> keys;
      for (std::string line; std::getline(in, line);) {
        if (line == "---") {
          if (keys.empty()) continue;
          INFO(file);
          CHECK(keys.contains("apiVersion"));
          CHECK(keys.contains("metadata"));
          CHECK(keys.contains("kind"));
          keys.clear();
        } else if (!line.empty() && line[0] != ' ' && line[0] != '#' && line.find(':') != std::string::npos) {
          keys.insert(line.substr(0, line.find(':')));
          if (line.starts_with("kind: ")) kinds.insert(line.substr(6));
        }
      }
    }
    for (const std::string kind : {"Deployment", "Service", "Secret", "ConfigMap", "Probe"})
      CHECK(kinds.contains(kind));
  }
}

// What only the package installs (absolute /etc and /lib destinations among it) is a component of its own: a
// plain `cmake --install --prefix DIR` installs the binary under DIR and nothing else, never a live /etc file.
TEST_CASE("cmake --install with a prefix installs the binary alone, under that prefix", "[deb]") {
  TempDir dir("spe-install");
  const auto installed = run_command(
      {"cmake", "--install", std::string(SPE_BUILD_DIR), "--prefix", dir.path().string()});
  INFO(installed.output);
  REQUIRE(installed.exit_code == 0);
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    if (!entry.is_directory()) files.push_back(fs::relative(entry.path(), dir.path()).string());
  }
  CHECK(files == std::vector<std::string>{"bin/ssh_probe_exporter"});
  CHECK(installed.output.find("/etc/") == std::string::npos);
}

// The Debian package (cmake/packaging.cmake), as CPack makes it from this build tree. Needs cpack, dpkg-deb,
// lintian, help2man and systemd-analyze: ctest's "package_deb" test runs it, and reports it as skipped where one
// is missing (tests/run_if.sh).
TEST_CASE("the Debian package passes lintian, and its binary, config and unit work from a temporary root", "[deb]") {
  TempDir dir("spe-deb");
  {
    // -B: the package and CPack's staging tree in the temporary directory, not in the build tree.
    const auto packed = run_command(
        {"cpack", "--config", std::string(SPE_BUILD_DIR) + "/CPackConfig.cmake", "-B", dir.path().string()});
    INFO(packed.output);
    REQUIRE(packed.exit_code == 0);
  }
  const auto debs = files_in(dir.path(), {".deb"});
  REQUIRE(debs.size() == 1);
  const std::string deb = debs[0].string();
  {
    const auto lintian = run_command({"lintian", "--fail-on", "error,warning", deb});
    INFO(lintian.output);
    CHECK(lintian.exit_code == 0);
  }
  const auto conffiles = run_command({"dpkg-deb", "-I", deb, "conffiles"});
  CHECK(conffiles.output == "/etc/ssh_probe_exporter/exporter.toml\n");
  const auto field = run_command({"dpkg-deb", "-f", deb, "Version"});
  REQUIRE(field.exit_code == 0);
  const std::string version = field.output.substr(0, field.output.find('\n'));
  REQUIRE(!version.empty());

  const auto root = dir.path() / "root";
  REQUIRE(run_command({"dpkg-deb", "-x", deb, root.string()}).exit_code == 0);
  const std::string binary = (root / "usr/bin/ssh_probe_exporter").string();
  for (const char* file :
       {"lib/systemd/system/ssh_probe_exporter.service", "usr/share/man/man1/ssh_probe_exporter.1.gz",
        "usr/share/doc/ssh-probe-exporter/copyright", "usr/share/doc/ssh-probe-exporter/README.md",
        "usr/share/doc/ssh-probe-exporter/docs/configuration.md",
        "usr/share/doc/ssh-probe-exporter/docs/images/landing_page.png",
        "usr/share/ssh_probe_exporter/modules/login.toml"}) {
    INFO(file);
    CHECK(fs::is_regular_file(root / file));
  }

  // One version everywhere: the package's, --version's, the man page's (and build_info's, below).
  {
    const auto shown = run_command({binary, "--version"});
    INFO(shown.output);
    CHECK(shown.exit_code == 0);
    CHECK(shown.output.starts_with("ssh_probe_exporter version " + version + " (revision "));
    const auto man = run_command({"gzip", "-dc", (root / "usr/share/man/man1/ssh_probe_exporter.1.gz").string()});
    CHECK(contains(man.output, "\n.TH SSH_PROBE_EXPORTER \"1\" \""));
    CHECK(contains(man.output, "\"ssh_probe_exporter " + version + "\""));
    CHECK(contains(man.output, "Check the configuration file and exit"));  // from --help
  }

  // The conffile as shipped defines no module (it has no key to name yet): --config.check says so, with the
  // place. Its commented example module, uncommented and pointed at test keys, passes.
  const auto config = root / "etc/ssh_probe_exporter/exporter.toml";
  {
    const auto check = run_command({binary, "--config.file", config.string(), "--config.check"});
    INFO(check.output);
    CHECK(check.exit_code == 1);
    CHECK(contains(check.output, "modules: none defined: a config needs at least one [modules.NAME] table at " +
                                     config.string() + ":1:1"));
  }
  {
    std::string uncommented;
    std::istringstream lines(read_file(config));
    bool in_module = false;
    for (std::string line; std::getline(lines, line);) {
      if (line == "# [modules.default]") in_module = true;
      if (in_module && line == "#") in_module = false;
      uncommented += (in_module && line.starts_with("# ") ? line.substr(2) : line) + "\n";
    }
    REQUIRE(contains(uncommented, "\n[modules.default]\n"));
    fs::copy_file(kTestKeys / "id_ed25519", dir.path() / "id_ed25519");
    fs::copy_file(kTestKeys / "known_hosts", root / "etc/ssh_probe_exporter/known_hosts");
    write_file(config,
               replace_all(uncommented, "/run/credentials/ssh_probe_exporter.service/", dir.path().string() + "/"));
    const auto check = run_command({binary, "--config.file", config.string(), "--config.check"});
    INFO(check.output);
    CHECK(check.exit_code == 0);
  }

  // The unit, its ExecStart pointed at the extracted binary.
  {
    const auto unit = dir.path() / "ssh_probe_exporter.service";
    write_file(unit, replace_all(read_file(root / "lib/systemd/system/ssh_probe_exporter.service"),
                                 "/usr/bin/ssh_probe_exporter", binary));
    CHECK(contains(read_file(unit), "\nDynamicUser=yes\n"));
    CHECK(contains(read_file(unit), "\nLoadCredential=id_ed25519:/etc/ssh_probe_exporter/keys/id_ed25519\n"));
    const auto result = run_command({"systemd-analyze", "verify", unit.string()});
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK(result.output.empty());
  }

  // The packaged binary probes the test sshd.
  auto& sshd = TestSshd::shared();
  const auto probe_config = dir.path() / "probe.toml";
  write_file(probe_config, key_module(sshd, "login"));
  ExporterProcess exporter(probe_config.string(), {}, std::nullopt, "", binary);
  const auto probe = http_get(exporter.port(), "/probe?module=login&target=" + sshd.target());
  INFO(probe.error << probe.body << exporter.log());
  CHECK(probe.status == 200);
  CHECK(contains(probe.body, "\nprobe_success 1\n"));
  const auto metrics = http_get(exporter.port(), "/metrics");
  CHECK(contains(metrics.body, "ssh_probe_exporter_build_info{version=\"" + version + "\""));
}

// Needs python3 with PyYAML: ctest's "examples_pyyaml" test runs it, and reports it as skipped where it is missing
// (tests/run_if.sh).
TEST_CASE("the Kubernetes manifests parse and fit together", "[pyyaml]") {
  const auto manifests = files_in(kExamples / "kubernetes", {".yaml", ".yml"});
  REQUIRE(manifests.size() >= 5);

  // Every document, as JSON, from PyYAML.
  std::vector<std::string> argv{
      system_python3(), "-c",
      "import json, sys, yaml\n"
      "docs = []\n"
      "for path in sys.argv[1:]:\n"
      "    with open(path) as f:\n"
      "        docs += [{'file': path, 'doc': d} for d in yaml.safe_load_all(f) if d is not None]\n"
      "print(json.dumps({'docs': docs}))\n"};
  for (const auto& file : manifests) argv.push_back(file.string());
  const auto converted = run_command(argv, "", std::chrono::seconds{30});
  INFO(converted.output);
  REQUIRE(converted.exit_code == 0);
  const auto docs = parse_json(converted.output).get_child("docs");

  std::map<std::string, std::vector<pt::ptree>> by_kind;
  for (const auto& [unused, entry] : docs) {
    const auto& doc = entry.get_child("doc");
    INFO(entry.get<std::string>("file"));
    CHECK(!doc.get<std::string>("apiVersion", "").empty());
    CHECK(!doc.get<std::string>("metadata.name", "").empty());
    CHECK(!doc.get<std::string>("metadata.namespace", "").empty());
    by_kind[doc.get<std::string>("kind", "")].push_back(doc);
  }
  for (const std::string kind : {"Deployment", "Service", "Secret", "ConfigMap", "Probe"}) {
    INFO(kind);
    REQUIRE(by_kind[kind].size() >= 1);
  }
  const auto& deployment = by_kind["Deployment"][0];
  const auto& service = by_kind["Service"][0];
  const std::string ns = deployment.get<std::string>("metadata.namespace");

  // The Service selects the Deployment's pods, and exposes the container's port.
  for (const auto& [label, value] : service.get_child("spec.selector")) {
    INFO("selector " << label);
    CHECK(
        deployment.get_child("spec.template.metadata.labels").get<std::string>(pt::ptree::path_type(label, '|'), "") ==
        value.data());
  }
  REQUIRE(!service.get_child("spec.ports").empty());
  const std::string service_port = service.get_child("spec.ports").begin()->second.get<std::string>("port", "");
  CHECK(!service_port.empty());

  // The pod mounts the ConfigMap and the Secret that exist, and --config.file is the ConfigMap's file.
  const auto& container = deployment.get_child("spec.template.spec.containers").begin()->second;
  std::map<std::string, std::string> mounts;  // volume name -> mount path
  for (const auto& [unused, mount] : container.get_child("volumeMounts")) {
    mounts[mount.get<std::string>("name")] = mount.get<std::string>("mountPath");
  }
  std::string config_dir;
  std::string keys_dir;
  for (const auto& [unused, volume] : deployment.get_child("spec.template.spec.volumes")) {
    const std::string name = volume.get<std::string>("name");
    if (const auto map = volume.get_optional<std::string>("configMap.name")) {
      CHECK(*map == by_kind["ConfigMap"][0].get<std::string>("metadata.name"));
      config_dir = mounts[name];
    }
    if (const auto secret = volume.get_optional<std::string>("secret.secretName")) {
      CHECK(*secret == by_kind["Secret"][0].get<std::string>("metadata.name"));
      keys_dir = mounts[name];
    }
  }
  REQUIRE(!config_dir.empty());
  REQUIRE(!keys_dir.empty());
  bool config_flag = false;
  for (const auto& [unused, arg] : container.get_child("args")) {
    if (arg.data() == "--config.file=" + config_dir + "/exporter.toml") config_flag = true;
  }
  CHECK(config_flag);
  CHECK(container.get<std::string>("securityContext.readOnlyRootFilesystem", "") == "true");
  CHECK(deployment.get<std::string>("spec.template.spec.securityContext.runAsNonRoot", "") == "true");

  // Every Probe sends /probe requests to the Service, with a module and static targets.
  for (const auto& probe : by_kind["Probe"]) {
    INFO("Probe " << probe.get<std::string>("metadata.name"));
    CHECK(probe.get<std::string>("apiVersion") == "monitoring.coreos.com/v1");
    CHECK(probe.get<std::string>("spec.prober.url", "") ==
          service.get<std::string>("metadata.name") + "." + ns + ".svc:" + service_port);
    CHECK(probe.get<std::string>("spec.prober.path", "") == "/probe");
    CHECK(!probe.get<std::string>("spec.module", "").empty());
    CHECK(!probe.get_child("spec.targets.staticConfig.static", pt::ptree{}).empty());
  }

  // The ConfigMap's exporter.toml is a valid config with the Secret's files in place.
  const auto toml = by_kind["ConfigMap"][0].get_optional<std::string>(pt::ptree::path_type("data/exporter.toml", '/'));
  REQUIRE(toml.has_value());
  const auto check = config_check_with_test_keys(*toml, keys_dir + "/");
  INFO(*toml << "\n" << check.output);
  CHECK(check.exit_code == 0);
}
