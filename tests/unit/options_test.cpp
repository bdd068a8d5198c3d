#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/options.hpp"

using namespace std::chrono_literals;
using spe::parse_cli;
using spe::parse_listen_address;

TEST_CASE("no flags give the documented defaults", "[unit][cli]") {
  const auto options = parse_cli({});
  REQUIRE(options.has_value());
  CHECK(options->config_file == "exporter.toml");
  CHECK_FALSE(options->config_check);
  CHECK(options->listen_addresses == std::vector<std::string>{":10025"});
  CHECK(options->timeout_offset == 500ms);
  CHECK(options->log_level == spe::LogLevel::info);
  CHECK(options->log_format == spe::LogFormat::logfmt);
  CHECK_FALSE(options->show_version);
  CHECK_FALSE(options->show_help);
  CHECK_FALSE(options->help_text.empty());
}

TEST_CASE("every flag is read, with '=' or as the next argument", "[unit][cli]") {
  const auto options = parse_cli({"--config.file=/etc/spe.toml", "--config.check", "--web.listen-address",
                                  "127.0.0.1:9115", "--web.listen-address=[::1]:9115", "--timeout-offset=1s",
                                  "--log.level", "debug", "--log.format=json", "--version", "-h"});
  REQUIRE(options.has_value());
  CHECK(options->config_file == "/etc/spe.toml");
  CHECK(options->config_check);
  CHECK(options->listen_addresses == std::vector<std::string>{"127.0.0.1:9115", "[::1]:9115"});
  CHECK(options->timeout_offset == 1s);
  CHECK(options->log_level == spe::LogLevel::debug);
  CHECK(options->log_format == spe::LogFormat::json);
  CHECK(options->show_version);
  CHECK(options->show_help);
}

TEST_CASE("log level, log format and timeout offset accept each documented value", "[unit][cli]") {
  const auto [flag, level, format, offset_ms] = GENERATE(table<std::string, spe::LogLevel, spe::LogFormat, int>({
      {"--log.level=debug", spe::LogLevel::debug, spe::LogFormat::logfmt, 500},
      {"--log.level=info", spe::LogLevel::info, spe::LogFormat::logfmt, 500},
      {"--log.level=warn", spe::LogLevel::warn, spe::LogFormat::logfmt, 500},
      {"--log.level=error", spe::LogLevel::error, spe::LogFormat::logfmt, 500},
      {"--log.format=logfmt", spe::LogLevel::info, spe::LogFormat::logfmt, 500},
      {"--log.format=json", spe::LogLevel::info, spe::LogFormat::json, 500},
      {"--timeout-offset=0s", spe::LogLevel::info, spe::LogFormat::logfmt, 0},
      {"--timeout-offset=250ms", spe::LogLevel::info, spe::LogFormat::logfmt, 250},
      {"--timeout-offset=1.5s", spe::LogLevel::info, spe::LogFormat::logfmt, 1500},
  }));
  CAPTURE(flag);
  const auto options = parse_cli({flag});
  REQUIRE(options.has_value());
  CHECK(options->log_level == level);
  CHECK(options->log_format == format);
  CHECK(options->timeout_offset.count() == offset_ms);
}

TEST_CASE("a bad command line is one invalid_argument line naming the flag", "[unit][cli]") {
  using Args = std::vector<std::string>;
  const auto [args, message] = GENERATE(table<Args, std::string>({
      {Args{"--foo"}, "unrecognised option '--foo'"},
      {Args{"--log"}, "unrecognised option '--log'"},
      {Args{"-x"}, "unrecognised option '-x'"},
      {Args{"--log.level"}, "the required argument for option '--log.level' is missing"},
      {Args{"--log.level=loud"}, "--log.level: invalid value \"loud\" (expected debug, info, warn or error)"},
      {Args{"--log.level=INFO"}, "--log.level: invalid value \"INFO\" (expected debug, info, warn or error)"},
      {Args{"--log.format=text"}, "--log.format: invalid value \"text\" (expected logfmt or json)"},
      {Args{"--timeout-offset=5x"}, "--timeout-offset: invalid duration \"5x\": unknown unit \"x\""},
      {Args{"--web.listen-address=localhost"}, "--web.listen-address: missing port in \"localhost\""},
      {Args{"--web.listen-address=:http"},
       "--web.listen-address: invalid port \"http\" in \":http\" (expected 0-65535)"},
      {Args{"--config.file", ""}, "--config.file: must not be empty"},
      {Args{"--config.file="},
       "the argument for option '--config.file' should follow immediately after the equal sign"},
      {Args{"--config.check=yes"}, "option '--config.check' does not take any arguments"},
      {Args{"--log.level=info", "--log.level=debug"}, "option '--log.level' cannot be specified more than once"},
      {Args{"serve"}, "unexpected argument \"serve\""},
  }));
  CAPTURE(args);
  const auto options = parse_cli(args);
  REQUIRE_FALSE(options.has_value());
  CHECK(options.error().code == spe::ErrorCode::invalid_argument);
  CHECK(options.error().message == message);
}

TEST_CASE("help text has the usage line and every flag with its default", "[unit][cli]") {
  const auto options = parse_cli({"--help"});
  REQUIRE(options.has_value());
  const std::string& help = options->help_text;
  CHECK(help.starts_with("usage: ssh_probe_exporter [options]\n"));
  for (const char* expected :
       {"--config.file FILE (=exporter.toml)", "--config.check", "--web.listen-address ADDR (=:10025)",
        "--timeout-offset DURATION (=0.5s)", "--log.level LEVEL (=info)", "--log.format FORMAT (=logfmt)", "--version",
        "-h [ --help ]"}) {
    CAPTURE(expected);
    CHECK(help.find(expected) != std::string::npos);
  }
  CHECK(help.find("positional") == std::string::npos);
}

TEST_CASE("listen addresses split into host and port; an empty host is every interface", "[unit][cli]") {
  const auto [input, host, port] = GENERATE(table<std::string, std::string, int>({
      {":10025", "", 10025},
      {"127.0.0.1:9", "127.0.0.1", 9},
      {"[::1]:9", "::1", 9},
      {"[::]:10025", "::", 10025},
      {"localhost:9", "localhost", 9},
      {"127.0.0.1:0", "127.0.0.1", 0},
      {":65535", "", 65535},
  }));
  CAPTURE(input);
  const auto address = parse_listen_address(input);
  REQUIRE(address.has_value());
  CHECK(address->host == host);
  CHECK(address->port == port);
}

TEST_CASE("bad listen addresses say what is missing or wrong", "[unit][cli]") {
  const auto [input, message] = GENERATE(table<std::string, std::string>({
      {"", "empty listen address"},
      {"localhost", "missing port in \"localhost\""},
      {"localhost:", "missing port in \"localhost:\""},
      {":", "missing port in \":\""},
      {"[::1]", "missing port in \"[::1]\""},
      {"[::1]9", "missing port in \"[::1]9\""},
      {"[::1", "missing closing ']' in \"[::1\""},
      {"[host]:9", "invalid IPv6 address \"host\" in \"[host]:9\""},
      {"::1:9", "an IPv6 address needs brackets: \"[::1]:port\""},
      {"host:65536", "invalid port \"65536\" in \"host:65536\" (expected 0-65535)"},
      {"host:-1", "invalid port \"-1\" in \"host:-1\" (expected 0-65535)"},
      {"host:99999999999999999999",
       "invalid port \"99999999999999999999\" in \"host:99999999999999999999\" "
       "(expected 0-65535)"},
      {"a b:9", "invalid host \"a b\" in \"a b:9\": invalid character ' ' in host name"},
  }));
  CAPTURE(input);
  const auto address = parse_listen_address(input);
  REQUIRE_FALSE(address.has_value());
  CHECK(address.error().code == spe::ErrorCode::invalid_argument);
  CHECK(address.error().message == message);
}

TEST_CASE("operations flags: web config, history, concurrency limit, auto reload", "[unit][cli]") {
  const auto defaults = parse_cli({});
  REQUIRE(defaults.has_value());
  CHECK(defaults->web_config_file.empty());
  CHECK(defaults->history_limit == 100);
  CHECK(defaults->max_concurrent == 0);
  CHECK(defaults->auto_reload_interval == 0ms);
  CHECK(defaults->max_connections == 10'000);
  CHECK(defaults->max_connections_per_source == 0);

  const auto options = parse_cli({"--web.config.file=/etc/spe/web.toml", "--history.limit", "7",
                                  "--probe.max-concurrent=250", "--config.auto-reload-interval", "30s"});
  REQUIRE(options.has_value());
  CHECK(options->web_config_file == "/etc/spe/web.toml");
  CHECK(options->history_limit == 7);
  CHECK(options->max_concurrent == 250);
  CHECK(options->auto_reload_interval == 30s);
  CHECK(parse_cli({"--history.limit=0"})->history_limit == 0);
  CHECK(parse_cli({"--web.max-connections=20"})->max_connections == 20);
  CHECK(parse_cli({"--web.max-connections-per-source=256"})->max_connections_per_source == 256);
}

TEST_CASE("history byte caps: 1 MiB per entry and 64 MiB in all by default, in B, KiB, MiB or GiB", "[unit][cli]") {
  const auto defaults = parse_cli({});
  REQUIRE(defaults.has_value());
  CHECK(defaults->history_max_entry_bytes == 1024 * 1024);
  CHECK(defaults->history_max_bytes == 64 * 1024 * 1024);
  const auto [text, bytes] = GENERATE(table<std::string, std::size_t>({
      {"0", 0},
      {"4096", 4096},
      {"512B", 512},
      {"16KiB", 16 * 1024},
      {"3MiB", 3 * 1024 * 1024},
      {"2GiB", std::size_t{2} << 30},
      {"1024GiB", std::size_t{1} << 40},
  }));
  CAPTURE(text);
  const auto options = parse_cli({"--history.max-entry-bytes=" + text, "--history.max-bytes", text});
  REQUIRE(options.has_value());
  CHECK(options->history_max_entry_bytes == bytes);
  CHECK(options->history_max_bytes == bytes);
}

TEST_CASE("history byte caps: a bad size names the flag", "[unit][cli]") {
  const auto [flag, text] = GENERATE(table<std::string, std::string>({
      {"--history.max-bytes", "-1"},
      {"--history.max-bytes", "1MB"},
      {"--history.max-bytes", "MiB"},
      {"--history.max-entry-bytes", "1.5MiB"},
      {"--history.max-entry-bytes", " 1MiB"},
      {"--history.max-entry-bytes", "1025GiB"},
      {"--history.max-entry-bytes", "99999999999999999999999"},
  }));
  CAPTURE(flag, text);
  const auto options = parse_cli({flag + "=" + text});
  REQUIRE_FALSE(options.has_value());
  CHECK(options.error().message ==
        flag + ": invalid size \"" + text + "\" (expected a whole number of B, KiB, MiB or GiB, up to 1TiB)");
}

TEST_CASE("operations flags: bad values name the flag", "[unit][cli]") {
  const auto [flag, message] = GENERATE(table<std::string, std::string>({
      {"--history.limit=-1", "--history.limit: invalid value \"-1\" (expected a whole number from 0 to 1000000)"},
      {"--history.limit=ten", "--history.limit: invalid value \"ten\" (expected a whole number from 0 to 1000000)"},
      {"--probe.max-concurrent=1000001",
       "--probe.max-concurrent: invalid value \"1000001\" (expected a whole number from 0 to 1000000)"},
      {"--probe.max-concurrent=1e3",
       "--probe.max-concurrent: invalid value \"1e3\" (expected a whole number from 0 to 1000000)"},
      {"--web.max-connections=0", "--web.max-connections: must be at least 1 (got 0)"},
      {"--web.max-connections-per-source=x",
       "--web.max-connections-per-source: invalid value \"x\" (expected a whole number from 0 to 1000000)"},
      {"--web.max-connections=-5",
       "--web.max-connections: invalid value \"-5\" (expected a whole number from 0 to 1000000)"},
  }));
  CAPTURE(flag);
  const auto options = parse_cli({flag});
  REQUIRE_FALSE(options.has_value());
  CHECK(options.error().message == message);
  const auto interval = parse_cli({"--config.auto-reload-interval=soon"});
  REQUIRE_FALSE(interval.has_value());
  CHECK(interval.error().message.starts_with("--config.auto-reload-interval: invalid duration \"soon\""));
}

TEST_CASE("--help lists the operations flags", "[unit][cli]") {
  const auto options = parse_cli({});
  REQUIRE(options.has_value());
  for (const char* flag :
       {"--web.config.file", "--history.limit", "--probe.max-concurrent", "--config.auto-reload-interval",
        "--web.max-connections", "--web.max-connections-per-source"}) {
    INFO(flag);
    CHECK(options->help_text.find(flag) != std::string::npos);
  }
}
