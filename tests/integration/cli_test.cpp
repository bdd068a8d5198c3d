// The binary's command line: help, version, flag errors and --config.check.
#include <catch2/catch.hpp>

#include "support/probe_bed.hpp"

using namespace spe::test;

TEST_CASE("--help lists every flag and exits 0", "[cli]") {
  const auto result = ExporterProcess::run_binary({"--help"});
  CHECK(result.exit_code == 0);
  for (const char* flag : {"--config.file", "--config.check", "--web.listen-address", "--timeout-offset",
                           "--log.level", "--log.format", "--version"}) {
    INFO(flag);
    CHECK(result.output.find(flag) != std::string::npos);
  }
}

TEST_CASE("--version names the version and libssh", "[cli]") {
  const auto result = ExporterProcess::run_binary({"--version"});
  CHECK(result.exit_code == 0);
  CHECK(result.output.starts_with("ssh_probe_exporter version "));
  CHECK(result.output.find("libssh 0.10") != std::string::npos);
}

TEST_CASE("a bad flag or value is one line and a non-zero exit", "[cli]") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--no-such-flag"}, {"--log.level", "loud"}, {"--timeout-offset", "soon"}}) {
    const auto result = ExporterProcess::run_binary(args);
    INFO(result.output);
    CHECK(result.exit_code != 0);
    CHECK(std::count(result.output.begin(), result.output.end(), '\n') == 1);
  }
}

TEST_CASE("--config.check accepts a good config and reports every error of a bad one", "[cli]") {
  TempDir dir{"spe-cli"};
  const auto good = ExporterProcess::run_binary({"--config.check", "--config.file", ProbeBed::shared().config_path()});
  INFO(good.output);
  CHECK(good.exit_code == 0);
  CHECK(good.output.find("valid") != std::string::npos);

  const auto bad_path = dir.path() / "bad.toml";
  write_file(bad_path,
             "[modules.a]\nport = 0\ninsecure_ignore_host_key = true\npassword = \"x\"\n"
             "[modules.b]\nbogus = 1\npassword = \"y\"\ninsecure_ignore_host_key = true\n");
  const auto bad = ExporterProcess::run_binary({"--config.check", "--config.file", bad_path.string()});
  INFO(bad.output);
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("modules.a.port") != std::string::npos);
  CHECK(bad.output.find("bad.toml:2:") != std::string::npos);
  CHECK(bad.output.find("modules.b.bogus") != std::string::npos);
  CHECK(bad.output.find("bad.toml:6:") != std::string::npos);
}

TEST_CASE("the exporter refuses to start on a bad config", "[cli]") {
  TempDir dir{"spe-cli"};
  const auto bad_path = dir.path() / "bad.toml";
  write_file(bad_path, "[modules.a]\nport = \"x\"\n");
  const auto result = ExporterProcess::run_binary(
      {"--config.file", bad_path.string(), "--web.listen-address", "127.0.0.1:0"});
  CHECK(result.exit_code == 1);
  CHECK(result.output.find("modules.a.port") != std::string::npos);
}
