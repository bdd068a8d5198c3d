// Line formatting (logfmt as go-logfmt writes it, JSON) and the locked write of whole lines.
#include "log/logger.hpp"
#include "util/utf8.hpp"

#include <cstdio>
#include <ctime>

namespace spe {
namespace {

// "2026-11-21T22:29:51.123Z": UTC, milliseconds, as Prometheus' go-kit logger writes.
std::string format_timestamp(std::chrono::system_clock::time_point ts) {
  const auto millis = std::chrono::floor<std::chrono::milliseconds>(ts.time_since_epoch());
  const auto seconds = std::chrono::floor<std::chrono::seconds>(millis);
  const std::time_t time = seconds.count();
  std::tm utc{};
  gmtime_r(&time, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>((millis - seconds).count()));
  return buf;
}

void append_unicode_escape(std::string& out, unsigned code) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", code);
  out += buf;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// `text` with each ASCII byte written by `ascii`, each well-formed multi-byte UTF-8 sequence as
// it is and each ill-formed part as the escape \ufffd (the unit valid_utf8_prefix names), so a
// line is valid UTF-8 whatever a field held. Shared by both formats.
template <typename AsciiWriter>
void append_utf8_escaped(std::string& out, std::string_view text, AsciiWriter ascii) {
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ascii(out, byte);
      ++i;
    } else if (std::size_t bad = 0, length = valid_utf8_prefix(text.substr(i), bad); length > 0) {
      out += text.substr(i, length);
      i += length;
    } else {
      out += "\\ufffd";
      i += bad;
    }
  }
}

// --- logfmt ---

// As go-logfmt decides: quoted when empty or holding a space, '=', '"', a control character or
// bytes that are not UTF-8 (which are only written escaped, inside quotes).
bool logfmt_needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == ' ' || c == '=' || c == '"' || is_control(byte)) return true;
  }
  return !is_valid_utf8(value);
}

void append_logfmt_char(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (is_control(c)) {
        append_unicode_escape(out, c);
      } else {
        out += static_cast<char>(c);
      }
  }
}

void append_logfmt_value(std::string& out, std::string_view value) {
  if (!logfmt_needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  append_utf8_escaped(out, value, append_logfmt_char);
  out += '"';
}

// Keys come from code, but a stray space or '=' would make the line unparseable: replace them.
void append_logfmt_key(std::string& out, std::string_view key) {
  if (key.empty()) {
    out += '_';
    return;
  }
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    out += (byte <= ' ' || c == '=' || c == '"' || byte == 0x7f) ? '_' : c;
  }
}

void append_logfmt_pair(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ' ';
  append_logfmt_key(out, key);
  out += '=';
  append_logfmt_value(out, value);
}

// --- JSON ---

void append_json_char(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20) {
        append_unicode_escape(out, c);
      } else {
        out += static_cast<char>(c);
      }
  }
}

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  append_utf8_escaped(out, text, append_json_char);
  out += '"';
}

void append_json_member(std::string& out, std::string_view key, std::string_view value) {
  out += out.size() > 1 ? "," : "";
  append_json_string(out, key);
  out += ':';
  append_json_string(out, value);
}

}  // namespace

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "error";
}

std::string_view to_string(LogFormat format) {
  switch (format) {
    case LogFormat::logfmt: return "logfmt";
    case LogFormat::json: return "json";
  }
  return "logfmt";
}

Result<LogLevel> parse_log_level(std::string_view text) {
  for (const auto level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    if (text == to_string(level)) return level;
  }
  return fail(ErrorCode::invalid_argument,
              "invalid value \"" + std::string(text) + "\" (expected debug, info, warn or error)");
}

Result<LogFormat> parse_log_format(std::string_view text) {
  for (const auto format : {LogFormat::logfmt, LogFormat::json}) {
    if (text == to_string(format)) return format;
  }
  return fail(ErrorCode::invalid_argument, "invalid value \"" + std::string(text) + "\" (expected logfmt or json)");
}

std::string format_log_line(LogFormat format, std::chrono::system_clock::time_point ts, LogLevel level,
                            std::string_view msg, std::span<const LogField> fields) {
  std::string line;
  const auto append = format == LogFormat::json ? append_json_member : append_logfmt_pair;
  if (format == LogFormat::json) line += '{';
  append(line, "ts", format_timestamp(ts));
  append(line, "level", to_string(level));
  append(line, "msg", msg);
  for (const auto& [key, value] : fields) append(line, key, value);
  if (format == LogFormat::json) line += '}';
  return line;
}

std::string format_logfmt_fields(std::span<const LogField> fields) {
  std::string line;
  for (const auto& [key, value] : fields) append_logfmt_pair(line, key, value);
  return line;
}

Logger::Logger(LogLevel min_level, LogFormat format, std::ostream& sink, LogClock clock)
    : min_level_(min_level), format_(format), clock_(std::move(clock)), sink_(sink) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

void Logger::log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  log(level, msg, std::span<const LogField>(fields.begin(), fields.size()));
}

void Logger::log(LogLevel level, std::string_view msg, std::span<const LogField> fields) {
  if (!enabled(level)) return;
  std::string line = format_log_line(format_, clock_(), level, msg, fields);
  line += '\n';
  const std::lock_guard lock(mutex_);
  sink_.write(line.data(), static_cast<std::streamsize>(line.size()));
  sink_.flush();
}

}  // namespace spe
