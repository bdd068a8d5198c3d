#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "debug/debug_output.hpp"
#include "debug/history.hpp"
#include "support/sample_reports.hpp"
#include "support/text.hpp"

using namespace std::chrono_literals;
using spe::test::contains;

namespace {

using SystemTime = std::chrono::system_clock::time_point;

// A wall clock the test moves by hand.
struct FakeClock {
  SystemTime now = SystemTime(std::chrono::seconds(1'700'000'000));
  spe::HistoryClock function() {
    return [this] { return now; };
  }
};

std::shared_ptr<const std::string> shared(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

spe::ProbeRecord record(const std::string& target, bool success, std::string metrics = "") {
  spe::ProbeRecord r;
  r.module = "m";
  r.target = target;
  r.success = success;
  r.failure_reason = success ? "" : "auth";
  r.duration = 250ms;
  r.debug.log.push_back({1ms, "info", {{"msg", "probe of " + target}}});
  r.debug.metrics = shared(metrics.empty() ? "probe_success " + std::string(success ? "1" : "0") + "\n" : metrics);
  r.debug.module_toml = shared("[modules.m]\nport = 22\n");
  return r;
}

// `lines` lines of metrics text, "series_0000000 1\n" and so on: 17 bytes each.
std::string metric_lines(std::size_t lines) {
  std::string text;
  for (std::size_t i = 0; i < lines; ++i) {
    const std::string n = std::to_string(i);
    text += "series_" + std::string(7 - n.size(), '0') + n + " 1\n";
  }
  return text;
}

std::size_t bytes_listed(const spe::History& history) {
  std::size_t bytes = 0;
  for (const auto& entry : history.list()) bytes += entry->bytes;
  return bytes;
}

std::vector<std::string> targets(const std::vector<std::shared_ptr<const spe::HistoryEntry>>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) out.push_back(entry->target);
  return out;
}

}  // namespace

TEST_CASE("history: entries get increasing ids, start times from the clock, newest listed first", "[unit][history]") {
  FakeClock clock;
  spe::History history({.entries = 3}, clock.function());
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
  CHECK(spe::debug_output(entries[0]->debug) ==
        "Logs for the probe:\nelapsed_seconds=0.001000 level=info msg=\"probe of b\"\n\n"
        "Metrics that would have been returned:\nprobe_success 0\n\n"
        "Module configuration:\n[modules.m]\nport = 22\n");
  // Start = the time it was added minus its duration.
  CHECK(entries[0]->start == clock.now - 250ms);
  CHECK(entries[1]->start == clock.now - 10s - 250ms);

  const auto found = history.get(1);
  REQUIRE(found != nullptr);
  CHECK(found->target == "a");
  CHECK(history.get(3) == nullptr);
  CHECK(history.get(0) == nullptr);
}

TEST_CASE("history: the last `limit` probes are kept, and failures survive a flood of successes", "[unit][history]") {
  FakeClock clock;
  spe::History history({.entries = 3}, clock.function());
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
  spe::History history({.entries = 5});
  history.add(record("ok", true));
  history.add(record("fail", false));
  CHECK(targets(history.list()) == std::vector<std::string>{"fail", "ok"});
}

TEST_CASE("history: limit 0 keeps nothing but still numbers probes", "[unit][history]") {
  spe::History history({.entries = 0});
  CHECK(history.add(record("a", false)) == 1);
  CHECK(history.add(record("b", true)) == 2);
  CHECK(history.list().empty());
  CHECK(history.get(1) == nullptr);
}

TEST_CASE("history: concurrent adds and reads keep ids unique and rings bounded", "[unit][history][concurrency]") {
  spe::History history({.entries = 50});
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

TEST_CASE("debug output: log lines as logfmt with elapsed time, then metrics, then the module", "[unit][history]") {
  spe::DebugParts parts;
  parts.log.push_back({2ms, "debug", {{"msg", "resolved"}, {"addresses", "127.0.0.1"}}});
  parts.log.push_back({1234567us, "info", {{"msg", "host key rejected"}, {"fingerprint", "SHA256:x y"}}});
  parts.log.push_back({1500ms, "info", {{"msg", "probe failed"}, {"reason", "host_key"}}});
  parts.metrics = shared("probe_success 0\n");
  parts.module_toml = shared("[modules.m]\nport = 22\n");
  const std::string text = spe::debug_output(parts);
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
  spe::DebugParts parts;
  parts.metrics = shared("probe_success 1");
  const std::string text = spe::debug_output(parts);
  CHECK(text ==
        "Logs for the probe:\n\nMetrics that would have been returned:\nprobe_success 1\n\nModule configuration:\n");
}

TEST_CASE("debug output: field values are escaped as logfmt", "[unit][history]") {
  const std::string text = spe::format_probe_log(
      {{0ns, "debug", {{"msg", "banner"}, {"banner", "a\"b\nc"}}}, {0ns, "warn", {{"other", "x"}}}});
  CHECK(text ==
        "elapsed_seconds=0.000000 level=debug msg=banner banner=\"a\\\"b\\nc\"\n"
        "elapsed_seconds=0.000000 level=warn msg=\"\" other=x\n");
}

TEST_CASE("debug parts: the biggest part is cut first, to whole lines, and says how much is missing",
          "[unit][history]") {
  spe::DebugParts parts;
  parts.log.push_back({1ms, "info", {{"msg", "probe succeeded"}}});
  const std::string metrics = metric_lines(10'000);  // 170,000 bytes
  parts.metrics = shared(metrics);
  const auto module = shared("[modules.m]\nport = 22\n");
  parts.module_toml = module;
  const std::size_t before = spe::byte_size(parts);
  REQUIRE(before > metrics.size());

  spe::cap_debug_parts(parts, 10'000);
  CHECK(spe::byte_size(parts) <= 10'000);
  CHECK(parts.module_toml == module);  // not cut: still the shared text, no copy
  CHECK(parts.log.size() == 1);
  CHECK(parts.log_lines_cut == 0);
  REQUIRE(parts.metrics != nullptr);
  const std::string& kept = *parts.metrics;
  CHECK(kept.size() % 17 == 0);  // whole lines only
  CHECK(kept.size() > 9'000);    // nearly all of the budget is used
  CHECK(metrics.starts_with(kept));
  CHECK(parts.metrics_bytes_cut == metrics.size() - kept.size());

  const std::string text = spe::debug_output(parts);
  CHECK(contains(text, kept + "[truncated: " + std::to_string(parts.metrics_bytes_cut) +
                           " bytes more]\n\n"
                           "Module configuration:\n[modules.m]\nport = 22\n"));
}

TEST_CASE("debug parts: a long log loses its last lines, a long module its last lines, each said so",
          "[unit][history]") {
  SECTION("log") {
    spe::DebugParts parts;
    for (int i = 0; i < 1000; ++i) parts.log.push_back({1ms, "debug", {{"msg", "line " + std::to_string(i)}}});
    parts.metrics = shared("probe_success 1\n");
    spe::cap_debug_parts(parts, 20'000);
    CHECK(spe::byte_size(parts) <= 20'000);
    REQUIRE_FALSE(parts.log.empty());
    CHECK(parts.log.size() + parts.log_lines_cut == 1000);
    CHECK(parts.log.front().fields.front().second == "line 0");
    CHECK(*parts.metrics == "probe_success 1\n");
    const std::string text = spe::debug_output(parts);
    CHECK(contains(text, "msg=\"line " + std::to_string(parts.log.size() - 1) + "\"\n[truncated: " +
                             std::to_string(parts.log_lines_cut) + " lines more]\n\nMetrics that would"));
  }
  SECTION("module") {
    spe::DebugParts parts;
    parts.metrics = shared("probe_success 1\n");
    std::string toml = "[modules.m]\n";
    for (int i = 0; i < 1000; ++i) toml += "# comment line " + std::to_string(i) + "\n";
    parts.module_toml = shared(toml);
    spe::cap_debug_parts(parts, 1'000);
    CHECK(spe::byte_size(parts) <= 1'000);
    CHECK(toml.starts_with(*parts.module_toml));
    CHECK(parts.module_toml->ends_with('\n'));
    CHECK(parts.module_bytes_cut == toml.size() - parts.module_toml->size());
    CHECK(spe::debug_output(parts).ends_with("[truncated: " + std::to_string(parts.module_bytes_cut) +
                                             " bytes more]\n"));
  }
  SECTION("a budget smaller than the small parts empties them all") {
    spe::DebugParts parts;
    parts.log.push_back({1ms, "info", {{"msg", "x"}}});
    parts.metrics = shared("a 1\nb 2\n");
    parts.module_toml = shared("[modules.m]\n");
    spe::cap_debug_parts(parts, 0);
    CHECK(spe::byte_size(parts) == 0);
    CHECK(spe::debug_output(parts) ==
          "Logs for the probe:\n[truncated: 1 lines more]\n\nMetrics that would have been returned:\n"
          "[truncated: 8 bytes more]\n\nModule configuration:\n[truncated: 12 bytes more]\n");
  }
}

TEST_CASE("debug output: through jump hosts, each hop's result, phases and key between the log and the metrics",
          "[unit][history]") {
  spe::ProbeReport report = spe::test::jump_hop_failed_report(1, spe::HopPhase::forward, spe::ErrorCode::unavailable);
  report.log = {{1ms, "info", {{"msg", "probe failed"}, {"reason", "forward"}}}};
  const spe::DebugParts parts = spe::take_debug_parts(report, shared("probe_success 0\n"), shared("[modules.m]\n"));
  CHECK(report.log.empty());
  CHECK(report.hops.empty());
  CHECK(report.failed_hop == 1u);  // the rest of the report is left as it was
  CHECK(spe::debug_output(parts) ==
        "Logs for the probe:\n"
        "elapsed_seconds=0.001000 level=info msg=\"probe failed\" reason=forward\n"
        "\n"
        "Jump hosts:\n"
        "hop=bastion result=success connect_seconds=0.001000 handshake_seconds=0.020000 host_key_seconds=0.000250 "
        "auth_seconds=0.030000 forward_seconds=0.004000 host_key_type=ssh-ed25519 "
        "host_key_fingerprint_sha256=SHA256:hop0Key\n"
        "hop=inner result=failure reason=forward connect_seconds=0.010000 handshake_seconds=0.010000 "
        "host_key_seconds=0.010000 auth_seconds=0.010000 forward_seconds=0.010000 host_key_type=ssh-rsa "
        "host_key_fingerprint_sha256=SHA256:changedKey\n"
        "\n"
        "Metrics that would have been returned:\n"
        "probe_success 0\n"
        "\n"
        "Module configuration:\n"
        "[modules.m]\n");
}

TEST_CASE("debug output: a hop the probe never reached says so, and only reached phases are listed",
          "[unit][history]") {
  spe::ProbeReport report = spe::test::jump_hop_failed_report(0, spe::HopPhase::handshake,
                                                              spe::ErrorCode::deadline_exceeded);
  const spe::DebugParts parts = spe::take_debug_parts(report, nullptr, nullptr);
  CHECK(spe::format_hops(parts.hops, parts.failed_hop, parts.failed_hop_reason) ==
        "hop=bastion result=failure reason=timeout connect_seconds=0.010000 handshake_seconds=0.010000\n"
        "hop=inner result=not_reached\n");
}

TEST_CASE("debug output: every hop succeeded when the target failed, and none is named as failed", "[unit][history]") {
  spe::ProbeReport report = spe::test::jump_target_failed_report(spe::Phase::auth, spe::ErrorCode::unauthenticated);
  const spe::DebugParts parts = spe::take_debug_parts(report, nullptr, nullptr);
  CHECK_FALSE(parts.failed_hop.has_value());
  const std::string hops = spe::format_hops(parts.hops, parts.failed_hop, parts.failed_hop_reason);
  CHECK(contains(hops, "hop=bastion result=success "));
  CHECK(contains(hops, "\nhop=inner result=success "));
  CHECK_FALSE(contains(hops, "reason="));
  CHECK_FALSE(contains(hops, "failure"));
}

TEST_CASE("debug output: a direct probe has no jump host section", "[unit][history]") {
  spe::ProbeReport report = spe::test::failed_report(spe::Phase::auth, spe::ErrorCode::unauthenticated);
  const spe::DebugParts parts = spe::take_debug_parts(report, shared("probe_success 0\n"), nullptr);
  CHECK(parts.hops.empty());
  CHECK_FALSE(contains(spe::debug_output(parts), "Jump hosts"));
}

TEST_CASE("debug parts: hops count in the bytes and are cut from the end, said so", "[unit][history]") {
  spe::DebugParts parts;
  for (int i = 0; i < 8; ++i) {
    spe::HopReport hop;
    hop.name = "hop" + std::to_string(i) + std::string(200, 'x');
    parts.hops.push_back(std::move(hop));
  }
  parts.failed_hop = 7;
  parts.failed_hop_reason = spe::FailureReason::auth;
  parts.metrics = shared("probe_success 0\n");
  const std::size_t before = spe::byte_size(parts);
  CHECK(before > 8 * 200);
  spe::cap_debug_parts(parts, before - 300);
  CHECK(spe::byte_size(parts) <= before - 300);
  CHECK(parts.hops_cut >= 1);
  CHECK(parts.hops.size() + parts.hops_cut == 8);
  CHECK(parts.hops.front().name.starts_with("hop0"));
  CHECK_FALSE(parts.failed_hop.has_value());  // the failed hop was cut: nothing names a hop not shown
  CHECK(*parts.metrics == "probe_success 0\n");
  const std::string text = spe::debug_output(parts);
  CHECK(contains(text, "result=not_reached\n[truncated: " + std::to_string(parts.hops_cut) +
                           " hops more]\n\nMetrics that would"));

  spe::cap_debug_parts(parts, 0);
  CHECK(spe::byte_size(parts) == 0);
  CHECK(contains(spe::debug_output(parts), "\nJump hosts:\n[truncated: 8 hops more]\n"));
}

TEST_CASE("history: the row names the jump host the probe failed at, and only that", "[unit][history]") {
  using spe::test::jump_hop_failed_report;
  CHECK(spe::failed_hop_name(jump_hop_failed_report(0, spe::HopPhase::host_key, spe::ErrorCode::permission_denied)) ==
        "bastion");
  CHECK(spe::failed_hop_name(jump_hop_failed_report(1, spe::HopPhase::forward, spe::ErrorCode::unavailable)) ==
        "inner");
  CHECK(spe::failed_hop_name(spe::test::jump_target_failed_report(spe::Phase::auth, spe::ErrorCode::unauthenticated))
            .empty());
  CHECK(spe::failed_hop_name(spe::test::jump_success_report()).empty());
  CHECK(spe::failed_hop_name(spe::test::failed_report(spe::Phase::connect, spe::ErrorCode::unavailable)).empty());
  spe::ProbeReport out_of_range = jump_hop_failed_report(1, spe::HopPhase::auth, spe::ErrorCode::unauthenticated);
  out_of_range.failed_hop = 5;
  CHECK(spe::failed_hop_name(out_of_range).empty());

  spe::History history({.entries = 3});
  spe::ProbeRecord failed = record("t", false);
  failed.failed_hop = "bastion";
  const auto id = history.add(failed);
  REQUIRE(history.get(id) != nullptr);
  CHECK(history.get(id)->failed_hop == "bastion");
  CHECK(history.add(record("u", true)) == id + 1);
  CHECK(history.list().front()->failed_hop.empty());
}

TEST_CASE("history: an entry is cut to max_entry_bytes and counted", "[unit][history]") {
  spe::History history({.entries = 10, .entry_bytes = 64 * 1024, .total_bytes = 1024 * 1024});
  const std::string metrics = metric_lines(100'000);  // 1.7 MB
  const auto id = history.add(record("big", true, metrics));
  const auto entry = history.get(id);
  REQUIRE(entry != nullptr);
  CHECK(entry->bytes <= 64 * 1024);
  CHECK(entry->bytes > 60 * 1024);
  CHECK(entry->bytes == sizeof(spe::HistoryEntry) + entry->module.size() + entry->target.size() +
                            entry->failure_reason.size() + spe::byte_size(entry->debug));
  CHECK(history.bytes() == entry->bytes);
  REQUIRE(entry->debug.metrics != nullptr);
  CHECK(entry->debug.metrics_bytes_cut == metrics.size() - entry->debug.metrics->size());
  const std::string text = spe::debug_output(entry->debug);
  CHECK(contains(text, "msg=\"probe of big\""));
  CHECK(contains(text, "[truncated: " + std::to_string(entry->debug.metrics_bytes_cut) + " bytes more]"));
  CHECK(text.ends_with("Module configuration:\n[modules.m]\nport = 22\n"));
}

TEST_CASE("history: past max_bytes the oldest entries go, successes before failures", "[unit][history]") {
  // Each entry counts about 8.5 KB: five or six fit in 50 KiB.
  spe::History history({.entries = 100, .entry_bytes = 1024 * 1024, .total_bytes = 50 * 1024});
  const std::string metrics = metric_lines(500);
  history.add(record("fail1", false, metrics));
  history.add(record("fail2", false, metrics));
  for (int i = 0; i < 10; ++i) history.add(record("ok" + std::to_string(i), true, metrics));
  const auto listed = targets(history.list());
  INFO(Catch::Detail::stringify(listed));
  CHECK(history.bytes() <= 50 * 1024);
  CHECK(history.bytes() == bytes_listed(history));
  REQUIRE(listed.size() >= 4);
  CHECK(listed.front() == "ok9");
  CHECK(listed[listed.size() - 2] == "fail2");
  CHECK(listed.back() == "fail1");
  CHECK(std::ranges::find(listed, "ok0") == listed.end());
  // The successes kept are the newest, with nothing missing between them.
  for (std::size_t i = 0; i + 2 < listed.size(); ++i) CHECK(listed[i] == "ok" + std::to_string(9 - i));

  // Failures go too, oldest first, once they alone pass the cap.
  for (int i = 3; i <= 12; ++i) history.add(record("fail" + std::to_string(i), false, metrics));
  const auto failures = targets(history.list());
  INFO(Catch::Detail::stringify(failures));
  CHECK(history.bytes() <= 50 * 1024);
  CHECK(history.bytes() == bytes_listed(history));
  REQUIRE_FALSE(failures.empty());
  CHECK(failures.front() == "fail12");
  CHECK(std::ranges::find(failures, "fail1") == failures.end());
  CHECK(std::ranges::find(failures, "ok9") == failures.end());
}

TEST_CASE("history: the entry just added stays even when it alone fills max_bytes", "[unit][history]") {
  spe::History history({.entries = 100, .entry_bytes = 1024 * 1024, .total_bytes = 10 * 1024});
  const std::string metrics = metric_lines(2'000);  // 34 KB: cut to fit the total
  history.add(record("a", false, metrics));
  const auto id = history.add(record("b", true, metrics));
  CHECK(targets(history.list()) == std::vector<std::string>{"b"});
  const auto entry = history.get(id);
  REQUIRE(entry != nullptr);
  CHECK(entry->bytes <= 10 * 1024);
  CHECK(history.bytes() == entry->bytes);
}

TEST_CASE("history: bytes count a failure in both rings once, and leave with the entry", "[unit][history]") {
  spe::History history({.entries = 2});
  for (int i = 0; i < 5; ++i) {
    history.add(record("fail" + std::to_string(i), false));
    history.add(record("ok" + std::to_string(i), true));
    CHECK(history.bytes() == bytes_listed(history));
  }
  CHECK(targets(history.list()) == std::vector<std::string>{"ok4", "fail4", "fail3"});
}

TEST_CASE("history: an entry pushed out holds its text no longer", "[unit][history]") {
  spe::History history({.entries = 1});
  auto record_a = record("a", true);
  const std::weak_ptr<const std::string> metrics = record_a.debug.metrics;
  const std::weak_ptr<const std::string> module = record_a.debug.module_toml;
  history.add(std::move(record_a));
  CHECK_FALSE(metrics.expired());
  history.add(record("b", true));
  CHECK(metrics.expired());
  CHECK(module.expired());
}
