// End to end: a real Prometheus (the Debian package) scrapes the real exporter through the example
// configs of examples/prometheus/, against the test sshd, and the results are read back through
// Prometheus' HTTP API. The Prometheus configs are the example files themselves, with only the
// exporter addresses, the targets and the intervals replaced, so these tests fail when the
// examples' relabel_configs, file_sd jobs, per-module params, hashmod sharding or alert rules do
// not work.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

// Boost 1.74's JSON parser includes the deprecated <boost/bind.hpp>, which prints a notice unless
// the global placeholders are asked for explicitly.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <regex>
#include <cctype>
#include <sstream>
#include <thread>

#include "support/json.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
namespace fs = std::filesystem;
namespace pt = boost::property_tree;

namespace {

constexpr auto kWait = std::chrono::seconds{30};

const fs::path kExamples = fs::path(SPE_SOURCE_DIR) / "examples";

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

// Replaces every occurrence of from; fails the test if there is none (the example changed shape).
// replace_all, asserting that the example holds from at least once.
std::string replace_in_example(const std::string& text, const std::string& from, const std::string& to) {
  INFO("looking for \"" << from << "\" in the example");
  REQUIRE(contains(text, from));
  return replace_all(text, from, to);
}

// Every scrape_interval, scrape_timeout and evaluation_interval of the file set to 1s.
std::string one_second_intervals(const std::string& text) {
  static const std::regex interval(R"(\b(scrape_interval|scrape_timeout|evaluation_interval): *\S+)");
  return std::regex_replace(text, interval, "$1: 1s");
}

// The static targets of job `job`: the list items under its `- targets:` line, replaced by targets.
std::string replace_static_targets(const std::string& text, const std::string& job,
                                   const std::vector<std::string>& targets) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto indent = [](const std::string& line) { return line.find_first_not_of(' '); };

  std::size_t i = 0;
  while (i < lines.size() && lines[i] != "  - job_name: " + job) ++i;
  INFO("job " << job << " in the example");
  REQUIRE(i < lines.size());
  while (i < lines.size() && lines[i].find("- targets:") == std::string::npos) ++i;
  REQUIRE(i < lines.size());
  const std::size_t targets_indent = indent(lines[i]);
  std::size_t end = i + 1;
  while (end < lines.size() && indent(lines[end]) != std::string::npos && indent(lines[end]) > targets_indent &&
         lines[end].substr(indent(lines[end])).starts_with("- ")) {
    ++end;
  }
  REQUIRE(end > i + 1);
  std::vector<std::string> items;
  for (const auto& target : targets) items.push_back(std::string(targets_indent + 4, ' ') + "- \"" + target + "\"");
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i + 1), lines.begin() + static_cast<std::ptrdiff_t>(end));
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i + 1), items.begin(), items.end());

  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{250});
  }
}

struct Series {
  std::map<std::string, std::string> labels;
  double value = 0;
};

// A Prometheus server on a free loopback port with its TSDB in a temporary directory; stopped by the
// destructor. Start it from the main thread (spawn_process binds the child to the starting thread).
class PrometheusProcess {
 public:
  explicit PrometheusProcess(const fs::path& config) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_loopback_port();
      const std::string log_file = log_path().string();
      const int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) throw std::runtime_error("cannot create " + log_file);
      try {
        pid_ = spawn_process({"prometheus", "--config.file=" + config.string(),
                              "--storage.tsdb.path=" + (dir_.path() / "data").string(),
                              "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
                             SpawnOptions{-1, fd, fd});
      } catch (...) {
        ::close(fd);
        throw;
      }
      ::close(fd);
      const bool ready = wait_until([&] {
        if (wait_for_exit(pid_, std::chrono::milliseconds{0})) {
          pid_ = -1;
          return true;
        }
        return http_get(port_, "/-/ready", {}, std::chrono::seconds{2}).status == 200;
      });
      if (ready && pid_ > 0) return;
      if (pid_ > 0) stop();
      if (log().find("address already in use") == std::string::npos) break;  // not a port race: give up
    }
    throw std::runtime_error("prometheus did not become ready:\n" + log());
  }
  ~PrometheusProcess() { stop(); }
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  unsigned short port() const { return port_; }
  std::string log() const { return read_file(log_path()); }

  // GET path of the HTTP API; the parsed body when Prometheus answers {"status":"success"}.
  std::optional<pt::ptree> api(const std::string& path) const {
    const auto response = http_get(port_, path, {}, std::chrono::seconds{10});
    if (response.status != 200) return std::nullopt;
    try {
      auto body = parse_json(response.body);
      if (body.get<std::string>("status", "") != "success") return std::nullopt;
      return body;
    } catch (const pt::ptree_error&) {
      return std::nullopt;
    }
  }

  // One line per active target: its labels' instance and job, health, last error and scrape URL.
  std::string targets_summary() const {
    const auto body = api("/api/v1/targets?state=active");
    if (!body) return "(no answer from /api/v1/targets)\n";
    std::string out;
    for (const auto& [unused, target] : body->get_child("data.activeTargets")) {
      out += target.get<std::string>("labels.job", "?") + " " + target.get<std::string>("labels.instance", "?") + " " +
             target.get<std::string>("health", "?") + " " + target.get<std::string>("scrapeUrl", "?") + " " +
             target.get<std::string>("lastError", "") + "\n";
    }
    return out;
  }

  // The raw JSON body of an instant query (for the record), and its samples.
  std::string query_text(const std::string& promql) const {
    return http_get(port_, "/api/v1/query?query=" + url_encode(promql), {}, std::chrono::seconds{10}).body;
  }
  std::vector<Series> query(const std::string& promql) const {
    std::vector<Series> out;
    const auto body = api("/api/v1/query?query=" + url_encode(promql));
    if (!body) return out;
    for (const auto& [unused, item] : body->get_child("data.result")) {
      Series series;
      for (const auto& [name, value] : item.get_child("metric")) series.labels[name] = value.data();
      const auto& pair = item.get_child("value");
      if (pair.size() != 2) continue;
      series.value = std::stod(std::next(pair.begin())->second.data());
      out.push_back(std::move(series));
    }
    return out;
  }

 private:
  fs::path log_path() const { return dir_.path() / "prometheus.log"; }
  void stop() {
    if (pid_ > 0) stop_process(pid_, std::chrono::seconds{10});
    pid_ = -1;
  }

  TempDir dir_{"spe-prometheus"};
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

std::string exporter_module(const std::string& name, const std::vector<std::pair<std::string, std::string>>& keys) {
  std::string text = "[modules." + name + "]\n";
  for (const auto& [key, value] : keys) text += key + " = " + value + "\n";
  return text + "\n";
}

// The sample whose labels include all of `labels`, if any.
std::optional<Series> find_series(const std::vector<Series>& all, const std::map<std::string, std::string>& labels) {
  for (const auto& series : all) {
    bool match = true;
    for (const auto& [name, value] : labels) {
      const auto it = series.labels.find(name);
      if (it == series.labels.end() || it->second != value) match = false;
    }
    if (match) return series;
  }
  return std::nullopt;
}

std::string describe(const std::vector<Series>& all) {
  std::string out;
  for (const auto& series : all) {
    out += "{";
    for (const auto& [name, value] : series.labels) out += name + "=\"" + value + "\",";
    out += "} " + std::to_string(series.value) + "\n";
  }
  return out.empty() ? "(no series)\n" : out;
}

// The dashboard's queries with Grafana's variables filled in as "All" would.
std::vector<std::string> dashboard_queries() {
  std::vector<std::string> out;
  const auto dashboard = parse_json(read_file(kExamples / "grafana" / "ssh_probe_exporter.json"));
  for (const auto& [unused, panel] : dashboard.get_child("panels")) {
    const auto targets = panel.get_child_optional("targets");
    if (!targets) continue;
    for (const auto& [unused2, target] : *targets) {
      std::string expr = target.get<std::string>("expr", "");
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"$__rate_interval", "1m"}, {"$exporter_job", ".+"}, {"$instance", ".+"}, {"$job", ".+"}}) {
        for (auto at = expr.find(from); at != std::string::npos; at = expr.find(from))
          expr.replace(at, from.size(), to);
      }
      if (!expr.empty()) out.push_back(expr);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Prometheus scrapes the exporter through the example relabel config and reads probes back", "[e2e]") {
  auto& sshd = TestSshd::shared();
  TempDir dir("spe-e2e");

  // The exporter: `default` (the static job), `login` and `disk` (the file_sd jobs) log in to the test sshd;
  // `changed_host` holds a known_hosts with another key for it.
  const std::string user = toml_string(sshd.user());
  const std::string key = toml_string(sshd.key_path());
  const std::string known = toml_string(sshd.known_hosts_path());
  std::string exporter_config;
  for (const std::string name : {"default", "login", "disk"}) {
    exporter_config +=
        exporter_module(name, {{"user", user}, {"private_key", key}, {"known_hosts", known}, {"timeout", "\"5s\""}});
  }
  exporter_config += exporter_module("changed_host", {{"user", user},
                                                      {"private_key", key},
                                                      {"known_hosts", toml_string(sshd.wrong_known_hosts_path())}});
  write_file(dir.path() / "exporter.toml", exporter_config);
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const std::string exporter_address = "127.0.0.1:" + std::to_string(exporter.port());

  // Prometheus: examples/prometheus/prometheus.yml and the rules file it loads, laid out as in examples/.
  std::string config = read_file(kExamples / "prometheus" / "prometheus.yml");
  REQUIRE(!config.empty());
  config = replace_in_example(config, "127.0.0.1:10025", exporter_address);
  config = one_second_intervals(config);
  config = replace_static_targets(config, "ssh", {sshd.target()});
  fs::create_directories(dir.path() / "prometheus" / "targets");
  fs::create_directories(dir.path() / "alerts");
  write_file(dir.path() / "prometheus" / "prometheus.yml", config);
  write_file(dir.path() / "prometheus" / "targets" / "login.yml",
             "- targets: [\"" + sshd.target() +
                 "\"]\n  labels: {env: e2e}\n"
                 "- targets: [\"" +
                 sshd.target() + "\"]\n  labels: {env: e2e, __param_module: changed_host}\n");
  write_file(dir.path() / "prometheus" / "targets" / "disk.yml",
             "- targets: [\"" + sshd.target() + "\"]\n  labels: {env: e2e}\n");
  const std::string rules = read_file(kExamples / "alerts" / "ssh_probe.rules.yml");
  write_file(dir.path() / "alerts" / "ssh_probe.rules.yml", rules);

  PrometheusProcess prometheus(dir.path() / "prometheus" / "prometheus.yml");
  INFO("prometheus.yml as loaded:\n" << config);

  {  // probe_success and the phase durations, labelled with the target
    // Scrapes every second with a 1 s timeout; a probe that missed it (a busy machine) is retried by the next one.
    std::vector<Series> success;
    const bool up = wait_until([&] {
      success = prometheus.query("probe_success");
      const auto ssh = find_series(success, {{"job", "ssh"}, {"instance", sshd.target()}});
      return ssh && ssh->value == 1;
    });
    INFO("probe_success:\n"
         << describe(success) << "prometheus log:\n"
         << prometheus.log() << "exporter log:\n"
         << exporter.log());
    REQUIRE(up);
    std::cout << "e2e: GET /api/v1/query?query=probe_success{job=\"ssh\"} -> "
              << prometheus.query_text("probe_success{job=\"ssh\"}") << "\n";

    // The relabelled instance is the SSH target, never the exporter's address.
    for (const auto& series : success) CHECK(series.labels.at("instance") == sshd.target());

    std::vector<Series> auth;
    REQUIRE(wait_until([&] {
      auth = prometheus.query(
          "probe_ssh_duration_seconds{phase=\"auth\",job=\"ssh\"} and on (job, instance) "
          "probe_success == 1");
      return !auth.empty();
    }));
    INFO("auth phase:\n" << describe(auth));
    REQUIRE(auth.size() == 1);
    CHECK(auth[0].labels.at("instance") == sshd.target());
    CHECK(auth[0].value > 0);
    std::cout << "e2e: GET /api/v1/query?query=probe_ssh_duration_seconds{phase=\"auth\"} -> "
              << prometheus.query_text("probe_ssh_duration_seconds{phase=\"auth\",job=\"ssh\"}") << "\n";
  }

  {  // the file_sd jobs probe with their module, and the target labels come along
    std::vector<Series> success;
    const bool all_up = wait_until([&] {
      success = prometheus.query("probe_success{env=\"e2e\"}");
      const auto login = find_series(success, {{"job", "ssh_login"}});
      const auto disk = find_series(success, {{"job", "ssh_disk"}});
      return login && login->value == 1 && disk && disk->value == 1;
    });
    INFO("probe_success{env=\"e2e\"}:\n" << describe(success) << "targets:\n" << prometheus.targets_summary());
    REQUIRE(all_up);
    // The module param reached the exporter: its own metrics, scraped by the ssh_probe_exporter job, count the
    // probes of modules login and disk.
    std::vector<Series> probes;
    REQUIRE(wait_until([&] {
      probes = prometheus.query(
          "ssh_probe_exporter_probes_total{job=\"ssh_probe_exporter\",result=\"success\",module=~\"login|disk\"} > 0");
      return probes.size() == 2;
    }));
  }

  {  // a changed host key fires SSHHostKeyChanged, labelled with the module of its file_sd group
    std::vector<Series> failure;
    const bool failed = wait_until([&] {
      failure = prometheus.query("probe_ssh_failure{reason=\"host_key\"} == 1");
      return !failure.empty();
    });
    INFO("host key failures:\n" << describe(failure) << "targets:\n" << prometheus.targets_summary());
    REQUIRE(failed);
    REQUIRE(failure.size() == 1);
    CHECK(failure[0].labels.at("job") == "ssh_login");
    CHECK(failure[0].labels.at("module") == "changed_host");
    CHECK(failure[0].labels.at("instance") == sshd.target());

    std::vector<Series> alerts;
    REQUIRE(wait_until([&] {
      alerts = prometheus.query("ALERTS{alertname=\"SSHHostKeyChanged\",alertstate=\"firing\"}");
      return !alerts.empty();
    }));
    CHECK(alerts[0].labels.at("severity") == "critical");
    CHECK(alerts[0].labels.at("module") == "changed_host");
  }

  {  // every alert rule of examples/alerts loads and evaluates
    std::size_t expected = 0;
    for (auto at = rules.find("- alert: "); at != std::string::npos; at = rules.find("- alert: ", at + 1)) ++expected;
    REQUIRE(expected > 0);
    std::string summary;
    const bool healthy = wait_until([&] {
      const auto body = prometheus.api("/api/v1/rules");
      if (!body) return false;
      std::size_t ok = 0;
      summary.clear();
      for (const auto& [unused, group] : body->get_child("data.groups")) {
        for (const auto& [unused2, rule] : group.get_child("rules")) {
          summary += rule.get<std::string>("name", "?") + ": " + rule.get<std::string>("health", "?") + " " +
                     rule.get<std::string>("lastError", "") + "\n";
          if (rule.get<std::string>("health", "") == "ok") ++ok;
        }
      }
      return ok == expected;
    });
    INFO(summary);
    CHECK(healthy);
  }

  {  // every query of the Grafana dashboard runs, and the main panels have data
    const auto queries = dashboard_queries();
    REQUIRE(queries.size() >= 10);
    // Data for the panels on metrics every probe and every exporter has, once a few scrapes are in.
    REQUIRE(wait_until([&] { return !prometheus.query("rate(ssh_probe_exporter_probes_total[1m])").empty(); }));
    for (const auto& promql : queries) {
      INFO(promql);
      const auto body = prometheus.api("/api/v1/query?query=" + url_encode(promql));
      CHECK(body.has_value());
      const bool core = promql.find("probe_success") != std::string::npos ||
                        promql.find("probe_ssh_duration_seconds") != std::string::npos ||
                        promql.find("ssh_probe_exporter_probes_total") != std::string::npos ||
                        promql.find("process_cpu_seconds_total") != std::string::npos ||
                        promql.find("process_resident_memory_bytes") != std::string::npos ||
                        promql.find("ssh_probe_exporter_probes_in_flight") != std::string::npos;
      if (core && body) CHECK(!body->get_child("data.result").empty());
    }
  }
}

TEST_CASE("two exporter replicas share the targets through the example hashmod config", "[e2e]") {
  auto& sshd = TestSshd::shared();
  TempDir dir("spe-e2e-shards");

  // Targets are bare host names, the module gives the port: "127.0.0.1" and "localhost" hash to shards 0 and 1
  // (md5 of the name mod 2, as Prometheus' hashmod computes it), so each replica gets one of them on every run.
  const std::string config_text =
      exporter_module("default", {{"user", toml_string(sshd.user())},
                                  {"private_key", toml_string(sshd.key_path())},
                                  {"host_key_fingerprints", "[" + toml_string(sshd.host_key_fingerprint()) + "]"},
                                  {"port", std::to_string(sshd.port())},
                                  {"ip_protocol", "\"ip4\""},
                                  {"timeout", "\"5s\""}});
  write_file(dir.path() / "exporter.toml", config_text);
  ExporterProcess replica0((dir.path() / "exporter.toml").string());
  ExporterProcess replica1((dir.path() / "exporter.toml").string());
  const std::string address0 = "127.0.0.1:" + std::to_string(replica0.port());
  const std::string address1 = "127.0.0.1:" + std::to_string(replica1.port());

  std::string config = read_file(kExamples / "prometheus" / "sharded.yml");
  REQUIRE(!config.empty());
  config = replace_in_example(config, "ssh-probe-exporter-0:10025", address0);
  config = replace_in_example(config, "ssh-probe-exporter-1:10025", address1);
  config = one_second_intervals(config);
  fs::create_directories(dir.path() / "prometheus" / "targets");
  write_file(dir.path() / "prometheus" / "sharded.yml", config);
  write_file(dir.path() / "prometheus" / "targets" / "hosts.yml", "- targets: [\"127.0.0.1\", \"localhost\"]\n");

  PrometheusProcess prometheus(dir.path() / "prometheus" / "sharded.yml");
  INFO("sharded.yml as loaded:\n" << config);

  std::vector<Series> success;
  const bool up = wait_until([&] {
    success = prometheus.query("probe_success{job=\"ssh\"} == 1");
    return success.size() == 2;
  });
  INFO("probe_success:\n" << describe(success) << "targets:\n" << prometheus.targets_summary());
  REQUIRE(up);
  CHECK(find_series(success, {{"instance", "127.0.0.1"}}).has_value());
  CHECK(find_series(success, {{"instance", "localhost"}}).has_value());

  // Each target is scraped from its shard's replica, and only from it.
  const auto targets = prometheus.api("/api/v1/targets?state=active");
  REQUIRE(targets.has_value());
  std::map<std::string, std::string> scrape_url;  // instance -> scrapeUrl
  for (const auto& [unused, target] : targets->get_child("data.activeTargets")) {
    if (target.get<std::string>("labels.job", "") != "ssh") continue;
    scrape_url[target.get<std::string>("labels.instance", "")] = target.get<std::string>("scrapeUrl", "");
  }
  INFO("scrape URLs: 127.0.0.1 -> " << scrape_url["127.0.0.1"] << ", localhost -> " << scrape_url["localhost"]);
  REQUIRE(scrape_url.size() == 2);
  CHECK(scrape_url["127.0.0.1"].starts_with("http://" + address0 + "/probe?"));
  CHECK(scrape_url["localhost"].starts_with("http://" + address1 + "/probe?"));

  // Both replicas did probe, and both are scraped for their own metrics with their replica label.
  for (auto* replica : {&replica0, &replica1}) {
    const auto metrics = http_get(replica->port(), "/metrics").body;
    CHECK(metric_value(metrics, "ssh_probe_exporter_probes_total", {{"module", "default"}, {"result", "success"}})
              .value_or(0) > 0);
  }
  std::vector<Series> own;
  CHECK(wait_until([&] {
    own = prometheus.query("up{job=\"ssh_probe_exporter\"} == 1");
    return find_series(own, {{"replica", "0"}}) && find_series(own, {{"replica", "1"}});
  }));
}
