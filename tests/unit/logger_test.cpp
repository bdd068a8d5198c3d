#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "log/logger.hpp"

using namespace std::chrono_literals;
using spe::LogFormat;
using spe::Logger;
using spe::LogLevel;

namespace {

// 2026-11-21T22:29:51.123Z
constexpr std::chrono::system_clock::time_point kFixedTime{1'795'300'191'123ms};

spe::LogClock fixed_clock() {
  return [] { return kFixedTime; };
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("logfmt lines are ts, level, msg, then the fields in order", "[unit][log]") {
  std::ostringstream sink;
  Logger logger(LogLevel::info, LogFormat::logfmt, sink, fixed_clock());
  logger.info("listening", {{"address", "127.0.0.1:10025"}});
  logger.error("reload failed", {{"file", "exporter.toml"}, {"err", "unknown key \"x\""}});
  CHECK(sink.str() ==
        "ts=2026-11-21T22:29:51.123Z level=info msg=listening address=127.0.0.1:10025\n"
        "ts=2026-11-21T22:29:51.123Z level=error msg=\"reload failed\" file=exporter.toml "
        "err=\"unknown key \\\"x\\\"\"\n");
}

TEST_CASE("logfmt quotes values with space, '=', '\"', control characters or nothing, and escapes inside",
          "[unit][log]") {
  const auto [value, written] = GENERATE(table<std::string, std::string>({
      {"plain", "plain"},
      {"a\\b", "a\\b"},
      {"", "\"\""},
      {"a b", "\"a b\""},
      {"a=b", "\"a=b\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"back\\slash and space", "\"back\\\\slash and space\""},
      {"two\nlines", "\"two\\nlines\""},
      {"tab\there", "\"tab\\there\""},
      {"cr\r", "\"cr\\r\""},
      {std::string("nul\0", 4), "\"nul\\u0000\""},
      {"bell\a", "\"bell\\u0007\""},
      {"del\x7f", "\"del\\u007f\""},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
  }));
  CAPTURE(value);
  const spe::LogField field{"v", value};
  CHECK(spe::format_log_line(LogFormat::logfmt, kFixedTime, LogLevel::warn, "m", {&field, 1}) ==
        "ts=2026-11-21T22:29:51.123Z level=warn msg=m v=" + written);
}

TEST_CASE("logfmt replaces invalid UTF-8 as the json format does, inside quotes", "[unit][log]") {
  const auto [value, written] = GENERATE(table<std::string, std::string>({
      {"caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""},
      {"bad\xff", "\"bad\\ufffd\""},
      {"cut\xe2\x82", "\"cut\\ufffd\""},
      {"overlong\xc0\xaf", "\"overlong\\ufffd\\ufffd\""},
      {"surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\""},
      {"\x80 and \"q\"", "\"\\ufffd and \\\"q\\\"\""},
  }));
  CAPTURE(value);
  const spe::LogField field{"v", value};
  CHECK(spe::format_log_line(LogFormat::logfmt, kFixedTime, LogLevel::info, value, {&field, 1}) ==
        "ts=2026-11-21T22:29:51.123Z level=info msg=" + written + " v=" + written);
}

TEST_CASE("logfmt keys that would break the line have those characters replaced", "[unit][log]") {
  const std::vector<spe::LogField> fields{{"a b", "1"}, {"k=v", "2"}, {"", "3"}};
  CHECK(spe::format_log_line(LogFormat::logfmt, kFixedTime, LogLevel::info, "m", fields) ==
        "ts=2026-11-21T22:29:51.123Z level=info msg=m a_b=1 k_v=2 _=3");
}

TEST_CASE("logfmt fields alone are the pairs of a line, quoted the same", "[unit][log]") {
  const std::vector<spe::LogField> fields{{"hop", "bastion"}, {"err", "say \"no\"\n"}, {"a b", ""}};
  CHECK(spe::format_logfmt_fields(fields) == "hop=bastion err=\"say \\\"no\\\"\\n\" a_b=\"\"");
  const std::string line = spe::format_log_line(LogFormat::logfmt, kFixedTime, LogLevel::info, "m", fields);
  CHECK(line.ends_with(" msg=m " + spe::format_logfmt_fields(fields)));
  CHECK(spe::format_logfmt_fields({}).empty());
}

TEST_CASE("json lines are one object with ts, level, msg and the fields", "[unit][log]") {
  std::ostringstream sink;
  Logger logger(LogLevel::debug, LogFormat::json, sink, fixed_clock());
  logger.debug("phase done", {{"phase", "connect"}, {"elapsed_seconds", "0.012"}});
  logger.warn("no fields");
  CHECK(sink.str() ==
        "{\"ts\":\"2026-11-21T22:29:51.123Z\",\"level\":\"debug\",\"msg\":\"phase done\","
        "\"phase\":\"connect\",\"elapsed_seconds\":\"0.012\"}\n"
        "{\"ts\":\"2026-11-21T22:29:51.123Z\",\"level\":\"warn\",\"msg\":\"no fields\"}\n");
}

TEST_CASE("json strings escape quotes, backslashes and control characters and replace invalid UTF-8", "[unit][log]") {
  const auto [value, written] = GENERATE(table<std::string, std::string>({
      {"plain", "\"plain\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"a\\b", "\"a\\\\b\""},
      {"l1\nl2\r\t\b\f", "\"l1\\nl2\\r\\t\\b\\f\""},
      {std::string("\0\x1f", 2), "\"\\u0000\\u001f\""},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"bad\xff", "\"bad\\ufffd\""},
      // A truncated sequence is one maximal ill-formed part: one U+FFFD (Unicode best practice,
      // the same rule as label values).
      {"cut\xe2\x82", "\"cut\\ufffd\""},
      {"overlong\xc0\xaf", "\"overlong\\ufffd\\ufffd\""},
      {"surrogate\xed\xa0\x80", "\"surrogate\\ufffd\\ufffd\\ufffd\""},
  }));
  CAPTURE(value);
  const spe::LogField field{"v", value};
  CHECK(spe::format_log_line(LogFormat::json, kFixedTime, LogLevel::info, value, {&field, 1}) ==
        "{\"ts\":\"2026-11-21T22:29:51.123Z\",\"level\":\"info\",\"msg\":" + written + ",\"v\":" + written + "}");
}

TEST_CASE("lines below the minimum level are dropped and enabled says so", "[unit][log]") {
  std::ostringstream sink;
  Logger logger(LogLevel::warn, LogFormat::logfmt, sink, fixed_clock());
  CHECK_FALSE(logger.enabled(LogLevel::debug));
  CHECK_FALSE(logger.enabled(LogLevel::info));
  CHECK(logger.enabled(LogLevel::warn));
  CHECK(logger.enabled(LogLevel::error));
  logger.debug("d");
  logger.info("i");
  logger.warn("w");
  logger.error("e");
  logger.log(LogLevel::info, "i2", {{"k", "v"}});
  CHECK(sink.str() ==
        "ts=2026-11-21T22:29:51.123Z level=warn msg=w\n"
        "ts=2026-11-21T22:29:51.123Z level=error msg=e\n");
}

TEST_CASE("fields assembled at run time are logged through the span overload", "[unit][log]") {
  std::ostringstream sink;
  Logger logger(LogLevel::info, LogFormat::logfmt, sink, fixed_clock());
  std::vector<spe::LogField> fields{{"module", "disk"}, {"target", "db1:22"}};
  fields.emplace_back("phase", "auth");
  logger.log(LogLevel::info, "probe failed", std::span<const spe::LogField>(fields));
  CHECK(sink.str() ==
        "ts=2026-11-21T22:29:51.123Z level=info msg=\"probe failed\" module=disk target=db1:22 phase=auth\n");
}

TEST_CASE("timestamps are UTC with milliseconds", "[unit][log]") {
  const auto [millis, ts] = GENERATE(table<long long, std::string>({
      {0, "1970-01-01T00:00:00.000Z"},
      {1'795'300'191'123, "2026-11-21T22:29:51.123Z"},
      {951'782'400'007, "2000-02-29T00:00:00.007Z"},
      {1'704'067'199'999, "2023-12-31T23:59:59.999Z"},
  }));
  const std::chrono::system_clock::time_point time{std::chrono::milliseconds(millis)};
  CHECK(spe::format_log_line(LogFormat::logfmt, time, LogLevel::info, "m", {}) == "ts=" + ts + " level=info msg=m");
}

TEST_CASE("without a clock the logger stamps the current time", "[unit][log]") {
  std::ostringstream sink;
  Logger logger(LogLevel::info, LogFormat::logfmt, sink);
  logger.info("now");
  const std::string line = sink.str();
  REQUIRE(line.size() == std::string("ts=2026-11-21T22:29:51.123Z level=info msg=now\n").size());
  CHECK(line.starts_with("ts=20"));
  CHECK(line.ends_with("Z level=info msg=now\n"));
}

TEST_CASE("lines written from many threads never interleave", "[unit][log]") {
  std::ostringstream sink;
  Logger logger(LogLevel::info, LogFormat::logfmt, sink, fixed_clock());
  constexpr int kThreads = 8;
  constexpr int kLinesEach = 200;
  const std::string payload(200, 'x');
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kLinesEach; ++i) logger.info("tick", {{"thread", std::to_string(t)}, {"p", payload}});
      });
    }
  }
  const auto lines = lines_of(sink.str());
  REQUIRE(lines.size() == kThreads * kLinesEach);
  for (const auto& line : lines) {
    REQUIRE(line.starts_with("ts=2026-11-21T22:29:51.123Z level=info msg=tick thread="));
    REQUIRE(line.ends_with(" p=" + payload));
  }
}

TEST_CASE("log levels and formats round-trip through to_string and parse", "[unit][log]") {
  for (const auto level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    CHECK(spe::parse_log_level(spe::to_string(level)).value() == level);
  }
  for (const auto format : {LogFormat::logfmt, LogFormat::json}) {
    CHECK(spe::parse_log_format(spe::to_string(format)).value() == format);
  }
  CHECK(spe::to_string(LogLevel::warn) == "warn");
  CHECK(spe::to_string(LogFormat::json) == "json");
  CHECK(spe::parse_log_level("warning").error().message ==
        "invalid value \"warning\" (expected debug, info, warn or error)");
  CHECK(spe::parse_log_format("").error().message == "invalid value \"\" (expected logfmt or json)");
}
