// Faults around the exporter: its descriptor limit reached, sshd killed in the middle of probes, and
// clients (plain and TLS) that leave while their probe runs. Each test starts its own exporter (and,
// where it kills one, its own sshd) so the shared test bed is never disturbed.
#include <catch2/catch.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "http/server.hpp"
#include "support/adversarial.hpp"
#include "support/eventually.hpp"
#include "support/local_server.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// A module for the silent server: no host key check, a password that never leaves the machine.
std::string silent_module(const std::string& timeout) {
  return "[modules.silent]\nuser = \"nobody\"\npassword = \"not-a-secret\"\ninsecure_ignore_host_key = true\n"
         "timeout = \"" +
         timeout + "\"\n\n";
}

std::string silent_probe(const AdversarialServer& silent) {
  return "/probe?target=127.0.0.1:" + std::to_string(silent.port()) + "&module=silent";
}

std::string write_config(const TempDir& dir, const std::string& text) {
  const auto path = dir.path() / "exporter.toml";
  write_file(path, text);
  return path.string();
}

double in_flight(const ExporterProcess& exporter) {
  return metric_value(http_get(exporter.port(), "/metrics").body, "ssh_probe_exporter_probes_in_flight").value_or(-1);
}

// A blocking loopback connection to port; connect() succeeds once the kernel has queued it, accepted or not.
std::unique_ptr<tcp::socket> connect_to(asio::io_context& io, unsigned short port) {
  auto socket = std::make_unique<tcp::socket>(io);
  socket->connect({asio::ip::make_address("127.0.0.1"), port});
  return socket;
}

// The ids of the history entries the landing page lists with this result, e.g. "failure (internal)".
std::vector<std::string> history_ids(unsigned short port, const std::string& result) {
  const std::string page = http_get(port, "/").body;
  const std::regex row("<td>" + result + "</td>.*?/logs\\?id=([0-9]+)");
  std::vector<std::string> ids;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), row); it != std::sregex_iterator(); ++it) {
    ids.push_back((*it)[1].str());
  }
  return ids;
}

}  // namespace

TEST_CASE("at its descriptor limit the exporter fails probes with a reason, does not spin, and recovers", "[fault]") {
  // 64 descriptors leave room for about a dozen probes (three each) beside the exporter's own.
  constexpr unsigned long kFdLimit = 64;
  constexpr std::size_t kProbes = 40;
  auto& sshd = TestSshd::shared();
  AdversarialServer silent(Misbehaviour::silent);
  TempDir dir{"spe-fault-fds"};
  ExporterProcess exporter(write_config(dir, silent_module("4s") + key_module(sshd, "key")), {}, kFdLimit);
  CHECK(contains(exporter.log(), "msg=\"file descriptor limit\" limit=64 probes_in_flight_max=10"));
  const std::size_t baseline = exporter.open_fds();
  REQUIRE(baseline + 20 < kFdLimit);

  // More probes than the limit allows, all at once; then idle connections take whatever is left, so
  // accept() fails with EMFILE while more connections wait in the backlog.
  const std::vector<std::string> targets(kProbes, silent_probe(silent));
  auto answers = std::async(std::launch::async, [&] { return http_get_concurrent(exporter.port(), targets, 30s); });
  REQUIRE(eventually([&] { return silent.open_connections() > 0; }, 5s));
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (unsigned long i = 0; i < kFdLimit; ++i) idle.push_back(connect_to(io, exporter.port()));
  REQUIRE(eventually([&] { return exporter.open_fds() >= kFdLimit; }, 3s));

  // Saturated and quiet: the probes wait for the silent server (4 s), the acceptor for a descriptor.
  std::this_thread::sleep_for(200ms);
  const double cpu_before = exporter.cpu_seconds();
  std::this_thread::sleep_for(1s);
  const double cpu_used = exporter.cpu_seconds() - cpu_before;
  CHECK(exporter.open_fds() >= kFdLimit - 1);  // still saturated at the end of the measured second
  INFO("exporter CPU during one saturated second: " << cpu_used << " s");
  CHECK(cpu_used < 0.25);  // a spinning acceptor would take most of a core
  CHECK(exporter.running());
  // The acceptor says so (once a run of failed accepts, not at each retry).
  CHECK(contains(exporter.log(), "level=warn msg=\"accept failed, retrying with back-off\" address=127.0.0.1:" +
                                     std::to_string(exporter.port()) + " err=\"Too many open files\""));

  idle.clear();
  const auto results = answers.get();
  std::size_t out_of_fds = 0;
  std::size_t timed_out = 0;
  for (const auto& result : results) {
    INFO(result.response.error << "\n" << result.response.body);
    REQUIRE(result.response.status == 200);
    CHECK(metric_value(result.response.body, "probe_success") == 0);
    const std::string reason = failure_reason_of(result.response.body);
    CHECK((reason == "internal" || reason == "timeout"));
    out_of_fds += reason == "internal" ? 1 : 0;
    timed_out += reason == "timeout" ? 1 : 0;
  }
  INFO("out of descriptors: " << out_of_fds << ", timed out at the silent server: " << timed_out);
  CHECK(out_of_fds > 0);
  CHECK(timed_out > 0);

  // The probes that found no descriptor say so in their debug log.
  const auto failed = history_ids(exporter.port(), "failure \\(internal\\)");
  REQUIRE_FALSE(failed.empty());
  const std::string log = http_get(exporter.port(), "/logs?id=" + failed.front()).body;
  INFO(log);
  CHECK(contains(log, "Too many open files (the exporter's limit of 64 descriptors is reached"));

  // Descriptors free again: a real login works at once, nothing is left in flight or open.
  const auto recovered = http_get(exporter.port(), "/probe?target=" + sshd.target() + "&module=key", {}, 10s);
  INFO(recovered.error << "\n" << recovered.body);
  CHECK(metric_value(recovered.body, "probe_success") == 1);
  CHECK(contains(exporter.log(), "level=info msg=\"accepting again\""));
  CHECK(in_flight(exporter) == 0);
  // The /metrics connection may still be closing: one descriptor of slack.
  CHECK(eventually([&] { return exporter.open_fds() <= baseline + 1; }, 5s));
  CHECK(exporter.running());
}

TEST_CASE("sshd killed in the middle of probes: each probe answers at once with a reason, nothing leaks", "[fault]") {
  constexpr std::size_t kProbes = 4;
  const auto sshd = TestSshd::start_separate();
  TempDir dir{"spe-fault-sshd"};
  const std::string config = key_module(
      *sshd, "slow", "timeout = \"30s\"\n[[modules.slow.commands]]\nname = \"sleep\"\ncommand = \"sleep 60\"");
  ExporterProcess exporter(write_config(dir, config));
  REQUIRE(in_flight(exporter) == 0);
  const std::size_t baseline = exporter.open_fds();

  const std::vector<std::string> targets(kProbes, "/probe?target=" + sshd->target() + "&module=slow");
  auto answers = std::async(std::launch::async, [&] { return http_get_concurrent(exporter.port(), targets, 40s); });
  // Every probe has logged in and runs its command.
  const auto sessions = [&] {
    const std::string log = sshd->log_since(0);
    std::size_t n = 0;
    for (auto at = log.find("Starting session: command"); at != std::string::npos;
         at = log.find("Starting session: command", at + 1)) {
      ++n;
    }
    return n;
  };
  REQUIRE(eventually([&] { return sessions() == kProbes; }, 10s));
  REQUIRE(in_flight(exporter) == kProbes);

  sshd->kill_all();
  const auto killed = Clock::now();
  REQUIRE(answers.wait_for(10s) == std::future_status::ready);
  const auto answered_after = Clock::now() - killed;
  INFO("answered " << std::chrono::duration_cast<std::chrono::milliseconds>(answered_after).count()
                   << " ms after the kill");
  CHECK(answered_after < 5s);  // the deadline is 30 s away, the command's end 60 s
  for (const auto& result : answers.get()) {
    INFO(result.response.error << "\n" << result.response.body);
    REQUIRE(result.response.status == 200);
    CHECK(metric_value(result.response.body, "probe_success") == 0);
    const std::string reason = failure_reason_of(result.response.body);
    CHECK(reason == "command_exit");
    CHECK(metric_value(result.response.body, "probe_ssh_command_success", {{"command", "sleep"}}) == 0);
  }
  CHECK(exporter.running());
  CHECK(in_flight(exporter) == 0);
  CHECK(eventually([&] { return exporter.open_fds() <= baseline + 1; }, 5s));
  const auto refused = http_get(exporter.port(), targets.front());
  CHECK(failure_reason_of(refused.body) == "connect");
}

TEST_CASE("a client that disconnects mid-probe cancels the probe at once", "[fault]") {
  AdversarialServer silent(Misbehaviour::silent);
  TempDir dir{"spe-fault-leave"};
  ExporterProcess exporter(write_config(dir, silent_module("30s")));
  const std::size_t log_start = exporter.log_size();
  asio::io_context io;
  auto client = connect_to(io, exporter.port());
  asio::write(*client, asio::buffer("GET " + silent_probe(silent) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(eventually([&] { return silent.open_connections() == 1; }, 3s));
  std::this_thread::sleep_for(200ms);

  client.reset();
  const auto left = Clock::now();
  // Cancelled, not left to its 30 s deadline: the connection to the target is closed too.
  CHECK(eventually([&] { return silent.open_connections() == 0 && in_flight(exporter) == 0; }, 3s));
  CHECK(Clock::now() - left < 5s);
  CHECK(exporter.wait_for_log("the HTTP client disconnected", 2s, log_start));
  const std::string metrics = http_get(exporter.port(), "/metrics").body;
  CHECK(metric_value(metrics, "ssh_probe_exporter_probes_total", {{"module", "silent"}, {"result", "failure"}}) == 1);
  CHECK(http_get(exporter.port(), "/-/healthy").status == 200);
  CHECK(exporter.running());
}

// --- TLS clients, on an in-process server --------------------------------------------------------

namespace {

// A TLS server on 127.0.0.1 (self-signed certificate for 127.0.0.1) whose handler holds every request
// until told to answer, and records cancels.
class HoldingTlsServer {
 public:
  HoldingTlsServer()
      : server_([this](spe::http::Request request, spe::http::Respond respond) { hold(request, respond); }, {},
                self_signed(dir_)) {}

  unsigned short port() const { return server_.port(); }
  std::size_t open_connections() const { return server_.open_connections(); }
  std::size_t held() const {
    const std::lock_guard lock(mutex_);
    return pending_.size();
  }
  std::size_t cancelled() const { return cancelled_.load(); }
  // Answers every held request with its path.
  void answer_all() {
    std::vector<std::pair<std::string, spe::http::Respond>> pending;
    {
      const std::lock_guard lock(mutex_);
      pending.swap(pending_);
    }
    for (auto& [path, respond] : pending) respond(spe::http::text_response(200, "path " + path + "\n"));
  }

 private:
  // A web config with TLS: a certificate for 127.0.0.1, made in dir.
  static spe::http::WebConfig self_signed(const TempDir& dir) {
    const auto crt = (dir.path() / "server.crt").string();
    const auto key = (dir.path() / "server.key").string();
    const auto made = run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                                   "-keyout", key, "-out", crt});
    REQUIRE(made.exit_code == 0);
    spe::http::WebConfig web;
    web.tls = spe::http::TlsConfig{crt, key, "", {}, {}, {}};
    return web;
  }

  void hold(const spe::http::Request& request, const spe::http::Respond& respond) {
    if (request.cancel) request.cancel->on_cancel([this] { ++cancelled_; });
    const std::lock_guard lock(mutex_);
    pending_.emplace_back(request.path, respond);
  }

  TempDir dir_{"spe-fault-tls"};
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, spe::http::Respond>> pending_;
  std::atomic<std::size_t> cancelled_{0};
  LocalServer server_;  // last: destroyed first, so no handler runs on the members above once they are gone
};

// A blocking TLS client connection (no certificate check: the test's own self-signed server).
struct TlsClient {
  TlsClient(asio::io_context& io, unsigned short port) : stream(io, context) {
    stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    stream.handshake(ssl::stream_base::client);
  }

  // Everything until the server closes (or a read times out).
  std::string read_all() {
    std::string out;
    char buffer[4096];
    boost::system::error_code ec;
    while (!ec) out.append(buffer, stream.read_some(asio::buffer(buffer), ec));
    return out;
  }

  ssl::context context{ssl::context::tls_client};
  ssl::stream<tcp::socket> stream;
};

}  // namespace

TEST_CASE("a TLS client that sends close_notify mid-response cancels the work and frees its connection", "[fault]") {
  HoldingTlsServer server;
  asio::io_context io;
  TlsClient client(io, server.port());
  asio::write(client.stream, asio::buffer(std::string("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")));
  REQUIRE(eventually([&] { return server.held() == 1; }, 3s));
  REQUIRE(server.open_connections() == 1);

  // close_notify alone: the client keeps its TCP connection open, waiting for the server's
  // close_notify (the server just closes; the read times out after 5 s at worst).
  auto shutdown = std::async(std::launch::async, [&] {
    boost::system::error_code ignored;
    client.stream.shutdown(ignored);
  });
  CHECK(eventually([&] { return server.cancelled() == 1; }, 3s));
  CHECK(eventually([&] { return server.open_connections() == 0; }, 3s));
  shutdown.get();
  server.answer_all();  // the late response goes nowhere
  CHECK(server.open_connections() == 0);
}

TEST_CASE("a pipelined TLS request while a response is pending is kept and answered", "[fault]") {
  HoldingTlsServer server;
  asio::io_context io;
  TlsClient client(io, server.port());
  asio::write(client.stream, asio::buffer(std::string("GET /one HTTP/1.1\r\nHost: x\r\n\r\n")));
  REQUIRE(eventually([&] { return server.held() == 1; }, 3s));
  // The second request arrives while the first is held: the watch for departure reads it.
  asio::write(client.stream, asio::buffer(std::string("GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  std::this_thread::sleep_for(200ms);
  CHECK(server.cancelled() == 0);
  server.answer_all();
  REQUIRE(eventually([&] { return server.held() == 1; }, 3s));
  server.answer_all();
  const std::string responses = client.read_all();
  CHECK(contains(responses, "path /one\n"));
  CHECK(contains(responses, "path /two\n"));
  CHECK(server.cancelled() == 0);
}
