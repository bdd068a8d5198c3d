// The HTTP interface: statuses, aliases, headers and request limits (README.md, "HTTP endpoints"; docs/operations.md).
#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "support/probe_bed.hpp"

using namespace spe::test;

namespace {
unsigned short port() { return ProbeBed::shared().exporter().port(); }
}  // namespace

TEST_CASE("request errors are 400 with a one-line reason", "[integration]") {
  const double unknown_module_before = rejected(port(), "unknown_module");
  const double bad_request_before = rejected(port(), "bad_request");
  {
    const auto response = http_get(port(), "/probe?module=key");
    CHECK(response.status == 400);
    CHECK(response.body == "missing parameter \"target\"\n");
  }
  {
    const auto response = http_get(port(), "/probe?target=127.0.0.1&module=nope");
    CHECK(response.status == 400);
    CHECK(response.body == "unknown module \"nope\"\n");
  }
  {
    const auto response = http_get(port(), "/probe?target=%5B%3A%3A1&module=key");
    CHECK(response.status == 400);
    CHECK(response.body.starts_with("invalid target \"[::1\""));
  }
  {
    const auto response = http_get(port(), "/probe?target=127.0.0.1&module=key",
                                   {{"X-Prometheus-Scrape-Timeout-Seconds", "soon"}});
    CHECK(response.status == 400);
  }
  // The shared exporter has counted other tests' requests too: these four added one of each.
  CHECK(rejected(port(), "unknown_module") == unknown_module_before + 1);
  CHECK(rejected(port(), "bad_request") == bad_request_before + 1);
}

TEST_CASE("/ssh is an alias of /probe", "[integration]") {
  const auto& sshd = ProbeBed::shared().sshd();
  const auto response = http_get(port(), "/ssh?target=" + sshd.target() + "&module=key");
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_success") == 1);
}

TEST_CASE("the module defaults to default", "[integration]") {
  const auto response = http_get(port(), "/probe?target=127.0.0.1");
  CHECK(response.status == 400);
  CHECK(response.body == "unknown module \"default\"\n");
}

TEST_CASE("the scrape timeout header minus the offset bounds the probe timeout", "[integration]") {
  const auto& sshd = ProbeBed::shared().sshd();
  const auto response = http_get(port(), "/probe?target=" + sshd.target() + "&module=key",
                                 {{"X-Prometheus-Scrape-Timeout-Seconds", "1.5"}});
  REQUIRE(response.status == 200);
  CHECK(metric_value(response.body, "probe_timeout_seconds") == 1);
  const auto plain = http_get(port(), "/probe?target=" + sshd.target() + "&module=key");
  CHECK(metric_value(plain.body, "probe_timeout_seconds") == 5);
}

TEST_CASE("own metrics count probes by module and result", "[integration]") {
  auto& bed = ProbeBed::shared();
  const auto before = metric_value(http_get(port(), "/metrics").body, "ssh_probe_exporter_probes_total",
                                   {{"module", "key_denied"}, {"result", "failure"}})
                          .value_or(0);
  bed.probe("key_denied");
  const auto body = http_get(port(), "/metrics").body;
  CHECK(metric_value(body, "ssh_probe_exporter_probes_total", {{"module", "key_denied"}, {"result", "failure"}}) ==
        before + 1);
  CHECK(metric_value(body, "ssh_probe_exporter_probes_in_flight") == 0);
  CHECK(count_series(body, "ssh_probe_exporter_build_info") == 1);
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                           "process_max_fds", "process_start_time_seconds"}) {
    INFO(name);
    CHECK(metric_value(body, name).value_or(-1) > 0);
  }
}

TEST_CASE("landing page, health, unknown paths and methods", "[integration]") {
  const auto landing = http_get(port(), "/");
  CHECK(landing.status == 200);
  CHECK(landing.headers.at("content-type").starts_with("text/html"));
  CHECK(landing.body.find("href=\"/metrics\"") != std::string::npos);
  CHECK(landing.body.find("<code>key</code>") != std::string::npos);
  CHECK(http_get(port(), "/-/healthy").status == 200);
  CHECK(http_get(port(), "/-/ready").status == 200);
  CHECK(http_get(port(), "/nope").status == 404);
  const auto post = http_request(port(), "POST", "/probe?target=127.0.0.1&module=key");
  CHECK(post.status == 405);
  CHECK(post.headers.at("allow") == "GET");
}

TEST_CASE("oversized requests are refused", "[integration]") {
  const auto response = http_get(port(), "/probe?target=" + std::string(20000, 'a') + "&module=key");
  CHECK(response.status == 414);  // the request line alone is over the header limit: URI Too Long
}

TEST_CASE("a client that sends nothing is disconnected by the read timeout", "[integration]") {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port()});
  asio::write(socket, asio::buffer(std::string("GET /probe?target=x HTTP/1.1\r\n")));  // never finished
  const auto start = std::chrono::steady_clock::now();
  // A blocking read bounded by the socket's own receive timeout.
  timeval tv{20, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte = 0;
  boost::system::error_code ec;
  socket.read_some(asio::buffer(&byte, 1), ec);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(ec == asio::error::eof);
  CHECK(elapsed < std::chrono::seconds(15));
}
