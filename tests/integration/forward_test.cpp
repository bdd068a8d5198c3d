// Checks through the target ([[modules.NAME.forwards]]) against the real test sshd: its jump port opens
// direct-tcpip channels, its main port refuses them (AllowTcpForwarding no). The services behind it are small TCP
// servers of this file on loopback, and a silent one from support/adversarial.hpp.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/adversarial.hpp"
#include "support/configured_exporter.hpp"
#include "support/probe_bed.hpp"
#include "support/text.hpp"

using namespace spe::test;
using namespace std::chrono_literals;

namespace {

// A TCP service on 127.0.0.1 serving one connection at a time on a thread of its own: it sends a banner on
// accept, or echoes what it reads, until the client closes.
class TcpService {
 public:
  enum class Mode { banner, echo };

  explicit TcpService(Mode mode) : mode_(mode) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpService() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  TcpService(const TcpService&) = delete;
  TcpService& operator=(const TcpService&) = delete;

  unsigned short port() const { return port_; }
  static constexpr std::string_view kBanner = "220 mail.test ESMTP ready\r\n";

 private:
  // Waits for `fd` to be readable, at most 50 ms, so that stop_ is seen.
  static bool readable(int fd) {
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 50) > 0;
  }

  void run() {
    while (!stop_) {
      if (!readable(fd_)) continue;
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      if (mode_ == Mode::banner) (void)!::send(client, kBanner.data(), kBanner.size(), MSG_NOSIGNAL);
      char buffer[4096];
      while (!stop_) {
        if (!readable(client)) continue;
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        if (mode_ == Mode::echo) (void)!::send(client, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL);
      }
      ::close(client);
    }
  }

  Mode mode_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::string forward(const std::string& module, const std::string& name, unsigned short port,
                    const std::string& extra = "") {
  return "[[modules." + module + ".forwards]]\nname = \"" + name +
         "\"\nhost = \"127.0.0.1\"\nport = " + std::to_string(port) + "\n" + extra;
}

// The exporter with one module per case; every module logs in to the shared sshd, its host key checked by
// fingerprint (the known_hosts file names the main port only).
struct ForwardBed {
  TcpService banner{TcpService::Mode::banner};
  TcpService echo{TcpService::Mode::echo};
  AdversarialServer silent{Misbehaviour::silent};
  AdversarialServer flood{Misbehaviour::flood};
  unsigned short closed = free_loopback_port();
  std::unique_ptr<ConfiguredExporter> exporter;

  ForwardBed() {
    const TestSshd& sshd = TestSshd::shared();
    const auto module = [&](const std::string& name, const std::string& extra = "") {
      return "[modules." + name + "]\nuser = " + toml_string(sshd.user()) +
             "\nprivate_key = " + toml_string(sshd.key_path()) + "\nhost_key_fingerprints = [" +
             toml_string(sshd.host_key_fingerprint()) + "]\n" + extra;
    };
    std::string config;
    config += module("banner") + forward("banner", "smtp", banner.port(), "expect = '^220 \\S+ ESMTP'\n");
    config += module("echo") +
              forward("echo", "echo", echo.port(), "send = \"ping 42\\r\\n\"\nexpect = '^ping 42\\r\\n'\n");
    // The closed port first: the forward after it still runs, and the first failure is the reason.
    config += module("closed") + forward("closed", "nothing", closed) + forward("closed", "smtp", banner.port());
    config += module("silent", "timeout = \"5s\"\n") +
              forward("silent", "quiet", silent.port(), "expect = \"hello\"\ntimeout = \"700ms\"\n");
    config += module("deadline", "timeout = \"700ms\"\n") +
              forward("deadline", "quiet", silent.port(), "expect = \"x\"\n");
    config += module("flood") + forward("flood", "flood", flood.port(), "expect = \"(?s)^.{0,3}never$\"\n");
    // Through a jump host (the same sshd's jump port): the target's session opens the forward's channel.
    config += module("via_hop", "jump_hosts = [\"self\"]\n") +
              forward("via_hop", "smtp", banner.port(), "expect = '^220 '\n");
    config += "[jump_hosts.self]\nhost = \"127.0.0.1\"\nport = " + std::to_string(sshd.jump_port()) +
              "\nuser = " + toml_string(sshd.user()) + "\nprivate_key = " + toml_string(sshd.key_path()) +
              "\nhost_key_fingerprints = [" + toml_string(sshd.host_key_fingerprint()) + "]\n";
    exporter = std::make_unique<ConfiguredExporter>(config);
  }

  static ForwardBed& shared() {
    static ForwardBed bed;
    return bed;
  }

  // The probe of `module` at the sshd's jump port (forwarding allowed) or its main port (refused), with debug
  // output: the log, then the metrics.
  std::string probe(const std::string& module, bool forwarding_allowed = true) const {
    const TestSshd& sshd = TestSshd::shared();
    const auto port = forwarding_allowed ? sshd.jump_port() : sshd.port();
    const HttpResponse response = http_get(exporter->port(), "/probe?target=127.0.0.1:" + std::to_string(port) +
                                                                 "&module=" + module + "&debug=true");
    INFO(module << ": " << response.error << "\n" << response.body);
    REQUIRE(response.status == 200);
    return response.body;
  }
};

double forward_success(const std::string& body, const std::string& name) {
  return metric_value(body, "probe_ssh_forward_success", {{"forward", name}}).value_or(-1);
}

double forward_duration(const std::string& body, const std::string& name) {
  return metric_value(body, "probe_ssh_forward_duration_seconds", {{"forward", name}}).value_or(-1);
}

}  // namespace

TEST_CASE("a forward to a service with a banner succeeds once its expect matches", "[integration][forwards]") {
  const std::string body = ForwardBed::shared().probe("banner");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(failure_reason_of(body).empty());
  CHECK(forward_success(body, "smtp") == 1);
  CHECK(forward_duration(body, "smtp") > 0);
  CHECK(metric_value(body, "probe_ssh_duration_seconds", {{"phase", "forwards"}}).value_or(0) > 0);
  // Each step is in the debug output.
  CHECK(contains(body, "forward opening channel"));
  CHECK(contains(body, "forward channel open"));
  CHECK(contains(body, "result=success"));
}

TEST_CASE("a forward sends its bytes and matches the echo", "[integration][forwards]") {
  const std::string body = ForwardBed::shared().probe("echo");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(forward_success(body, "echo") == 1);
  CHECK(contains(body, "forward sent"));
  CHECK(contains(body, "bytes=9"));
}

TEST_CASE("a forward to a closed port: reason forward with the target's refusal word for word; later forwards run",
          "[integration][forwards]") {
  auto& bed = ForwardBed::shared();
  const std::string body = bed.probe("closed");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "forward");
  CHECK(forward_success(body, "nothing") == 0);
  CHECK(forward_duration(body, "nothing") > 0);
  CHECK(forward_success(body, "smtp") == 1);
  // OpenSSH answers SSH2_OPEN_CONNECT_FAILED (2) with strerror's text.
  CHECK(contains(body, "forward nothing: the target did not open a channel to 127.0.0.1:" +
                           std::to_string(bed.closed) + ": Channel opening failure: channel "));
  CHECK(contains(body, " error (2) Connection refused"));
}

TEST_CASE("a target with AllowTcpForwarding no fails the forward with its refusal", "[integration][forwards]") {
  const std::string body = ForwardBed::shared().probe("banner", false);
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "forward");
  CHECK(forward_success(body, "smtp") == 0);
  // SSH2_OPEN_ADMINISTRATIVELY_PROHIBITED, as OpenSSH words it.
  CHECK(contains(body, "forward smtp: the target did not open a channel to 127.0.0.1:"));
  CHECK(contains(body, " error (1) open failed"));
}

TEST_CASE(
    "a service that says nothing: the forward's own timeout fails it with reason forward, not the probe's "
    "deadline",
    "[integration][forwards]") {
  const auto start = std::chrono::steady_clock::now();
  const std::string body = ForwardBed::shared().probe("silent");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "forward");
  CHECK(forward_success(body, "quiet") == 0);
  CHECK(forward_duration(body, "quiet") >= 0.7);
  CHECK(forward_duration(body, "quiet") < 2);
  CHECK(elapsed < 3s);  // the module's 5s were not waited for
  CHECK(contains(body, "forward quiet: no match for expect within 700ms (0 bytes read)"));
}

TEST_CASE("a forward without a timeout of its own that reaches the probe's deadline is reason timeout",
          "[integration][forwards]") {
  const std::string body = ForwardBed::shared().probe("deadline");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "timeout");
  CHECK(forward_success(body, "quiet") == 0);
  CHECK(forward_duration(body, "quiet") > 0);
  CHECK(contains(body, "exceeded during forwards"));
}

TEST_CASE("through a jump host, the target opens the forward's channel", "[integration][forwards][jump]") {
  const std::string body = ForwardBed::shared().probe("via_hop");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 1);
  CHECK(metric_value(body, "probe_ssh_hop_success", {{"hop", "self"}}) == 1);
  CHECK(forward_success(body, "smtp") == 1);
  // The forward's steps are the target's, logged without the hop's name.
  CHECK(contains(body, "msg=\"forward opening channel\" forward=smtp"));
}

TEST_CASE("a service that floods without matching: the forward reads 4 KiB at most and fails at once",
          "[adversarial][forwards]") {
  const std::string body = ForwardBed::shared().probe("flood");
  INFO(body);
  CHECK(metric_value(body, "probe_success") == 0);
  CHECK(failure_reason_of(body) == "forward");
  CHECK(forward_success(body, "flood") == 0);
  CHECK(forward_duration(body, "flood") < 1);
  CHECK(contains(body, "forward flood: no match for expect in the first 4096 bytes"));
  CHECK(contains(body, "bytes_read=4096"));
}
