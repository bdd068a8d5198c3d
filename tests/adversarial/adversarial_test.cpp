// Hostile servers: each misbehaviour must end in the right failure reason, by the deadline.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "support/adversarial.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;

namespace {

constexpr auto kTimeout = std::chrono::seconds(2);
// CI machines are shared: the answer may come this long after the deadline.
constexpr auto kSlack = std::chrono::milliseconds(500);

struct AdversarialBed {
  TempDir dir{"spe-adversarial"};
  std::unique_ptr<ExporterProcess> exporter;

  AdversarialBed() {
    const auto config = dir.path() / "exporter.toml";
    write_file(config,
               "[modules.default]\n"
               "user = \"probe\"\n"
               "password = \"never-sent-to-an-unverified-host\"\n"
               "insecure_ignore_host_key = true\n"
               "timeout = \"2s\"\n"
               "[modules.banner_comment]\n"
               "user = \"probe\"\n"
               "password = \"never-sent-to-an-unverified-host\"\n"
               "insecure_ignore_host_key = true\n"
               "banner_comment = true\n"
               "timeout = \"2s\"\n");
    exporter = std::make_unique<ExporterProcess>(config.string());
  }

  static AdversarialBed& shared() {
    static AdversarialBed bed;
    return bed;
  }
};

}  // namespace

TEST_CASE("every misbehaving server gives its failure reason within the deadline", "[adversarial]") {
  using enum Misbehaviour;
  const auto [misbehaviour, reason] = GENERATE(table<Misbehaviour, std::string>({
      {silent, "timeout"},
      {drip_banner, "timeout"},
      {garbage, "handshake"},
      {banner_then_silent, "timeout"},
      {close_at_once, "handshake"},
      {flood, "handshake"},
  }));
  AdversarialServer server(misbehaviour);
  auto& bed = AdversarialBed::shared();
  const auto start = std::chrono::steady_clock::now();
  const HttpResponse response = http_get(bed.exporter->port(),
                                         "/probe?target=127.0.0.1:" + std::to_string(server.port()));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(to_string(misbehaviour) << ": " << response.error << "\n" << response.body);
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 0);
  CHECK(failure_reason_of(response.body) == reason);
  CHECK(elapsed <= kTimeout + kSlack);
  CHECK(server.connections() >= 1);
  CHECK(metric_value(response.body, "probe_timeout_seconds") == 2);
  if (reason == "timeout") CHECK(elapsed >= kTimeout);
}

TEST_CASE("a banner that arrives before the deadline is reported even when key exchange hangs", "[adversarial]") {
  AdversarialServer server(Misbehaviour::banner_then_silent);
  auto& bed = AdversarialBed::shared();
  const HttpResponse response = http_get(bed.exporter->port(),
                                         "/probe?target=127.0.0.1:" + std::to_string(server.port()));
  INFO(response.body);
  CHECK(failure_reason_of(response.body) == "timeout");
  CHECK(metric_value(response.body, "probe_ssh_duration_seconds", {{"phase", "handshake"}}).value_or(0) > 1.5);
  CHECK(count_series(response.body, "probe_ssh_host_key_info") == 0);
  CHECK(label_value(response.body, "probe_ssh_server_info", "banner") == "SSH-2.0-OpenSSH_9.2p1");
  CHECK(label_value(response.body, "probe_ssh_server_info", "software") == "OpenSSH_9.2p1");
}

TEST_CASE("a banner comment that changes per connection leaves the banner label as it was", "[adversarial]") {
  AdversarialServer server(Misbehaviour::random_comment);
  auto& bed = AdversarialBed::shared();
  const std::string probe = "/probe?target=127.0.0.1:" + std::to_string(server.port());
  std::vector<std::string> banners;
  for (const std::string module : {"default", "default", "banner_comment", "banner_comment"}) {
    const HttpResponse response = http_get(bed.exporter->port(), probe + "&module=" + module);
    INFO(module << "\n" << response.body);
    CHECK(failure_reason_of(response.body) == "handshake");
    CHECK(label_value(response.body, "probe_ssh_server_info", "software") == "tinyssh_20230101-1");
    banners.push_back(label_value(response.body, "probe_ssh_server_info", "banner").value_or("none"));
  }
  // By default the label ends at the version: one series however often the server is probed.
  CHECK(banners[0] == "SSH-2.0-tinyssh_20230101-1");
  CHECK(banners[1] == banners[0]);
  // banner_comment = true keeps the comment, here a new one each time.
  CHECK(banners[2].starts_with("SSH-2.0-tinyssh_20230101-1 "));
  CHECK(banners[2].size() == banners[0].size() + 9);
  CHECK(banners[3] != banners[2]);
}

TEST_CASE("the exporter survives every misbehaviour and still answers", "[adversarial]") {
  auto& bed = AdversarialBed::shared();
  REQUIRE(bed.exporter->running());
  const HttpResponse health = http_get(bed.exporter->port(), "/-/healthy");
  CHECK(health.status == 200);
}
