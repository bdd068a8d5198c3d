// Structured logging: one line per event, key=value (logfmt) or one JSON object, as Prometheus
// exporters write them: `ts=2026-11-21T22:29:51.123Z level=info msg=listening address=:10025`.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "util/result.hpp"

namespace spe {

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { logfmt, json };

// "debug", "info", "warn", "error" / "logfmt", "json": the spellings of --log.level and --log.format.
std::string_view to_string(LogLevel level);
std::string_view to_string(LogFormat format);

// The inverse of to_string. Anything else is invalid_argument:
// `invalid value "loud" (expected debug, info, warn or error)`.
Result<LogLevel> parse_log_level(std::string_view text);
Result<LogFormat> parse_log_format(std::string_view text);

// One key and its value. Keys are code literals (`module`, `target`, `phase`, `err`, ...); values
// are anything, quoted and escaped as the format needs. The key must outlive the call only.
using LogField = std::pair<std::string_view, std::string>;
using LogClock = std::function<std::chrono::system_clock::time_point()>;

// One whole line, without the trailing newline. Pure. Order: ts, level, msg, then `fields` in order.
// logfmt quotes a value that is empty or holds a space, '=', '"' or a control character, escaping
// `\"`, `\\`, `\n`, `\r`, `\t` (other control characters as \u00XX) inside the quotes; json writes
// one object with every value a JSON string, invalid UTF-8 replaced by U+FFFD.
std::string format_log_line(LogFormat format, std::chrono::system_clock::time_point ts, LogLevel level,
                            std::string_view msg, std::span<const LogField> fields);

// The logfmt pairs alone, `key=value key2="a b"`, quoted and escaped as format_log_line writes them. Pure.
std::string format_logfmt_fields(std::span<const LogField> fields);

// Writes lines at or above a minimum level to a stream. Thread-safe: lines are formatted outside
// the lock and each whole line is written (and flushed) under one mutex, so lines never interleave.
// The sink must outlive the logger and must not be written to by anyone else meanwhile.
class Logger {
 public:
  // `clock` gives each line's timestamp; empty means std::chrono::system_clock::now (tests inject one).
  Logger(LogLevel min_level, LogFormat format, std::ostream& sink, LogClock clock = {});

  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Whether a line at `level` would be written; check it before building costly fields.
  bool enabled(LogLevel level) const { return level >= min_level_; }
  LogFormat format() const { return format_; }

  void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  // The same, for callers that assemble fields at run time (a ProbeLog adding module and target).
  void log(LogLevel level, std::string_view msg, std::span<const LogField> fields);

  void debug(std::string_view msg, std::initializer_list<LogField> fields = {}) { log(LogLevel::debug, msg, fields); }
  void info(std::string_view msg, std::initializer_list<LogField> fields = {}) { log(LogLevel::info, msg, fields); }
  void warn(std::string_view msg, std::initializer_list<LogField> fields = {}) { log(LogLevel::warn, msg, fields); }
  void error(std::string_view msg, std::initializer_list<LogField> fields = {}) { log(LogLevel::error, msg, fields); }

 private:
  const LogLevel min_level_;
  const LogFormat format_;
  LogClock clock_;
  std::mutex mutex_;  // guards sink_
  std::ostream& sink_;
};

}  // namespace spe
