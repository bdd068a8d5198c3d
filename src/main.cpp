// ssh_probe_exporter: wires options -> config -> HTTP server -> io threads, and handles signals.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <libssh/libssh.h>

#include "cli/options.hpp"
#include "config/load.hpp"
#include "config/store.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "log/logger.hpp"
#include "metrics/exporter_metrics.hpp"
#include "probe/resolver.hpp"

namespace {

namespace asio = boost::asio;

constexpr std::size_t kResolverThreads = 16;

// Each probe holds two descriptors (the socket and libssh's dup of it) and its HTTP connection a
// third: a busy exporter needs more than the usual soft limit of 1024.
void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string version_line() {
  return std::string("ssh_probe_exporter version " SPE_VERSION " (revision " SPE_REVISION ", libssh ") +
         ssh_version(0) + ")";
}

int check_config(const spe::CliOptions& options) {
  const auto config = spe::load_config_file(options.config_file);
  if (!config) {
    std::cerr << config.error().to_string() << "\n";
    return 1;
  }
  std::cout << options.config_file << ": config is valid (" << config->modules.size() << " modules)\n";
  return 0;
}

void reload(spe::ConfigStore& store, const std::string& file, spe::Logger& logger) {
  auto next = spe::load_config_file(file);
  if (!next) {
    logger.error("reload failed, keeping the previous config", {{"file", file}, {"err", next.error().to_string()}});
    return;
  }
  const auto modules = std::to_string(next->modules.size());
  store.replace(std::make_shared<const spe::ExporterConfig>(std::move(*next)));
  logger.info("config reloaded", {{"file", file}, {"modules", modules}});
}

void watch_signals(asio::signal_set& signals, asio::io_context& io, spe::http::Server& server,
                   spe::ConfigStore& store, const std::string& file, spe::Logger& logger) {
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      reload(store, file, logger);
      return watch_signals(signals, io, server, store, file, logger);
    }
    logger.info("shutting down", {{"signal", std::to_string(signal)}});
    server.stop();
    io.stop();
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
  raise_fd_limit();
  std::signal(SIGPIPE, SIG_IGN);

  asio::io_context io;
  spe::ConfigStore store(std::make_shared<const spe::ExporterConfig>(std::move(*config)));
  spe::Resolver resolver(kResolverThreads);
  spe::metrics::ExporterMetrics metrics(SPE_VERSION, SPE_REVISION, ssh_version(0));
  spe::http::Routes routes(
      spe::http::RoutesContext{io.get_executor(), store, resolver, metrics, logger, options.timeout_offset});
  spe::http::Server server(io, [&routes](spe::http::Request request, spe::http::Respond respond) {
    routes.handle(std::move(request), std::move(respond));
  });
  const auto bound = server.listen(listen);
  if (!bound) {
    logger.error("cannot listen", {{"err", bound.error().message}});
    return 1;
  }
  logger.info("starting", {{"version", SPE_VERSION}, {"revision", SPE_REVISION}, {"libssh", ssh_version(0)},
                           {"config", options.config_file}});
  for (const auto& address : *bound) logger.info("listening", {{"address", address}});

  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  watch_signals(signals, io, server, store, options.config_file, logger);

  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
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
