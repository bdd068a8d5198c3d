// A server that sends its banner and KEXINIT, then never answers the key exchange: the probe must end in a
// timeout at its deadline, having got past the banner into the key exchange.
#include <catch2/catch.hpp>

#include <chrono>

#include "support/adversarial.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;

TEST_CASE("a server stuck in key exchange ends the probe in a timeout at the deadline", "[adversarial]") {
  constexpr auto kTimeout = std::chrono::seconds(2);
  // CI machines are shared: the answer may come this long after the deadline.
  constexpr auto kSlack = std::chrono::milliseconds(500);
  // The client's version line is ~25 bytes; its KEXINIT, sent only once the server's banner has been
  // read, is several hundred more.
  constexpr std::size_t kMoreThanABanner = 256;

  AdversarialServer server(Misbehaviour::stuck_in_kex);
  TempDir dir{"spe-stuck-kex"};
  const auto config = dir.path() / "exporter.toml";
  write_file(config,
             "[modules.default]\n"
             "user = \"probe\"\n"
             "password = \"never-sent-before-key-exchange\"\n"
             "insecure_ignore_host_key = true\n"
             "timeout = \"2s\"\n");
  ExporterProcess exporter(config.string());

  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http_get(exporter.port(), "/probe?target=127.0.0.1:" + std::to_string(server.port()));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(response.error << "\n" << response.body);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(failure_reason_of(response.body) == "timeout");
  CHECK(metric_value(response.body, "probe_ssh_duration_seconds", {{"phase", "handshake"}}).value_or(0) > 1.5);
  CHECK(count_series(response.body, "probe_ssh_host_key_info") == 0);
  // The banner came before the stall, so the probe still says who the server claimed to be.
  CHECK(label_value(response.body, "probe_ssh_server_info", "banner") == "SSH-2.0-OpenSSH_9.2p1");
  CHECK(elapsed >= kTimeout);
  CHECK(elapsed <= kTimeout + kSlack);
  CHECK(server.connections() == 1);
  CHECK(server.bytes_received() > kMoreThanABanner);
}
