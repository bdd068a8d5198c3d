// Headers every answer carries, whoever built it: routes (200, 400, 403, 404, 405, HTML, metrics)
// or the server itself (414 before any route ran).
#include <catch2/catch.hpp>

#include <string>

#include "support/probe_bed.hpp"

using namespace spe::test;

TEST_CASE("every answer says X-Content-Type-Options: nosniff, the echoing errors above all", "[integration]") {
  const unsigned short port = ProbeBed::shared().exporter().port();
  const std::string target = ProbeBed::shared().sshd().target();
  struct Case {
    std::string method;
    std::string path;
    HttpHeaders headers;
    int status;
  };
  const std::string html = "%3Cscript%3Ealert(1)%3C/script%3E";
  const auto [method, path, headers, status] = GENERATE_COPY(values<Case>({
      {"GET", "/probe?target=" + target + "&module=key", {}, 200},
      {"GET", "/probe?target=" + html + "&module=key", {}, 400},
      {"GET", "/probe?target=127.0.0.1&module=" + html, {}, 400},
      {"GET", "/probe?target=" + target + "&module=key", {{"X-Prometheus-Scrape-Timeout-Seconds", "0.0001"}}, 400},
      {"GET", "/logs?id=" + html, {}, 400},
      {"GET", "/metrics", {}, 200},
      {"GET", "/", {}, 200},
      {"GET", "/-/healthy", {}, 200},
      {"GET", "/" + html, {}, 404},
      {"POST", "/probe?target=127.0.0.1&module=key", {}, 405},
      {"GET", "/probe?target=" + std::string(20000, 'a') + "&module=key", {}, 414},
  }));
  CAPTURE(method, path.substr(0, 100));
  const auto response = http_request(port, method, path, headers);
  CHECK(response.status == status);
  REQUIRE(response.headers.count("x-content-type-options") == 1);
  CHECK(response.headers.at("x-content-type-options") == "nosniff");
}

TEST_CASE("a scrape timeout below one millisecond is refused with the reason", "[integration]") {
  const unsigned short port = ProbeBed::shared().exporter().port();
  const double bad_request_before = rejected(port, "bad_request");
  const auto response = http_get(port, "/probe?target=" + ProbeBed::shared().sshd().target() + "&module=key",
                                 {{"X-Prometheus-Scrape-Timeout-Seconds", "0.0001"}});
  CHECK(response.status == 400);
  CHECK(response.body ==
        "invalid X-Prometheus-Scrape-Timeout-Seconds \"0.0001\": below the 1 ms resolution of "
        "probe timeouts (expected at least 0.001)\n");
  CHECK(rejected(port, "bad_request") == bad_request_before + 1);
}
