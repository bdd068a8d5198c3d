// Module and JumpHost -> TOML text, key by key, in the order a person would write them: connection,
// host key verification, authentication, then a module's commands and its SFTP check.
#include "config/render.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "util/duration.hpp"

namespace spe {
namespace {

// A bare TOML key when it may be one (A-Za-z0-9_-), else a quoted key.
std::string toml_key(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  return bare ? std::string(key) : toml_quote(key);
}

// Shortest round-trip form, always a TOML float ("1.0", not "1").
std::string toml_float(double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string out(buf, ec == std::errc{} ? end : buf);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

std::string toml_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + toml_quote(items[i]);
  return out + "]";
}

// Writes `key = value` lines into one table's text.
class TableWriter {
 public:
  explicit TableWriter(std::string header) : out_(std::move(header) + "\n") {}

  void raw(std::string_view key, std::string_view value) {
    out_ += std::string(key) + " = " + std::string(value) + "\n";
  }
  void string(std::string_view key, std::string_view value) { raw(key, toml_quote(value)); }
  void string_if(std::string_view key, std::string_view value) {
    if (!value.empty()) string(key, value);
  }
  void array_if(std::string_view key, const std::vector<std::string>& items) {
    if (!items.empty()) raw(key, toml_array(items));
  }
  void integer(std::string_view key, long long value) { raw(key, std::to_string(value)); }
  void boolean(std::string_view key, bool value) { raw(key, value ? "true" : "false"); }
  void secret(std::string_view key) { string(key, Secret::kMask); }

  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void write_connection(TableWriter& table, const Module& module) {
  table.integer("port", module.port);
  table.string("user", module.auth.user);
  table.string("timeout", format_duration(module.timeout));
  table.string("ip_protocol", to_string(module.ip_protocol));
  table.array_if("allowed_targets", module.allowed_targets);
  table.array_if("jump_hosts", module.jump_hosts);
  table.boolean("banner_comment", module.banner_comment);
}

void write_connection(TableWriter& table, const JumpHost& hop) {
  table.string("host", hop.host);
  table.integer("port", hop.port);
  table.string("user", hop.auth.user);
  table.string("ip_protocol", to_string(hop.ip_protocol));
  table.array_if("jump_hosts", hop.jump_hosts);
}

// Each fingerprint as written: after its key type when one was named.
std::vector<std::string> pinned_fingerprints(const HostKeyPolicy& policy) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < policy.fingerprints.size(); ++i) {
    const bool typed = i < policy.fingerprint_types.size() && !policy.fingerprint_types[i].empty();
    out.push_back(typed ? policy.fingerprint_types[i] + " " + policy.fingerprints[i] : policy.fingerprints[i]);
  }
  return out;
}

void write_host_key(TableWriter& table, const HostKeyPolicy& policy) {
  table.string_if("known_hosts", policy.known_hosts);
  table.array_if("host_key_fingerprints", pinned_fingerprints(policy));
  table.array_if("host_key_algorithms", policy.algorithms);
  table.boolean("insecure_ignore_host_key", policy.insecure_ignore);
}

// The lists as resolved at load: what the probe offers, whatever syntax the file used.
void write_algorithms(TableWriter& table, const AlgorithmChoice& algorithms) {
  table.array_if("kex_algorithms", algorithms.kex);
  table.array_if("ciphers", algorithms.ciphers);
  table.array_if("macs", algorithms.macs);
  table.array_if("pubkey_accepted_algorithms", algorithms.pubkeys);
}

// Secrets given inline are masked; those read from files are shown by path only.
void write_auth(TableWriter& table, const Auth& auth) {
  table.string_if("private_key", auth.private_key_path);
  table.string_if("certificate", auth.certificate_path);
  if (!auth.passphrase_file.empty()) {
    table.string("passphrase_file", auth.passphrase_file);
  } else if (auth.has_passphrase) {
    table.secret("passphrase");
  }
  if (!auth.password_file.empty()) {
    table.string("password_file", auth.password_file);
  } else if (auth.password) {
    table.secret("password");
  }
}

// Only a shell session has more to say than its name.
void write_session(TableWriter& table, const Session& session) {
  table.string("session", to_string(session.mode));
  if (session.mode != SessionMode::shell) return;
  if (session.prompt) table.string("prompt", session.prompt->pattern());
  table.array_if("setup_commands", session.setup_commands);
}

std::string inline_table(const auto& map, auto&& format_value) {
  std::string out = "{";
  for (const auto& [key, value] : map) {
    out += (out.size() == 1 ? " " : ", ") + toml_key(key) + " = " + format_value(value);
  }
  return out + (out.size() == 1 ? "}" : " }");
}

std::string render_gauge(const std::string& command_path, const GaugeRule& gauge) {
  TableWriter table("[[" + command_path + ".gauges]]");
  table.string("name", gauge.name);
  table.string_if("help", gauge.help);
  if (gauge.regex) table.string("regex", gauge.regex->pattern());
  table.string("value", gauge.value_group);
  if (!gauge.labels.empty()) {
    table.raw("labels", inline_table(gauge.labels, [](const std::string& v) { return toml_quote(v); }));
  }
  if (!gauge.map.empty()) table.raw("map", inline_table(gauge.map, [](double v) { return toml_float(v); }));
  table.raw("scale", toml_float(gauge.scale));
  table.string("match", gauge.match == MatchMode::each ? "each" : "first");
  return table.take();
}

// `shell`: the command is typed into a shell session, which has no exit status to expect.
std::string render_command(const std::string& module_path, const Command& command, bool shell) {
  const std::string path = module_path + ".commands";
  TableWriter table("[[" + path + "]]");
  table.string("name", command.name);
  table.string("command", command.command);
  if (command.timeout) table.string("timeout", format_duration(*command.timeout));
  if (!shell) table.integer("exit_status", command.exit_status);
  if (command.expect) table.string("expect", command.expect->pattern());
  if (command.expect_not) table.string("expect_not", command.expect_not->pattern());
  table.integer("max_output_bytes", static_cast<long long>(command.max_output_bytes));
  table.string("format", command.format == OutputFormat::prometheus ? "prometheus" : "text");
  table.string_if("prefix", command.prefix);
  std::string out = table.take();
  for (const GaugeRule& gauge : command.gauges) out += "\n" + render_gauge(path, gauge);
  return out;
}

std::string render_sftp(const std::string& module_path, const SftpCheck& sftp) {
  TableWriter table("[" + module_path + ".sftp]");
  table.string("path", sftp.path);
  table.boolean("list", sftp.list);
  table.boolean("write_test", sftp.write_test);
  if (sftp.write_test) table.integer("write_test_bytes", static_cast<long long>(sftp.write_test_bytes));
  if (sftp.min_free_bytes) table.integer("min_free_bytes", static_cast<long long>(*sftp.min_free_bytes));
  return table.take();
}

}  // namespace

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", byte);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string render_module(const Module& module) {
  const std::string path = "modules." + toml_key(module.name);
  TableWriter table("[" + path + "]");
  write_connection(table, module);
  write_session(table, module.session);
  write_host_key(table, module.host_key);
  write_algorithms(table, module.algorithms);
  write_auth(table, module.auth);
  std::string out = table.take();
  const bool shell = module.session.mode == SessionMode::shell;
  for (const Command& command : module.commands) out += "\n" + render_command(path, command, shell);
  if (module.sftp) out += "\n" + render_sftp(path, *module.sftp);
  return out;
}

std::string render_jump_host(const JumpHost& hop) {
  TableWriter table("[jump_hosts." + toml_key(hop.name) + "]");
  write_connection(table, hop);
  write_host_key(table, hop.host_key);
  write_algorithms(table, hop.algorithms);
  write_auth(table, hop.auth);
  return table.take();
}

std::string render_config(const ExporterConfig& config) {
  std::string out = "# Loaded from " + toml_quote(config.file) + "; secrets are shown as " + Secret::kMask + ".\n";
  for (const auto& [name, module] : config.modules) out += "\n" + render_module(module);
  for (const auto& [name, hop] : config.jump_hosts) out += "\n" + render_jump_host(*hop);
  return out;
}

}  // namespace spe
