// What a finished probe leaves behind in the history: never the config snapshot it ran under (its
// parsed known_hosts, its decrypted keys). Routes, the real prober and a loopback port that
// refuses, in this process, so the snapshot's lifetime can be watched.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>

#include "config/load.hpp"
#include "config/reloader.hpp"
#include "config/store.hpp"
#include "debug/history.hpp"
#include "http/routes.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "probe/resolver.hpp"
#include "probe/ssh_probe.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;

namespace {

spe::ConfigSnapshot load(const std::string& toml) {
  auto config = spe::load_config_text(toml, "/nonexistent/exporter.toml");
  REQUIRE(config.has_value());
  return std::make_shared<const spe::ExporterConfig>(std::move(*config));
}

}  // namespace

TEST_CASE("history: a probe's entry does not keep its config alive after a reload", "[integration]") {
  const std::string toml =
      "[modules.m]\nuser = \"nobody\"\npassword = \"not-a-secret\"\n"
      "insecure_ignore_host_key = true\ntimeout = \"2s\"\n";
  boost::asio::io_context io;
  spe::ConfigStore store(load(toml));
  const std::weak_ptr<const spe::ExporterConfig> first = store.current();
  spe::Resolver resolver(1);
  spe::metrics::ExporterMetrics metrics("test", "test", "test");
  std::ostringstream log;
  spe::Logger logger(spe::LogLevel::error, spe::LogFormat::logfmt, log);
  spe::History history({.entries = 10});
  spe::Reloader no_reload(
      [](const std::string&) -> spe::Reloader::Outcome { return std::unexpected(spe::ConfigErrors{}); },
      [] { return false; }, 1s);
  const spe::http::ProbeStarter start_probe = [&io, &resolver](spe::ProbeRequest probe, spe::ProbeCallback done) {
    return spe::start_ssh_probe(io.get_executor(), resolver, std::move(probe), std::move(done));
  };
  spe::http::Routes routes(spe::http::RoutesContext{start_probe, store, metrics, logger, history, no_reload});

  std::optional<spe::http::Response> answer;
  spe::http::Request request{
      "GET", "/probe", "module=m&target=127.0.0.1:" + std::to_string(spe::test::free_loopback_port()), {}, {}};
  routes.handle(request, [&answer](spe::http::Response response) { answer = std::move(response); });
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!answer && std::chrono::steady_clock::now() < until) io.run_one_for(100ms);
  io.run_for(200ms);  // whatever the finished probe still had queued
  REQUIRE(answer.has_value());
  CHECK(answer->status == 200);
  CHECK(answer->body.find("probe_ssh_failure{reason=\"connect\"} 1") != std::string::npos);
  REQUIRE(history.list().size() == 1);
  CHECK_FALSE(first.expired());  // still the current config

  store.replace(load(toml));
  CHECK(first.expired());
  // The entry still shows the module as it was.
  const auto entry = history.get(history.list().front()->id);
  REQUIRE(entry != nullptr);
  CHECK(spe::debug_output(entry->debug).ends_with("password = \"<secret>\"\n"));
}
