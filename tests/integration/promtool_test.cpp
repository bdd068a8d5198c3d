// Every kind of body the exporter serves must pass `promtool check metrics` (exit 0: no parse
// error, no lint finding).
#include <catch2/catch.hpp>

#include "support/adversarial.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;

namespace {

void require_promtool_clean(const std::string& what, const HttpResponse& response) {
  INFO(what << "\n" << response.body);
  REQUIRE(response.status == 200);
  const CommandResult check = promtool_check_metrics(response.body);
  INFO("promtool: " << check.output);
  CHECK(check.exit_code == 0);
}

}  // namespace

TEST_CASE("probe and metrics bodies pass promtool check metrics", "[promtool]") {
  auto& bed = ProbeBed::shared();
  require_promtool_clean("success", bed.probe("key"));
  require_promtool_clean("certificate", bed.probe("certificate"));
  require_promtool_clean("host key failure", bed.probe("unknown_host"));
  require_promtool_clean("auth failure", bed.probe("key_denied"));
  require_promtool_clean("connect failure", bed.probe("key", "127.0.0.1:" + std::to_string(free_loopback_port())));
  require_promtool_clean("resolve failure", bed.probe("key", "no-such-host.invalid"));
  {
    AdversarialServer garbage(Misbehaviour::garbage);
    require_promtool_clean("handshake failure", bed.probe("insecure", "127.0.0.1:" + std::to_string(garbage.port())));
  }
  require_promtool_clean("/metrics", http_get(bed.exporter().port(), "/metrics"));
}

TEST_CASE("the example Prometheus config passes promtool check config", "[promtool]") {
  const auto result = run_command(
      {"promtool", "check", "config", std::string(SPE_SOURCE_DIR) + "/examples/prometheus/prometheus.yml"});
  INFO(result.output);
  CHECK(result.exit_code == 0);
}
