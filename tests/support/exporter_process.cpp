#include "support/exporter_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#ifndef SPE_BINARY
#error "SPE_BINARY must name the exporter binary (set by tests/CMakeLists.txt)"
#endif

namespace spe::test {
namespace {

constexpr auto kListenTimeout = std::chrono::seconds{15};

bool is_listening_line(std::string_view line) {
  return line.find("msg=listening") != std::string_view::npos ||
         line.find("msg=\"listening") != std::string_view::npos ||
         line.find("\"msg\":\"listening") != std::string_view::npos;
}

// The port of address=127.0.0.1:PORT (logfmt, quoted or not) or "address":"127.0.0.1:PORT" (json).
std::optional<unsigned short> listening_port(std::string_view line) {
  auto at = line.find("address=");
  std::size_t skip = 8;
  if (at == std::string_view::npos) {
    at = line.find("\"address\":");
    skip = 10;
  }
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view value = line.substr(at + skip);
  if (!value.empty() && value.front() == '"') value.remove_prefix(1);
  value = value.substr(0, value.find_first_of(" \t\",}"));
  const auto colon = value.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view digits = value.substr(colon + 1);
  unsigned short port = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port == 0) return std::nullopt;
  return port;
}

std::optional<unsigned short> find_listening_port(const std::string& log) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (is_listening_line(line)) return listening_port(line);
  }
  return std::nullopt;
}

}  // namespace

std::string ExporterProcess::binary_path() { return SPE_BINARY; }

ExporterProcess::ExporterProcess(const std::string& config_path, std::vector<std::string> extra_args,
                                 std::optional<unsigned long> fd_limit, const std::string& hosts_file,
                                 const std::string& binary) {
  std::vector<std::string> argv{binary.empty() ? binary_path() : binary, "--config.file", config_path,
                                "--web.listen-address", "127.0.0.1:0"};
  // Debug logging unless the caller picks a level (the benchmark runs at the default, info).
  if (std::ranges::find(extra_args, "--log.level") == extra_args.end()) {
    argv.insert(argv.end(), {"--log.level", "debug"});
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  if (fd_limit) {
    // prlimit sets the limits and execs the exporter in its place: the pid stays the exporter's.
    const std::string limit = std::to_string(*fd_limit);
    argv.insert(argv.begin(), {"prlimit", "--nofile=" + limit + ":" + limit, "--"});
  }
  if (!hosts_file.empty()) {
    // unshare's new mount namespace is private: the bind mount is seen by the exporter alone. Each step execs the
    // next, so the pid stays the exporter's.
    argv.insert(argv.begin(),
                {"unshare", "--mount", "--", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\"", hosts_file});
  }

  const std::string log_file = (dir_.path() / "exporter.log").string();
  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_file);
  try {
    pid_ = spawn_process(argv, SpawnOptions{-1, log_fd, log_fd});
  } catch (...) {
    ::close(log_fd);
    throw;
  }
  ::close(log_fd);

  const auto deadline = std::chrono::steady_clock::now() + kListenTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto port = find_listening_port(log())) {
      port_ = *port;
      return;
    }
    if (!running()) {
      throw std::runtime_error("exporter exited with status " + std::to_string(exit_status_.value_or(-1)) +
                               " before listening:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  stop(std::chrono::seconds{2});
  throw std::runtime_error("exporter did not log msg=listening with an address within 15 s:\n" + log());
}

ExporterProcess::~ExporterProcess() {
  [[maybe_unused]] const int status = stop();
#ifdef SPE_SANITIZED
  // scripts/sanitize.sh gives a sanitizer report these exit statuses (ASan/UBSan/LSan 86, TSan 66) and writes the
  // report to its log_path, which fails the stage; name the exporter here so the report can be told from the rest.
  if (status == 86 || status == 66) {
    std::cerr << "exporter pid " << pid_ << " exited with status " << status
              << ": a sanitizer report, written to the sanitizer's log_path\n";
  }
#endif
}

std::string ExporterProcess::log() const { return read_file(dir_.path() / "exporter.log"); }

std::size_t ExporterProcess::log_size() const {
  std::error_code ec;
  const auto size = std::filesystem::file_size(dir_.path() / "exporter.log", ec);
  return ec ? 0 : static_cast<std::size_t>(size);
}

std::string ExporterProcess::log_since(std::size_t offset) const {
  const std::string text = log();
  return offset < text.size() ? text.substr(offset) : std::string();
}

bool ExporterProcess::wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                                   std::size_t offset) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (log_since(offset).find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
}

bool ExporterProcess::running() {
  if (exit_status_) return false;
  exit_status_ = wait_for_exit(pid_, std::chrono::milliseconds{0});
  return !exit_status_;
}

std::optional<int> ExporterProcess::exit_status() const { return exit_status_; }

long ExporterProcess::status_field_kb(std::string_view field) const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
      return std::stol(line.substr(field.size() + 1));
    }
  }
  return -1;
}

long ExporterProcess::peak_rss_kb() const { return status_field_kb("VmHWM"); }
long ExporterProcess::rss_kb() const { return status_field_kb("VmRSS"); }

std::size_t ExporterProcess::open_fds() const {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

double ExporterProcess::cpu_seconds() const {
  const std::string stat = read_file("/proc/" + std::to_string(pid_) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  // After "pid (comm)": state is field 3, utime and stime are fields 14 and 15, in clock ticks.
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i < 14 && fields >> field; ++i) {
  }
  double utime = 0;
  double stime = 0;
  if (!(fields >> utime >> stime)) return -1;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void ExporterProcess::reload() {
  if (!exit_status_) ::kill(pid_, SIGHUP);
}

int ExporterProcess::stop(std::chrono::milliseconds grace) {
  if (!exit_status_ && pid_ > 0) exit_status_ = stop_process(pid_, grace);
  return exit_status_.value_or(-1);
}

CommandResult ExporterProcess::run_binary(std::vector<std::string> args) {
  args.insert(args.begin(), binary_path());
  return run_command(args, "", std::chrono::seconds{30});
}

}  // namespace spe::test
