// ssh_probe_exporter: wires options -> config -> HTTP server -> io threads, and handles signals,
// config reloads and the periodic timers (event-loop lag, config file changes).
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <libssh/libssh.h>

#include "cli/options.hpp"
#include "config/known_hosts.hpp"
#include "config/load.hpp"
#include "config/probe_descriptors.hpp"
#include "config/reloader.hpp"
#include "config/store.hpp"
#include "debug/history.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "http/web_config.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "probe/resolver.hpp"
#include "probe/ssh_probe.hpp"
#include "util/build_info.hpp"
#include "util/io_pool.hpp"

namespace {

namespace asio = boost::asio;

constexpr std::size_t kResolverThreads = 16;

// The longest a POST /-/reload waits for its load before it is answered 503 (the load goes on).
constexpr std::chrono::seconds kReloadAnswerBound{30};

// Descriptors the exporter holds whatever its load: standard streams, epoll, timers, listeners,
// log and config files being read.
constexpr rlim_t kReservedDescriptors = 32;

// A direct probe holds two descriptors (the socket and libssh's dup of it), three more per jump host
// (config/probe_descriptors.hpp), and its HTTP connection one: a busy exporter needs more than the
// usual soft limit of 1024. Raises the soft limit to the hard one and logs the limit it runs with,
// and how many probes of the costliest module of `config` that leaves room for.
void raise_fd_limit(spe::Logger& logger, const spe::ExporterConfig& config) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    logger.warn("cannot read the file descriptor limit", {{"err", std::strerror(errno)}});
    return;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      limit = raised;
    } else {
      logger.warn("cannot raise the file descriptor limit", {{"soft", std::to_string(limit.rlim_cur)},
                                                             {"hard", std::to_string(limit.rlim_max)},
                                                             {"err", std::strerror(errno)}});
    }
  }
  const rlim_t usable = limit.rlim_cur > kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors : 0;
  const rlim_t per_probe = spe::max_probe_descriptors(config) + 1;
  logger.info("file descriptor limit", {{"limit", std::to_string(limit.rlim_cur)},
                                        {"probes_in_flight_max", std::to_string(usable / per_probe)},
                                        {"descriptors_per_probe", std::to_string(per_probe)}});
}

std::string version_line() {
  return "ssh_probe_exporter version " + std::string(spe::build_version()) + " (revision " +
         std::string(spe::build_revision()) + ", libssh " + ssh_version(0) + ")";
}

int check_config(const spe::CliOptions& options) {
  const auto config = spe::load_config_file(options.config_file);
  if (!config) {
    std::cerr << config.error().to_string() << "\n";
    return 1;
  }
  for (const auto& warning : config->warnings) std::cerr << "warning: " << warning.to_string() << "\n";
  std::cout << options.config_file << ": config is valid (" << config->modules.size() << " modules)\n";
  return 0;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What a load found worth a look, said once per load: the config's warnings, and known_hosts lines
// OpenSSH would skip (skipped at load too), once per file.
void log_load_warnings(const spe::ExporterConfig& config, spe::Logger& logger) {
  for (const auto& warning : config.warnings) {
    logger.warn("config warning", {{"warning", warning.message}, {"at", warning.where.to_string()}});
  }
  std::set<const spe::KnownHosts*> seen;
  const auto warn_skipped = [&](const spe::HostKeyPolicy& host_key) {
    const auto& known = host_key.known_hosts_entries;
    if (known && known->skipped_count() > 0 && seen.insert(known.get()).second) {
      logger.warn("known_hosts lines skipped", {{"file", known->file()}, {"skipped", known->skipped_summary()}});
    }
  };
  for (const auto& [name, module] : config.modules) warn_skipped(module.host_key);
  for (const auto& [name, hop] : config.jump_hosts) warn_skipped(hop->host_key);
}

// The one reload: SIGHUP, POST /-/reload and the auto-reload timer all come here, through the
// Reloader's thread. A bad file keeps the previous config; either way the outcome is logged and shown
// in the reload metrics.
spe::ConfigResult<spe::ConfigSnapshot> reload_config(spe::ConfigStore& store, spe::metrics::ExporterMetrics& metrics,
                                                     spe::Logger& logger, std::string_view trigger) {
  auto reloaded = store.reload();
  metrics.config_loaded(reloaded.has_value(), unix_now());
  const std::string file = store.current()->file;
  if (!reloaded) {
    logger.error("reload failed, keeping the previous config",
                 {{"trigger", std::string(trigger)}, {"file", file}, {"err", reloaded.error().to_string()}});
  } else {
    logger.info("config reloaded", {{"trigger", std::string(trigger)},
                                    {"file", file},
                                    {"modules", std::to_string((*reloaded)->modules.size())}});
    log_load_warnings(**reloaded, logger);
  }
  return reloaded;
}

// Calls tick(late) every `interval` on the io_context, `late` being how long after its due time
// the timer's handler ran: the time an io thread took to become free. One wait is pending at a
// time, so tick never runs twice at once. Pending waits are abandoned when the io_context stops.
class Ticker {
 public:
  using Clock = std::chrono::steady_clock;
  using Tick = std::function<void(Clock::duration late)>;

  Ticker(asio::io_context& io, Clock::duration interval, Tick tick)
      : timer_(io), interval_(interval), tick_(std::move(tick)) {
    arm(Clock::now());
  }

 private:
  void arm(Clock::time_point from) {
    due_ = from + interval_;
    timer_.expires_at(due_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const auto now = Clock::now();
      tick_(now - due_);
      arm(now);
    });
  }

  asio::steady_timer timer_;
  const Clock::duration interval_;
  Tick tick_;
  Clock::time_point due_;
};

void watch_signals(asio::signal_set& signals, spe::IoPool& loops, spe::http::Server& server, spe::Reloader& reloader,
                   spe::Logger& logger) {
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reloader.request("signal");
      return watch_signals(signals, loops, server, reloader, logger);
    }
    logger.info("shutting down", {{"signal", std::to_string(signal)}});
    server.stop();
    loops.stop();
  });
}

int run(const spe::CliOptions& options) {
  spe::Logger logger(options.log_level, options.log_format, std::cerr);
  auto config = spe::load_config_file(options.config_file);
  if (!config) {
    logger.error("cannot load config", {{"file", options.config_file}, {"err", config.error().to_string()}});
    return 1;
  }
  std::vector<spe::ListenAddress> listen;
  for (const auto& text : options.listen_addresses) {
    auto address = spe::parse_listen_address(text);
    if (!address) {
      logger.error("bad listen address", {{"address", text}, {"err", address.error().message}});
      return 1;
    }
    listen.push_back(*address);
  }
  spe::http::WebConfig web_config;
  if (!options.web_config_file.empty()) {
    auto loaded = spe::http::load_web_config_file(options.web_config_file);
    if (!loaded) {
      logger.error("cannot load web config", {{"file", options.web_config_file}, {"err", loaded.error().to_string()}});
      return 1;
    }
    web_config = std::move(*loaded);
  }
  raise_fd_limit(logger, *config);
  std::signal(SIGPIPE, SIG_IGN);

  spe::IoPool loops(std::max(1u, std::thread::hardware_concurrency()));
  asio::io_context& io = loops.main();
  spe::ConfigStore store(std::make_shared<const spe::ExporterConfig>(std::move(*config)));
  spe::Resolver resolver(kResolverThreads);
  spe::metrics::ExporterMetrics metrics(std::string(spe::build_version()), std::string(spe::build_revision()),
                                        ssh_version(0));
  metrics.config_loaded(true, unix_now());
  spe::History history(
      spe::HistoryLimits{options.history_limit, options.history_max_entry_bytes, options.history_max_bytes});
  // Loads run on the reloader's own thread, never on a loop; it is destroyed before the loops, and
  // waits for a load in progress then.
  spe::Reloader reloader([&](const std::string& trigger) { return reload_config(store, metrics, logger, trigger); },
                         [&store] { return store.changed_on_disk(); }, kReloadAnswerBound);
  // A probe runs on the loop of the connection that asked for it (the calling thread's).
  const spe::http::ProbeStarter start_probe = [&loops, &resolver](spe::ProbeRequest probe, spe::ProbeCallback done) {
    return spe::start_ssh_probe(loops.local(), resolver, std::move(probe), std::move(done));
  };
  spe::http::Routes routes(spe::http::RoutesContext{start_probe, store, metrics, logger, history, reloader,
                                                    options.timeout_offset, options.max_concurrent});
  spe::http::ServerLimits server_limits;
  server_limits.max_connections = options.max_connections;
  server_limits.max_connections_per_source = options.max_connections_per_source;
  spe::http::Server server(
      loops,
      [&routes](spe::http::Request request, spe::http::Respond respond) {
        routes.handle(std::move(request), std::move(respond));
      },
      logger, server_limits);
  server.count_rejections([&metrics](spe::metrics::RejectReason reason) { metrics.request_rejected(reason); });
  if (const auto secured = server.use_web_config(web_config); !secured) {
    logger.error("cannot load web config", {{"file", options.web_config_file}, {"err", secured.error().to_string()}});
    return 1;
  }
  const auto bound = server.listen(listen);
  if (!bound) {
    logger.error("cannot listen", {{"err", bound.error().message}});
    return 1;
  }
  logger.info("starting", {{"version", std::string(spe::build_version())},
                           {"revision", std::string(spe::build_revision())},
                           {"libssh", ssh_version(0)},
                           {"config", options.config_file}});
  log_load_warnings(*store.current(), logger);
  const std::string tls = web_config.tls ? "true" : "false";
  for (const auto& address : *bound) logger.info("listening", {{"address", address}, {"tls", tls}});

  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  watch_signals(signals, loops, server, reloader, logger);
  std::vector<std::unique_ptr<Ticker>> lag_monitors;  // one per loop: a blocked loop shows as late
  for (std::size_t i = 0; i < loops.size(); ++i) {
    lag_monitors.push_back(
        std::make_unique<Ticker>(loops.loop(i), std::chrono::seconds(1), [&metrics, i](Ticker::Clock::duration late) {
          metrics.event_loop_lag(i, std::chrono::duration<double>(late).count());
        }));
  }
  std::optional<Ticker> auto_reload;
  if (options.auto_reload_interval.count() > 0) {
    // The check reads every file the config names: it runs on the reloader's thread too.
    auto_reload.emplace(io, options.auto_reload_interval,
                        [&reloader](Ticker::Clock::duration) { reloader.check("file"); });
  }

  loops.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto options = spe::parse_cli(args);
  if (!options) {
    std::cerr << "ssh_probe_exporter: " << options.error().message << "\n";
    return 2;
  }
  if (options->show_help) {
    std::cout << options->help_text;
    return 0;
  }
  if (options->show_version) {
    std::cout << version_line() << "\n";
    return 0;
  }
  ssh_init();
  const int status = options->config_check ? check_config(*options) : run(*options);
  ssh_finalize();
  return status;
}
