// Command line -> CliOptions (Boost.Program_options). Pure: testable from an argv vector.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "http/listen_address.hpp"
#include "log/logger.hpp"  // LogLevel, LogFormat
#include "util/result.hpp"

namespace spe {

struct CliOptions {
  std::string config_file = "exporter.toml";
  bool config_check = false;
  std::vector<std::string> listen_addresses;  // default {":10025"}
  std::chrono::milliseconds timeout_offset{500};
  std::string web_config_file;                        // TLS and basic auth; empty: plain HTTP, no auth
  std::size_t max_connections = 10'000;               // HTTP connections open at once (at least 1)
  std::size_t max_connections_per_source = 0;         // of them from one client address; 0: no cap
  std::size_t history_limit = 100;                    // probes kept for /logs, and as many failures
  std::size_t history_max_entry_bytes = 1 << 20;      // one history entry at most (its debug text is cut)
  std::size_t history_max_bytes = 64 << 20;           // the whole history at most (the oldest go first)
  std::size_t max_concurrent = 0;                     // probes in flight; 0: no limit
  std::chrono::milliseconds auto_reload_interval{0};  // 0: reload only on SIGHUP and /-/reload
  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::logfmt;
  bool show_version = false;
  bool show_help = false;
  std::string help_text;  // filled always: what --help prints
};

// `args` are the arguments after the program name (argv + 1 .. argv + argc).
// A bad flag or value: invalid_argument with one line naming the flag and the problem.
Result<CliOptions> parse_cli(const std::vector<std::string>& args);

// "host:port", ":port" or "[v6]:port" -> (host, port). Empty host = every interface.
using ListenAddress = http::ListenAddress;
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace spe
