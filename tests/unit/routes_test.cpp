// Routes in-process: plain Request values in, the Response handed to Respond out, and a fake
// ProbeStarter in place of SshProbe, so every status, header, counter and the debug text are
// checked without a socket, an sshd or a child process (blackbox tests its handler the same way,
// with httptest.NewRecorder). The integration suites check the same answers over HTTP.
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "config/load.hpp"
#include "config/reloader.hpp"
#include "config/store.hpp"
#include "debug/history.hpp"
#include "http/routes.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "support/metric_text.hpp"
#include "support/sample_reports.hpp"
#include "util/cancel_signal.hpp"

namespace {

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using spe::http::Request;
using spe::http::Response;

constexpr const char* kConfig =
    "[modules.m]\nuser = \"nobody\"\npassword = \"not-a-secret\"\ninsecure_ignore_host_key = true\n"
    "[modules.fenced]\nuser = \"nobody\"\npassword = \"not-a-secret\"\ninsecure_ignore_host_key = true\n"
    "allowed_targets = [\"127.0.0.1:2222\"]\n";

spe::ConfigSnapshot load(const std::string& toml) {
  auto config = spe::load_config_text(toml, "/nonexistent/exporter.toml");
  REQUIRE(config.has_value());
  return std::make_shared<const spe::ExporterConfig>(std::move(*config));
}

// Stands in for SshProbe: records each request, and either answers at once with the report
// `answer` makes from it or, while `hold` is set, keeps the probe until finish_held(). Once answered,
// a probe lets its connection go at once, or while `hold_release` is set, at release_held().
class FakeProber {
 public:
  spe::http::ProbeStarter starter() {
    return [this](spe::ProbeRequest request, spe::ProbeCallback done) -> spe::ProbeCanceller {
      started.push_back(request);
      if (hold) {
        held.push_back(std::move(done));
      } else {
        answer_and_release(std::move(done));
      }
      return [this] { ++cancels; };
    };
  }

  void finish_held() {
    for (auto& done : held) answer_and_release(std::move(done));
    held.clear();
  }

  void release_held() {
    for (auto& release : unreleased) release();
    unreleased.clear();
  }

  // A successful probe with one log line, as SshProbe reports it.
  static spe::ProbeReport success(const spe::ProbeRequest& request) {
    spe::ProbeReport report;
    report.module = request.module->name;
    report.target = request.target_text;
    report.success = true;
    report.last_phase = spe::Phase::auth;
    report.duration = 20ms;
    report.timeout = request.timeout;
    report.log.push_back({1ms, "info", {{"msg", "tcp connected"}, {"address", "127.0.0.1:2222"}}});
    return report;
  }

  std::function<spe::ProbeReport(const spe::ProbeRequest&)> answer = success;
  bool hold = false;
  bool hold_release = false;
  std::vector<spe::ProbeRequest> started;
  std::vector<spe::ProbeCallback> held;
  std::vector<std::function<void()>> unreleased;
  int cancels = 0;

 private:
  void answer_and_release(spe::ProbeCallback done) {
    done(answer(started.back()));
    auto release = started.back().released;
    if (!release) return;
    if (hold_release) {
      unreleased.push_back(std::move(release));
    } else {
      release();
    }
  }
};

// A reloader whose load never succeeds: these tests do not reload, except the one with its own.
spe::Reloader::Outcome no_load(const std::string&) { return std::unexpected(spe::ConfigErrors{}); }

// The exporter's routes over real config, metrics, log and history, with a fake prober.
struct Fixture {
  explicit Fixture(std::size_t max_concurrent = 0, std::chrono::milliseconds reload_bound = 1s,
                   spe::Reloader::Load reload = no_load)
      : reloader(
            std::move(reload), [] { return false; }, reload_bound),
        routes(spe::http::RoutesContext{prober.starter(), store, metrics, logger, history, reloader, 500ms,
                                        max_concurrent}) {}

  // The one answer to `request`, which must come before handle() returns.
  Response call(Request request) {
    std::vector<Response> answers;
    routes.handle(std::move(request), [&answers](Response response) { answers.push_back(std::move(response)); });
    REQUIRE(answers.size() == 1);
    return std::move(answers.front());
  }
  Response get(std::string path, std::string query = {}, std::map<std::string, std::string> headers = {}) {
    return call(Request{"GET", std::move(path), std::move(query), std::move(headers), {}});
  }

  // ssh_probe_exporter_requests_rejected_total{reason} as /metrics shows it.
  std::optional<double> rejected(const std::string& reason) {
    const std::string body = get("/metrics").body;
    const std::string prefix = "ssh_probe_exporter_requests_rejected_total{reason=\"" + reason + "\"} ";
    const auto at = body.find(prefix);
    if (at == std::string::npos) return std::nullopt;
    return std::stod(body.substr(at + prefix.size(), body.find('\n', at) - at - prefix.size()));
  }

  FakeProber prober;
  spe::ConfigStore store{load(kConfig)};
  spe::metrics::ExporterMetrics metrics{"test", "test", "0.10.6-test"};
  std::ostringstream log;
  spe::Logger logger{spe::LogLevel::debug, spe::LogFormat::logfmt, log};
  spe::History history{{.entries = 10}};
  spe::Reloader reloader;
  spe::http::Routes routes;
};

std::optional<std::string> header(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("routes: bad parameters are 400 with a one-line reason, counted by reason, never probed", "[unit][routes]") {
  Fixture fixture;
  for (const char* reason :
       {"bad_target", "bad_request", "unknown_module", "not_allowed", "overload", "auth_overload"}) {
    INFO(reason);
    CHECK(fixture.rejected(reason) == 0);
  }
  CHECK(fixture.get("/probe", "module=m").body == "missing parameter \"target\"\n");
  const auto malformed = fixture.get("/probe", "target=%5B%3A%3A1&module=m");
  CHECK(malformed.status == 400);
  CHECK(malformed.body.starts_with("invalid target \"[::1\""));
  CHECK(fixture.get("/probe", "target=h&target=h&module=m").body == "repeated parameter \"target\"\n");
  CHECK(fixture.get("/probe", "target=127.0.0.1&module=m&debug=maybe").body ==
        "invalid debug \"maybe\": expected true or false\n");
  const auto bad_header = fixture.get("/probe", "target=127.0.0.1&module=m",
                                      {{"x-prometheus-scrape-timeout-seconds", "soon"}});
  CHECK(bad_header.status == 400);
  CHECK(bad_header.content_type == "text/plain; charset=utf-8");
  const auto unknown = fixture.get("/probe", "target=127.0.0.1&module=nope");
  CHECK(unknown.status == 400);
  CHECK(unknown.body == "unknown module \"nope\"\n");
  CHECK(fixture.get("/ssh", "target=127.0.0.1").body == "unknown module \"default\"\n");  // the default module

  CHECK(fixture.rejected("bad_target") == 3);
  CHECK(fixture.rejected("bad_request") == 2);
  CHECK(fixture.rejected("unknown_module") == 2);
  CHECK(fixture.prober.started.empty());
  CHECK_THAT(fixture.log.str(), Contains("level=debug msg=\"request rejected\" reason=unknown_module err="));
}

TEST_CASE("routes: a target outside allowed_targets is 403 and never probed", "[unit][routes]") {
  Fixture fixture;
  const auto refused = fixture.get("/probe", "target=127.0.0.1%3A2223&module=fenced");
  CHECK(refused.status == 403);
  CHECK(refused.body == "target \"127.0.0.1:2223\" is not allowed by module \"fenced\"\n");
  CHECK(fixture.rejected("not_allowed") == 1);
  CHECK(fixture.prober.started.empty());

  CHECK(fixture.get("/probe", "target=127.0.0.1%3A2222&module=fenced").status == 200);
  REQUIRE(fixture.prober.started.size() == 1);
  CHECK(fixture.prober.started.front().target_text == "127.0.0.1:2222");
}

TEST_CASE("routes: a wrong method is 405 with Allow", "[unit][routes]") {
  Fixture fixture;
  const auto post = fixture.call(Request{"POST", "/probe", "target=127.0.0.1&module=m", {}, {}});
  CHECK(post.status == 405);
  CHECK(post.body == "method not allowed\n");
  CHECK(header(post, "Allow") == "GET");
  const auto reload = fixture.get("/-/reload");
  CHECK(reload.status == 405);
  CHECK(header(reload, "Allow") == "POST");
  CHECK(fixture.prober.started.empty());
}

TEST_CASE("routes: probes beyond --probe.max-concurrent get 503 with Retry-After, counted as overload",
          "[unit][routes]") {
  Fixture fixture(1);
  fixture.prober.hold = true;
  std::vector<Response> first;
  fixture.routes.handle(Request{"GET", "/probe", "target=127.0.0.1&module=m", {}, {}},
                        [&first](Response response) { first.push_back(std::move(response)); });
  CHECK(first.empty());  // the probe runs

  const auto refused = fixture.get("/probe", "target=127.0.0.1&module=m");
  CHECK(refused.status == 503);
  CHECK(header(refused, "Retry-After") == "1");
  CHECK(refused.body == "too many probes in flight (--probe.max-concurrent=1)\n");
  CHECK(fixture.rejected("overload") == 1);

  fixture.prober.finish_held();
  REQUIRE(first.size() == 1);
  CHECK(first.front().status == 200);
  // The slot is given back: the next probe runs.
  fixture.prober.hold = false;
  CHECK(fixture.get("/probe", "target=127.0.0.1&module=m").status == 200);
  CHECK(fixture.prober.started.size() == 2);
}

TEST_CASE("routes: a probe answered but still holding its connection keeps its --probe.max-concurrent slot",
          "[unit][routes]") {
  Fixture fixture(1);
  fixture.prober.hold_release = true;  // as a probe removing its SFTP write test's file after the answer
  CHECK(fixture.get("/probe", "target=127.0.0.1&module=m").status == 200);
  CHECK(fixture.get("/probe", "target=127.0.0.1&module=m").status == 503);
  CHECK(fixture.prober.started.size() == 1);
  // Answered: counted as a probe, still in flight.
  const std::string metrics = fixture.get("/metrics").body;
  CHECK(spe::test::metric_value(metrics, "ssh_probe_exporter_probes_in_flight") == 1);
  fixture.prober.release_held();
  fixture.prober.hold_release = false;
  CHECK(fixture.get("/probe", "target=127.0.0.1&module=m").status == 200);
  CHECK(fixture.prober.started.size() == 2);
}

TEST_CASE("routes: a reload still running at the bound is 503 with Retry-After", "[unit][routes]") {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  // A load that waits until the test has its answer (20 s at most, so a broken test cannot hang).
  auto slow_load = [&](const std::string&) -> spe::Reloader::Outcome {
    std::unique_lock lock(mutex);
    released_cv.wait_for(lock, 20s, [&] { return released; });
    return load(kConfig);
  };
  Fixture fixture(0, 10ms, slow_load);
  std::mutex answer_mutex;
  std::condition_variable answered_cv;
  std::optional<Response> answer;
  fixture.routes.handle(Request{"POST", "/-/reload", "", {}, {}}, [&](Response response) {
    const std::lock_guard lock(answer_mutex);
    answer = std::move(response);
    answered_cv.notify_all();
  });
  {
    std::unique_lock lock(answer_mutex);
    CHECK(answered_cv.wait_for(lock, 10s, [&] { return answer.has_value(); }));
  }
  {
    const std::lock_guard lock(mutex);
    released = true;
  }
  released_cv.notify_all();
  REQUIRE(answer.has_value());
  CHECK(answer->status == 503);
  CHECK(header(*answer, "Retry-After") == "1");
  CHECK(answer->body ==
        "reload still running after 1s; its outcome will be in the log and in "
        "ssh_probe_exporter_config_last_reload_successful\n");
}

TEST_CASE("routes: debug=true answers the probe's log, its metrics and the module with secrets masked",
          "[unit][routes]") {
  Fixture fixture;
  const auto response = fixture.get("/probe", "target=127.0.0.1%3A2222&module=m&debug=true",
                                    {{"x-prometheus-scrape-timeout-seconds", "1.5"}});
  REQUIRE(response.status == 200);
  CHECK(response.content_type.starts_with("text/plain"));
  const std::string& body = response.body;
  INFO(body);
  CHECK(body.starts_with("Logs for the probe:\nelapsed_seconds="));
  CHECK_THAT(body, Contains("level=info msg=\"tcp connected\" address=127.0.0.1:2222\n"));
  const auto metrics_at = body.find("\n\nMetrics that would have been returned:\n");
  const auto module_at = body.find("\n\nModule configuration:\n[modules.m]\n");
  REQUIRE(metrics_at != std::string::npos);
  REQUIRE(module_at != std::string::npos);
  CHECK(metrics_at < module_at);
  const std::string metrics = body.substr(metrics_at, module_at - metrics_at);
  CHECK_THAT(metrics, Contains("\nprobe_success 1\n"));
  // The scrape timeout header minus the offset (500 ms) bounds the probe.
  CHECK_THAT(metrics, Contains("\nprobe_timeout_seconds 1\n"));
  CHECK_THAT(body.substr(module_at), Contains("\npassword = \"<secret>\"\n"));
  CHECK_THAT(body, !Contains("not-a-secret"));
  REQUIRE(fixture.prober.started.size() == 1);
  CHECK(fixture.prober.started.front().timeout == 1000ms);

  // The history keeps the same text for /logs, and the landing page links to it.
  REQUIRE(fixture.history.list().size() == 1);
  const std::string id = std::to_string(fixture.history.list().front()->id);
  CHECK(fixture.get("/logs", "id=" + id).body == body);
  CHECK_THAT(fixture.get("/").body, Contains("href=\"/logs?id=" + id + "\""));

  // The plain scrape is the metrics alone.
  const auto plain = fixture.get("/probe", "target=127.0.0.1%3A2222&module=m");
  CHECK_THAT(plain.body, !Contains("Logs for the probe"));
  CHECK_THAT(plain.body, Contains("\nprobe_success 1\n"));
  CHECK(header(plain, "Vary") == "Accept");
}

TEST_CASE("routes: a failed probe is logged at info and counted by module and result", "[unit][routes]") {
  Fixture fixture;
  fixture.prober.answer = [](const spe::ProbeRequest& request) {
    spe::ProbeReport report = FakeProber::success(request);
    report.success = false;
    report.failure = spe::FailureReason::connect;
    report.last_phase = spe::Phase::connect;
    report.failure_message = "connection refused";
    return report;
  };
  const auto response = fixture.get("/probe", "target=127.0.0.1&module=m");
  CHECK(response.status == 200);
  CHECK_THAT(response.body, Contains("\nprobe_success 0\n"));
  CHECK_THAT(fixture.log.str(),
             Contains("level=info msg=\"probe failed\" module=m target=127.0.0.1 phase=connect reason=connect"));
  CHECK_THAT(fixture.get("/metrics").body,
             Contains("ssh_probe_exporter_probes_total{module=\"m\",result=\"failure\"} 1\n"));
  CHECK_THAT(fixture.get("/").body, Contains("failure (connect)"));
}

TEST_CASE("routes: a probe failed at a jump host names the hop in the log line, the history row and the debug text",
          "[unit][routes]") {
  Fixture fixture;
  fixture.prober.answer = [](const spe::ProbeRequest& request) {
    spe::ProbeReport report = spe::test::jump_hop_failed_report(0, spe::HopPhase::host_key,
                                                                spe::ErrorCode::permission_denied);
    report.module = request.module->name;
    report.target = request.target_text;
    report.timeout = request.timeout;
    report.failure_message = "host key of bastion refused";
    return report;
  };
  const auto response = fixture.get("/probe", "target=127.0.0.1&module=m&debug=true");
  REQUIRE(response.status == 200);
  INFO(response.body);
  CHECK_THAT(response.body,
             Contains("\n\nJump hosts:\nhop=bastion result=failure reason=host_key connect_seconds=0.010000 "));
  CHECK_THAT(response.body, Contains("\nhop=inner result=not_reached\n\nMetrics that would have been returned:\n"));
  CHECK_THAT(response.body, Contains("\nprobe_ssh_hop_success{hop=\"bastion\"} 0\n"));
  CHECK_THAT(fixture.log.str(), Contains("level=info msg=\"probe failed\" module=m target=127.0.0.1 hop=bastion "
                                         "phase=connect reason=host_key "));
  CHECK_THAT(fixture.get("/").body, Contains("<td>failure (host_key at jump host bastion)</td>"));
  const std::string id = std::to_string(fixture.history.list().front()->id);
  CHECK(fixture.get("/logs", "id=" + id).body == response.body);

  // Failed at the target behind the hops: no hop named anywhere.
  fixture.prober.answer = [](const spe::ProbeRequest& request) {
    spe::ProbeReport report = spe::test::jump_target_failed_report(spe::Phase::auth, spe::ErrorCode::unauthenticated);
    report.module = request.module->name;
    report.target = request.target_text;
    return report;
  };
  fixture.get("/probe", "target=127.0.0.2&module=m");
  CHECK_THAT(fixture.log.str(),
             Contains("level=info msg=\"probe failed\" module=m target=127.0.0.2 phase=auth reason=auth "));
  CHECK_THAT(fixture.get("/").body, Contains("<td>127.0.0.2</td><td>failure (auth)</td>"));
}

TEST_CASE("routes: a client that leaves mid-probe cancels it", "[unit][routes]") {
  Fixture fixture;
  fixture.prober.hold = true;
  auto cancel = std::make_shared<spe::CancelSignal>();
  fixture.routes.handle(Request{"GET", "/probe", "target=127.0.0.1&module=m", {}, cancel}, [](Response) {});
  CHECK(fixture.prober.cancels == 0);
  cancel->cancel();
  CHECK(fixture.prober.cancels == 1);
  fixture.prober.finish_held();
}

TEST_CASE("routes: landing page, /logs, health and unknown paths", "[unit][routes]") {
  Fixture fixture;
  const auto landing = fixture.get("/");
  CHECK(landing.status == 200);
  CHECK(landing.content_type.starts_with("text/html"));
  CHECK_THAT(landing.body, Contains("href=\"/metrics\""));
  CHECK_THAT(landing.body, Contains("<code>m</code>"));
  CHECK_THAT(landing.body, Contains(", libssh 0.10.6-test)"));  // from ExporterMetrics, not from libssh
  CHECK(fixture.get("/-/healthy").body == "OK\n");
  CHECK(fixture.get("/-/ready").status == 200);
  CHECK(fixture.get("/nope").status == 404);
  const auto icon = fixture.get("/favicon.ico");  // no icon, rather than a 404 in the browser's console
  CHECK(icon.status == 204);
  CHECK(icon.body.empty());
  CHECK(fixture.get("/logs").body == "expected one parameter \"id\"\n");
  CHECK(fixture.get("/logs", "id=1&id=2").status == 400);
  CHECK(fixture.get("/logs", "id=x").body == "invalid id \"x\": expected a probe number\n");
  CHECK(fixture.get("/logs", "id=7").status == 404);
}
