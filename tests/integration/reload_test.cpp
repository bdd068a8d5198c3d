// Reloads under load: a reload reads files, decrypts keys and parses known_hosts, which must never hold
// up the event loops that serve probes and health checks. The real exporter and the real test sshd.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "integration/probe_bed.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kKnownHostsLines = 20'000;
constexpr std::size_t kRounds = 3;
constexpr std::size_t kPostsPerRound = 100;
constexpr std::size_t kSignalsPerRound = 10;
constexpr std::size_t kProbesPerRound = 16;
// A noisy two-core machine answers /-/healthy in a few ms; a loop blocked by a reload takes seconds.
constexpr auto kHealthyBound = 500ms;
// The module's timeout is 5 s: a probe answered much later waited for a loop before it started.
constexpr auto kProbeBound = 10s;

// A known_hosts of `lines` lines: the test sshd's own line in the middle of other hosts' (names only,
// never connected to), so that a load parses every line.
std::string big_known_hosts(const TestSshd& sshd, std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i + 1 < lines; ++i) {
    if (i == lines / 2) text += "[127.0.0.1]:" + std::to_string(sshd.port()) + " " + sshd.host_public_key() + "\n";
    text += "other-host-" + std::to_string(i) + ",[other-host-" + std::to_string(i) + "]:2222 " +
            sshd.host_public_key() + "\n";
  }
  return text;
}

// Asks /-/healthy every 20 ms until stopped; keeps the slowest answer and any that failed.
class HealthWatch {
 public:
  explicit HealthWatch(unsigned short port)
      : thread_([this, port] {
          while (!stop_) {
            const auto start = Clock::now();
            const auto response = http_get(port, "/-/healthy", {}, 10s);
            const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            slowest_ = std::max(slowest_.load(), took);
            if (response.status != 200) ++failed_;
            ++asked_;
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~HealthWatch() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::chrono::milliseconds slowest() const { return slowest_; }
  int failed() const { return failed_; }
  int asked() const { return asked_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::chrono::milliseconds> slowest_{0ms};
  std::atomic<int> failed_{0};
  std::atomic<int> asked_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("reload: rounds of 100 parallel POST /-/reload and SIGHUPs leave concurrent probes and /-/healthy unharmed",
          "[integration][concurrency]") {
  auto& sshd = TestSshd::shared();
  TempDir dir("spe-reload");
  const std::string known_hosts = (dir.path() / "known_hosts").string();
  write_file(known_hosts, big_known_hosts(sshd, kKnownHostsLines));
  const std::string config = (dir.path() / "exporter.toml").string();
  // Every load decrypts a passphrase-protected key and parses the big known_hosts.
  write_file(config, "[modules.key]\nuser = " + toml_string(sshd.user()) +
                         "\nprivate_key = " + toml_string(sshd.encrypted_key_path()) +
                         "\npassphrase = " + toml_string(sshd.passphrase()) +
                         "\nknown_hosts = " + toml_string(known_hosts) + "\ntimeout = \"5s\"\n");
  // The auto-reload's change check reads every file too, the big known_hosts included.
  ExporterProcess exporter(config, {"--log.level", "info", "--config.auto-reload-interval", "100ms"});
  const unsigned short port = exporter.port();
  const std::string probe = "/probe?module=key&target=" + sshd.target();
  REQUIRE(failure_reason_of(http_get(port, probe).body).empty());

  for (std::size_t round = 1; round <= kRounds; ++round) {
    CAPTURE(round);
    const auto log_offset = exporter.log_size();
    HealthWatch health(port);
    std::vector<std::future<HttpResponse>> posts;
    for (std::size_t i = 0; i < kPostsPerRound; ++i) {
      posts.push_back(
          std::async(std::launch::async, [port] { return http_request(port, "POST", "/-/reload", {}, "", 60s); }));
    }
    for (std::size_t i = 0; i < kSignalsPerRound; ++i) exporter.reload();
    const std::vector<std::string> targets(kProbesPerRound, probe);
    const auto probes = http_get_concurrent(port, targets, 30s);
    std::size_t ok_posts = 0;
    std::string post_problem;
    for (auto& post : posts) {
      const auto response = post.get();
      if (response.status == 200 && response.body == "config reloaded (1 modules)\n") {
        ++ok_posts;
      } else {
        post_problem = std::to_string(response.status) + " " + response.error + " " + response.body;
      }
    }
    health.finish();

    INFO("a POST answered: " << post_problem);
    CHECK(ok_posts == kPostsPerRound);
    for (const auto& answer : probes) {
      INFO("probe answered " << answer.response.status << " " << answer.response.error << " after "
                             << answer.elapsed.count() << " ms:\n" << answer.response.body);
      CHECK(answer.response.status == 200);
      CHECK(failure_reason_of(answer.response.body).empty());
      CHECK(answer.elapsed < kProbeBound);
    }
    INFO("/-/healthy asked " << health.asked() << " times, slowest " << health.slowest().count() << " ms");
    CHECK(health.asked() > 0);
    CHECK(health.failed() == 0);
    CHECK(health.slowest() < kHealthyBound);
    // Coalesced: far fewer loads than requests, each logged once.
    const std::string log = exporter.log_since(log_offset);
    std::size_t loads = 0;
    for (auto at = log.find("msg=\"config reloaded\""); at != std::string::npos;
         at = log.find("msg=\"config reloaded\"", at + 1)) {
      ++loads;
    }
    INFO("loads logged: " << loads);
    CHECK(loads >= 1);
    CHECK(loads < kPostsPerRound / 2);
  }
  CHECK(metric_value(http_get(port, "/metrics").body, "ssh_probe_exporter_config_last_reload_successful") == 1);
}
