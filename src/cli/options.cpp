// Command line -> CliOptions with Boost.Program_options. Program_options throws; every exception is turned into
// one invalid_argument line here (docs/development.md, "Error handling": convert at the edge, once).
#include "cli/options.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdint>
#include <sstream>

#include "util/duration.hpp"
#include "util/target.hpp"

namespace spe {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kUsage =
    "usage: ssh_probe_exporter [options]\n\n"
    "Prometheus exporter that probes hosts over SSH.\n\n";
constexpr int kHelpLineLength = 100;

// Flag values as typed, before validation.
struct RawCli {
  std::string config_file;
  bool config_check = false;
  std::vector<std::string> listen_addresses;
  std::string timeout_offset;
  std::string web_config_file;
  std::string max_connections;
  std::string max_connections_per_source;
  std::string history_limit;
  std::string history_max_entry_bytes;
  std::string history_max_bytes;
  std::string max_concurrent;
  std::string auto_reload_interval;
  std::string log_level;
  std::string log_format;
  bool version = false;
  bool help = false;
  std::vector<std::string> positional;
};

po::options_description visible_options(RawCli& raw) {
  po::options_description options("Options", kHelpLineLength);
  options.add_options()("config.file", po::value(&raw.config_file)->value_name("FILE")->default_value("exporter.toml"),
                        "Configuration file (TOML) with the probe modules.")(
      "config.check", po::bool_switch(&raw.config_check),
      "Check the configuration file and exit (0 valid, 1 invalid); warnings go to standard error.")(
      "web.listen-address",
      po::value(&raw.listen_addresses)
          ->value_name("ADDR")
          ->default_value(std::vector<std::string>{":10025"}, ":10025"),
      "Address to listen on (host:port, [v6]:port); repeatable.")(
      "timeout-offset", po::value(&raw.timeout_offset)->value_name("DURATION")->default_value("0.5s"),
      "Taken off Prometheus' scrape timeout to leave time to reply.")(
      "web.config.file", po::value(&raw.web_config_file)->value_name("FILE")->default_value(""),
      "Web config (TOML): TLS certificate and key, client CA, basic-auth users. Empty: plain HTTP, no auth.")(
      "web.max-connections", po::value(&raw.max_connections)->value_name("N")->default_value("10000"),
      "HTTP connections open at once. One more closes the connection idle longest; if none is idle, it is closed.")(
      "web.max-connections-per-source",
      po::value(&raw.max_connections_per_source)->value_name("N")->default_value("0"),
      "HTTP connections open at once from one client address; one more is closed. 0: no cap.")(
      "history.limit", po::value(&raw.history_limit)->value_name("N")->default_value("100"),
      "Recent probes kept for the landing page and /logs; as many failures are kept besides. 0 keeps none.")(
      "history.max-entry-bytes", po::value(&raw.history_max_entry_bytes)->value_name("SIZE")->default_value("1MiB"),
      "Bytes one history entry keeps at most; a longer debug text is cut, saying so (B, KiB, MiB, GiB).")(
      "history.max-bytes", po::value(&raw.history_max_bytes)->value_name("SIZE")->default_value("64MiB"),
      "Bytes the whole history keeps at most; the oldest entries go first, failures last.")(
      "probe.max-concurrent", po::value(&raw.max_concurrent)->value_name("N")->default_value("0"),
      "Probes in flight at most; more get 503 with Retry-After. 0: no limit.")(
      "config.auto-reload-interval", po::value(&raw.auto_reload_interval)->value_name("DURATION")->default_value("0s"),
      "Reload the config when its file changes, checking this often. 0s: only on SIGHUP and POST /-/reload.")(
      "log.level", po::value(&raw.log_level)->value_name("LEVEL")->default_value("info"),
      "Log only at or above this level: debug, info, warn or error.")(
      "log.format", po::value(&raw.log_format)->value_name("FORMAT")->default_value("logfmt"),
      "Log line format: logfmt or json.")("version", po::bool_switch(&raw.version), "Print the version and exit.")(
      "help,h", po::bool_switch(&raw.help), "Print this help and exit.");
  return options;
}

std::string help_text(const po::options_description& visible) {
  std::ostringstream out;
  out << kUsage << visible;
  return out.str();
}

Result<RawCli> parse_raw(const std::vector<std::string>& args, std::string& help) {
  RawCli raw;
  const auto visible = visible_options(raw);
  help = help_text(visible);
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&raw.positional));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("positional", -1);
  // Prefix guessing ("--log" for "--log.level") is off: Prometheus' flags have no abbreviations.
  const int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
  try {
    po::variables_map values;
    po::store(po::command_line_parser(args).options(all).positional(positional).style(style).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    return fail(ErrorCode::invalid_argument, e.what());
  }
  return raw;
}

// A count from 0 to 1,000,000: digits only, so "-1" is refused rather than wrapped around.
Result<std::size_t> parse_count(std::string_view text) {
  constexpr std::size_t kMax = 1'000'000;
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const bool digits = !text.empty() &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || ec != std::errc{} || end != text.data() + text.size() || value > kMax) {
    return fail(ErrorCode::invalid_argument,
                "invalid value \"" + std::string(text) + "\" (expected a whole number from 0 to 1000000)");
  }
  return value;
}

// A byte count: digits, then optionally B, KiB, MiB or GiB ("64MiB"), up to 1 TiB.
Result<std::size_t> parse_byte_size(std::string_view text) {
  constexpr std::uint64_t kMax = std::uint64_t{1} << 40;
  constexpr std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"GiB", 1ULL << 30}, {"MiB", 1ULL << 20}, {"KiB", 1ULL << 10}, {"B", 1}, {"", 1}};
  const auto fail_size = [text] {
    return fail(ErrorCode::invalid_argument, "invalid size \"" + std::string(text) +
                                                 "\" (expected a whole number of B, KiB, MiB or GiB, up to 1TiB)");
  };
  const auto unit = std::ranges::find_if(kUnits, [text](const auto& u) { return text.ends_with(u.first); });
  const std::string_view digits = text.substr(0, text.size() - unit->first.size());
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value > kMax / unit->second) {
    return fail_size();
  }
  return static_cast<std::size_t>(value * unit->second);
}

// Prefixes a value error with the flag it belongs to.
std::unexpected<Error> flag_error(std::string_view flag, const Error& error) {
  return fail(ErrorCode::invalid_argument, "--" + std::string(flag) + ": " + error.message);
}

Result<CliOptions> validate(RawCli raw, std::string help) {
  if (!raw.positional.empty()) {
    return fail(ErrorCode::invalid_argument, "unexpected argument \"" + raw.positional.front() + "\"");
  }
  CliOptions options;
  if (raw.config_file.empty()) return fail(ErrorCode::invalid_argument, "--config.file: must not be empty");
  options.config_file = std::move(raw.config_file);
  options.config_check = raw.config_check;
  for (const auto& address : raw.listen_addresses) {
    if (auto parsed = parse_listen_address(address); !parsed) return flag_error("web.listen-address", parsed.error());
  }
  options.listen_addresses = std::move(raw.listen_addresses);
  const auto offset = parse_duration(raw.timeout_offset);
  if (!offset) return flag_error("timeout-offset", offset.error());
  options.timeout_offset = *offset;
  options.web_config_file = std::move(raw.web_config_file);
  const auto max_connections = parse_count(raw.max_connections);
  if (!max_connections) return flag_error("web.max-connections", max_connections.error());
  if (*max_connections == 0) {
    return fail(ErrorCode::invalid_argument, "--web.max-connections: must be at least 1 (got 0)");
  }
  options.max_connections = *max_connections;
  const auto per_source = parse_count(raw.max_connections_per_source);
  if (!per_source) return flag_error("web.max-connections-per-source", per_source.error());
  options.max_connections_per_source = *per_source;
  const auto history = parse_count(raw.history_limit);
  if (!history) return flag_error("history.limit", history.error());
  options.history_limit = *history;
  const auto entry_bytes = parse_byte_size(raw.history_max_entry_bytes);
  if (!entry_bytes) return flag_error("history.max-entry-bytes", entry_bytes.error());
  options.history_max_entry_bytes = *entry_bytes;
  const auto history_bytes = parse_byte_size(raw.history_max_bytes);
  if (!history_bytes) return flag_error("history.max-bytes", history_bytes.error());
  options.history_max_bytes = *history_bytes;
  const auto max_concurrent = parse_count(raw.max_concurrent);
  if (!max_concurrent) return flag_error("probe.max-concurrent", max_concurrent.error());
  options.max_concurrent = *max_concurrent;
  const auto interval = parse_duration(raw.auto_reload_interval);
  if (!interval) return flag_error("config.auto-reload-interval", interval.error());
  options.auto_reload_interval = *interval;
  const auto level = parse_log_level(raw.log_level);
  if (!level) return flag_error("log.level", level.error());
  options.log_level = *level;
  const auto format = parse_log_format(raw.log_format);
  if (!format) return flag_error("log.format", format.error());
  options.log_format = *format;
  options.show_version = raw.version;
  options.show_help = raw.help;
  options.help_text = std::move(help);
  return options;
}

Result<unsigned short> parse_listen_port(std::string_view port, std::string_view text) {
  if (port.empty()) return fail(ErrorCode::invalid_argument, "missing port in \"" + std::string(text) + "\"");
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  const bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return fail(ErrorCode::invalid_argument,
                "invalid port \"" + std::string(port) + "\" in \"" + std::string(text) + "\" (expected 0-65535)");
  }
  return static_cast<unsigned short>(value);
}

Result<ListenAddress> parse_bracketed_listen_address(std::string_view text) {
  const auto close = text.find(']');
  if (close == std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "missing closing ']' in \"" + std::string(text) + "\"");
  }
  const std::string host(text.substr(1, close - 1));
  in6_addr addr{};
  if (inet_pton(AF_INET6, host.c_str(), &addr) != 1) {
    return fail(ErrorCode::invalid_argument, "invalid IPv6 address \"" + host + "\" in \"" + std::string(text) + "\"");
  }
  const std::string_view rest = text.substr(close + 1);
  if (rest.empty() || rest.front() != ':') {
    return fail(ErrorCode::invalid_argument, "missing port in \"" + std::string(text) + "\"");
  }
  const auto port = parse_listen_port(rest.substr(1), text);
  if (!port) return std::unexpected(port.error());
  return ListenAddress{host, *port};
}

}  // namespace

Result<CliOptions> parse_cli(const std::vector<std::string>& args) {
  std::string help;
  auto raw = parse_raw(args, help);
  if (!raw) return std::unexpected(raw.error());
  return validate(std::move(*raw), std::move(help));
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  if (text.empty()) return fail(ErrorCode::invalid_argument, "empty listen address");
  if (text.front() == '[') return parse_bracketed_listen_address(text);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "missing port in \"" + std::string(text) + "\"");
  }
  const std::string_view host = text.substr(0, colon);
  if (host.find(':') != std::string_view::npos) {
    return fail(ErrorCode::invalid_argument, "an IPv6 address needs brackets: \"[" + std::string(host) + "]:port\"");
  }
  if (!host.empty()) {
    // The same rules as a probe target's host: a name or an IPv4 address, nothing else.
    if (auto target = parse_target(host); !target) {
      return fail(ErrorCode::invalid_argument, "invalid host \"" + std::string(host) + "\" in \"" + std::string(text) +
                                                   "\": " + target.error().message);
    }
  }
  const auto port = parse_listen_port(text.substr(colon + 1), text);
  if (!port) return std::unexpected(port.error());
  return ListenAddress{std::string(host), *port};
}

}  // namespace spe
