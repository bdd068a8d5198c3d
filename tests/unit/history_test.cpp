#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "debug/debug_output.hpp"
#include "debug/history.hpp"

using namespace std::chrono_literals;

namespace {

using SystemTime = std::chrono::system_clock::time_point;

// A wall clock the test moves by hand.
struct FakeClock {
  SystemTime now = SystemTime(std::chrono::seconds(1'700'000'000));
  spe::HistoryClock function() {
    return [this] { return now; };
  }
};

spe::ProbeRecord record(const std::string& target, bool success) {
  spe::ProbeRecord r;
  r.module = "m";
  r.target = target;
  r.success = success;
  r.failure_reason = success ? "" : "auth";
  r.duration = 250ms;
  r.debug_text = [target] { return "log of " + target; };
  return r;
}

std::vector<std::string> targets(const std::vector<std::shared_ptr<const spe::HistoryEntry>>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry->target);
  return out;
}

}  // namespace

TEST_CASE("history: entries get increasing ids, start times from the clock, newest listed first",
          "[unit][history]") {
  FakeClock clock;
  spe::History history(3, clock.function());
  CHECK(history.add(record("a", true)) == 1);
  clock.now += 10s;
  CHECK(history.add(record("b", false)) == 2);

  const auto entries = history.list();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]->id == 2);
  CHECK(entries[0]->target == "b");
  CHECK_FALSE(entries[0]->success);
  CHECK(entries[0]->failure_reason == "auth");
  CHECK(entries[0]->module == "m");
  CHECK(entries[0]->duration == 250ms);
  CHECK(entries[0]->debug_text() == "log of b");
  // Start = the time it was added minus its duration.
  CHECK(entries[0]->start == clock.now - 250ms);
  CHECK(entries[1]->start == clock.now - 10s - 250ms);

  const auto found = history.get(1);
  REQUIRE(found != nullptr);
  CHECK(found->target == "a");
  CHECK(history.get(3) == nullptr);
  CHECK(history.get(0) == nullptr);
}

TEST_CASE("history: the last `limit` probes are kept, and failures survive a flood of successes",
          "[unit][history]") {
  FakeClock clock;
  spe::History history(3, clock.function());
  history.add(record("fail1", false));
  history.add(record("fail2", false));
  for (int i = 0; i < 10; ++i) history.add(record("ok" + std::to_string(i), true));
  CHECK(targets(history.list()) == std::vector<std::string>{"ok9", "ok8", "ok7", "fail2", "fail1"});
  CHECK(history.get(1) != nullptr);
  CHECK(history.get(3) == nullptr);  // ok0: pushed out

  // Failures push out older failures once there are more than `limit` of them.
  for (int i = 3; i <= 6; ++i) history.add(record("fail" + std::to_string(i), false));
  CHECK(targets(history.list()) == std::vector<std::string>{"fail6", "fail5", "fail4"});
  CHECK(history.get(1) == nullptr);
}

TEST_CASE("history: a failure in both rings is listed once", "[unit][history]") {
  spe::History history(5);
  history.add(record("ok", true));
  history.add(record("fail", false));
  CHECK(targets(history.list()) == std::vector<std::string>{"fail", "ok"});
}

TEST_CASE("history: limit 0 keeps nothing but still numbers probes", "[unit][history]") {
  spe::History history(0);
  CHECK(history.add(record("a", false)) == 1);
  CHECK(history.add(record("b", true)) == 2);
  CHECK(history.list().empty());
  CHECK(history.get(1) == nullptr);
}

TEST_CASE("history: concurrent adds and reads keep ids unique and rings bounded", "[unit][history][concurrency]") {
  spe::History history(50);
  std::vector<std::thread> threads;
  std::atomic<bool> bad{false};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        history.add(record(std::to_string(t), i % 3 == 0));
        const auto entries = history.list();
        if (entries.size() > 100) bad = true;
        for (std::size_t k = 1; k < entries.size(); ++k) {
          if (entries[k - 1]->id <= entries[k]->id) bad = true;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK_FALSE(bad);
  const auto entries = history.list();
  REQUIRE_FALSE(entries.empty());
  CHECK(entries.front()->id == 2000);
}

TEST_CASE("debug output: log lines as logfmt with elapsed time, then metrics, then the module",
          "[unit][history]") {
  spe::ProbeReport report;
  report.module = "m";
  report.target = "db1:22";
  report.success = false;
  report.failure = spe::FailureReason::host_key;
  report.failure_message = "host key mismatch";
  report.last_phase = spe::Phase::host_key;
  report.duration = 1500ms;
  report.log.push_back({2ms, "debug", {{"msg", "resolved"}, {"addresses", "127.0.0.1"}}});
  report.log.push_back({1234567us, "info", {{"msg", "host key rejected"}, {"fingerprint", "SHA256:x y"}}});
  report.log.push_back({1500ms, "info", {{"msg", "probe failed"}, {"reason", "host_key"}}});
  const std::string text = spe::debug_output(report, "probe_success 0\n", "[modules.m]\nport = 22\n");
  CHECK(text ==
        "Logs for the probe:\n"
        "elapsed_seconds=0.002000 level=debug msg=resolved addresses=127.0.0.1\n"
        "elapsed_seconds=1.234567 level=info msg=\"host key rejected\" fingerprint=\"SHA256:x y\"\n"
        "elapsed_seconds=1.500000 level=info msg=\"probe failed\" reason=host_key\n"
        "\n"
        "Metrics that would have been returned:\n"
        "probe_success 0\n"
        "\n"
        "Module configuration:\n"
        "[modules.m]\n"
        "port = 22\n");
}

TEST_CASE("debug output: an empty log and metrics without a final newline", "[unit][history]") {
  spe::ProbeReport report;
  const std::string text = spe::debug_output(report, "probe_success 1", "");
  CHECK(text == "Logs for the probe:\n\nMetrics that would have been returned:\nprobe_success 1\n\nModule configuration:\n");
}

TEST_CASE("debug output: field values are escaped as logfmt", "[unit][history]") {
  const std::string text = spe::format_probe_log({{0ns, "debug", {{"msg", "banner"}, {"banner", "a\"b\nc"}}},
                                                  {0ns, "warn", {{"other", "x"}}}});
  CHECK(text ==
        "elapsed_seconds=0.000000 level=debug msg=banner banner=\"a\\\"b\\nc\"\n"
        "elapsed_seconds=0.000000 level=warn msg=\"\" other=x\n");
}
