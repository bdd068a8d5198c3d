// A bastion that dies while a probe goes through it: the probe must not wait for its deadline.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>

#include "support/eventually.hpp"
#include "support/jump_bed.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

TEST_CASE("a bastion killed mid-probe: the probe answers at once with the reason of its phase", "[fault][jump]") {
  auto& target = TestSshd::shared();
  const auto bastion = TestSshd::start_separate(kForwarding);
  TempDir dir{"spe-fault-bastion"};
  write_file(
      dir.path() / "exporter.toml",
      jump_host_table(*bastion, "bastion") +
          jump_module(target, "slow", {"bastion"},
                      "timeout = \"30s\"\n[[modules.slow.commands]]\nname = \"sleep\"\ncommand = \"sleep 5\"\n"));
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const std::size_t baseline = exporter.open_fds();
  const auto offset = target.log_size();

  auto answer = std::async(std::launch::async, [&] {
    return http_get(exporter.port(), "/probe?module=slow&target=" + target.target(), {}, 40s);
  });
  // The probe is through the bastion and runs its command at the target.
  REQUIRE(eventually([&] { return target.log_since(offset).find("Starting session: command") != std::string::npos; },
                     10s));
  bastion->kill_all();
  const auto killed = std::chrono::steady_clock::now();
  REQUIRE(answer.wait_for(10s) == std::future_status::ready);
  const auto answered_after = std::chrono::steady_clock::now() - killed;
  const HttpResponse response = answer.get();
  INFO("answered " << std::chrono::duration_cast<std::chrono::milliseconds>(answered_after).count()
                   << " ms after the kill: " << response.error << "\n"
                   << response.body);
  // Well before the command's end (5 s) and the deadline (30 s).
  CHECK(answered_after < 2s);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  // It was in the commands phase, as a direct probe whose sshd is killed (fault_test.cpp).
  CHECK(failure_reason_of(response.body) == "command_exit");
  CHECK(metric_value(response.body, "probe_ssh_command_success", {{"command", "sleep"}}) == 0);
  CHECK(metric_value(response.body, "probe_ssh_hop_success", {{"hop", "bastion"}}) == 1);
  CHECK(exporter.running());
  CHECK(eventually([&] { return exporter.open_fds() <= baseline; }, 5s));
}
