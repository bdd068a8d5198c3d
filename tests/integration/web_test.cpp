// The web side of the exporter: --web.config.file (TLS, client certificates, basic auth) tested with
// curl against the real binary; HTTP hardening (size limits, slow clients, keep-alive and
// connection caps, clients that leave mid-probe); gzip and OpenMetrics negotiation. The transport
// limits are tested on an in-process Server with small limits; everything else on the binary.
#include <sys/socket.h>

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "http/server.hpp"
#include "support/adversarial.hpp"
#include "support/gunzip.hpp"
#include "support/local_server.hpp"
#include "support/probe_bed.hpp"

using namespace spe::test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// What Prometheus 2.42 sends (scrape/scrape.go, scrapeAcceptHeader).
constexpr const char* kPrometheusAccept =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
constexpr const char* kOpenMetricsType = "application/openmetrics-text; version=1.0.0; charset=utf-8";
// `htpasswd -nbBC 10 prometheus 'correct horse'`.
constexpr const char* kPrometheusHash = "$2y$10$k1Z1/eve.Mz8P6oUjT8zbehpJn8eLfNUKyyysg6lKQu35eYzrOsl.";

void answer_path(spe::http::Request request, spe::http::Respond respond) {
  respond(spe::http::text_response(200, "path " + request.path + "\n"));
}

// A handler that answers nothing until told: requests stay pending, as behind a long probe.
class HeldResponses {
 public:
  spe::http::Handler handler() {
    return [this](spe::http::Request, spe::http::Respond respond) {
      const std::lock_guard lock(mutex_);
      pending_.push_back(std::move(respond));
    };
  }
  // True once `n` requests are pending, polling for at most 3 s.
  bool wait_for(std::size_t n) {
    const auto deadline = Clock::now() + 3s;
    while (Clock::now() < deadline && count() < n) std::this_thread::sleep_for(10ms);
    return count() == n;
  }
  std::size_t count() {
    const std::lock_guard lock(mutex_);
    return pending_.size();
  }
  void answer_all(const std::string& body) {
    const std::lock_guard lock(mutex_);
    for (auto& respond : pending_) respond(spe::http::text_response(200, body));
    pending_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<spe::http::Respond> pending_;
};

// A blocking loopback socket whose reads give up after `timeout`.
std::unique_ptr<tcp::socket> connect_raw(asio::io_context& io, unsigned short port,
                                         std::chrono::seconds timeout = 5s) {
  auto socket = std::make_unique<tcp::socket>(io);
  socket->connect({asio::ip::make_address("127.0.0.1"), port});
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return socket;
}

// Everything the peer sends until it closes (or the read times out: `closed` says which).
std::string read_all(tcp::socket& socket, bool& closed) {
  std::string out;
  char buffer[4096];
  boost::system::error_code ec;
  closed = false;
  while (true) {
    const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    out.append(buffer, n);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) closed = true;
    if (ec) return out;
  }
}

std::size_t count_of(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string header_of(const HttpResponse& response, const std::string& name) {
  const auto it = response.headers.find(name);
  return it == response.headers.end() ? "" : it->second;
}

// A CA; a server certificate for 127.0.0.1 signed by it; a client certificate signed by it; and a
// self-signed "rogue" client certificate. All P-256, made with the openssl command line.
struct TestPki {
  explicit TestPki(const std::filesystem::path& dir) : dir_(dir) {
    const auto p = [&](const char* name) { return (dir_ / name).string(); };
    const std::vector<std::string> new_key{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
    openssl({"req", "-x509", "-days", "2", "-subj", "/CN=spe-test-ca", "-keyout", p("ca.key"), "-out", p("ca.crt")},
            new_key);
    write_file(dir_ / "server.ext", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    write_file(dir_ / "client.ext", "extendedKeyUsage=clientAuth\n");
    for (const std::string who : {"server", "client"}) {
      const std::string cn = who == "server" ? "/CN=127.0.0.1" : "/CN=prometheus";
      openssl({"req", "-subj", cn, "-keyout", p((who + ".key").c_str()), "-out", p((who + ".csr").c_str())}, new_key);
      openssl({"x509", "-req", "-in", p((who + ".csr").c_str()), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
               "-set_serial", who == "server" ? "2" : "3", "-days", "2", "-extfile", p((who + ".ext").c_str()), "-out",
               p((who + ".crt").c_str())},
              {});
    }
    openssl({"req", "-x509", "-days", "2", "-subj", "/CN=prometheus", "-keyout", p("rogue.key"), "-out",
             p("rogue.crt")},
            new_key);
  }

  std::string operator()(const char* name) const { return (dir_ / name).string(); }

 private:
  static void openssl(std::vector<std::string> args, const std::vector<std::string>& extra) {
    args.insert(args.begin(), "openssl");
    args.insert(args.begin() + 2, extra.begin(), extra.end());
    const auto result = run_command(args, "", 30s);
    if (result.exit_code != 0) FAIL("openssl failed: " << result.output);
  }

  std::filesystem::path dir_;
};

struct CurlResult {
  int exit_code = -1;
  int status = 0;       // 0 when no HTTP response came
  std::string headers;  // as received, lower-cased
  std::string body;
  std::string output;  // curl's messages
};

CurlResult curl(const TempDir& dir, std::vector<std::string> args, const std::string& url) {
  const auto body = dir.path() / "curl.body";
  const auto headers = dir.path() / "curl.headers";
  std::filesystem::remove(body);
  std::filesystem::remove(headers);
  std::vector<std::string> argv{"curl",        "-sS", "--max-time",     "10", "-o",
                                body.string(), "-D",  headers.string(), "-w", "\nstatus=%{http_code}\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  const auto run = run_command(argv, "", 20s);
  CurlResult out{run.exit_code, 0, read_file(headers), read_file(body), run.output};
  for (char& c : out.headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (const auto at = run.output.rfind("status="); at != std::string::npos)
    out.status = std::atoi(run.output.c_str() + at + 7);
  return out;
}

// "Basic " + base64(user:password), by OpenSSL's encoder.
std::string basic_authorization(const std::string& user_colon_password) {
  std::string encoded(4 * ((user_colon_password.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(user_colon_password.data()),
                                static_cast<int>(user_colon_password.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

// Sends `count` requests to 127.0.0.1:port, each on a connection of its own with a different wrong
// password for "prometheus", and closes each connection as soon as its request is written.
void abandon_wrong_passwords(unsigned short port, int count) {
  asio::io_context io;
  for (int i = 0; i < count; ++i) {
    tcp::socket socket(io);
    socket.connect({asio::ip::make_address("127.0.0.1"), port});
    const std::string request = "GET /-/healthy HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                                basic_authorization("prometheus:wrong " + std::to_string(i)) + "\r\n\r\n";
    asio::write(socket, asio::buffer(request));
  }  // each socket closes here
}

// "HTTP/1.1 503 ..." -> 503; 0 for anything else (nothing, a closed connection).
int status_of(std::string_view response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  return std::atoi(std::string(response.substr(9, 3)).c_str());
}

// GET `target` from `source` (a loopback address such as 127.0.0.2) to 127.0.0.1:port, on a new
// connection; the raw response, or "" if the connection closed or 5 s passed without one.
std::string get_from(const char* source, unsigned short port, const std::string& target) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.bind({asio::ip::make_address(source), 0});
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  timeval tv{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  asio::write(socket, asio::buffer("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), ec);
  if (ec) return "";
  bool closed = false;
  return read_all(socket, closed);
}

// `count` idle connections from 127.0.0.1 that send nothing, each opened again as soon as it is
// seen closed (every 5 ms), until destroyed: a client that wants every connection slot.
class SlotHog {
 public:
  SlotHog(unsigned short port, int count) : port_(port) {
    for (int i = 0; i < count; ++i) sockets_.push_back(open());
    refiller_ = std::thread([this] { refill(); });
  }
  ~SlotHog() {
    stop_ = true;
    refiller_.join();
  }
  int reopened() const { return reopened_; }

 private:
  std::unique_ptr<tcp::socket> open() {
    auto socket = std::make_unique<tcp::socket>(io_);
    boost::system::error_code ec;
    socket->connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    return socket;
  }
  static bool closed(tcp::socket& socket) {
    char byte = 0;
    const ssize_t n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
  void refill() {
    while (!stop_) {
      for (auto& socket : sockets_) {
        if (!closed(*socket)) continue;
        socket = open();
        ++reopened_;
      }
      std::this_thread::sleep_for(5ms);
    }
  }

  unsigned short port_;
  asio::io_context io_;
  std::vector<std::unique_ptr<tcp::socket>> sockets_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reopened_{0};
  std::thread refiller_;
};

std::string minimal_config() {
  return "[modules.default]\nuser = \"probe\"\npassword = \"x\"\ninsecure_ignore_host_key = true\ntimeout = \"2s\"\n";
}

// Writes exporter.toml and web.toml (plain HTTP, basic auth for "prometheus", password "correct
// horse") into `dir`; the flags that make the exporter use the web config.
std::vector<std::string> basic_auth_files(const TempDir& dir) {
  write_file(dir.path() / "exporter.toml", minimal_config());
  write_file(dir.path() / "web.toml", "[basic_auth_users]\nprometheus = \"" + std::string(kPrometheusHash) + "\"\n");
  return {"--web.config.file", (dir.path() / "web.toml").string()};
}

}  // namespace

// --- HTTP hardening, on the transport alone -------------------------------------------------------

TEST_CASE("oversized requests: 414 for the request line, 431 for header fields, 413 for the body", "[integration]") {
  spe::http::ServerLimits limits;
  limits.header_bytes = 1024;
  limits.body_bytes = 100;
  LocalServer server(answer_path, limits);
  CHECK(http_get(server.port(), "/" + std::string(500, 'a')).status == 200);
  const auto long_line = http_get(server.port(), "/" + std::string(2000, 'a'));
  CHECK(long_line.status == 414);
  CHECK(long_line.body == "request line too long\n");
  CHECK(header_of(long_line, "connection") == "close");
  const auto big_header = http_get(server.port(), "/", {{"X-Big", std::string(2000, 'b')}});
  CHECK(big_header.status == 431);
  CHECK(big_header.body == "request header too large\n");
  CHECK(http_request(server.port(), "POST", "/", {}, std::string(50, 'c')).status == 200);
  const auto big_body = http_request(server.port(), "POST", "/", {}, std::string(20000, 'c'));
  CHECK(big_body.status == 413);
  CHECK(big_body.body == "request body too large\n");
}

TEST_CASE("a client slower than read_timeout is disconnected", "[integration]") {
  spe::http::ServerLimits limits;
  limits.read_timeout = 300ms;
  LocalServer server(answer_path, limits);
  asio::io_context io;
  for (const std::string sent : {"", "GET / HTTP/1.1\r\nHost: x\r\n"}) {
    INFO("sent: " << sent);
    auto socket = connect_raw(io, server.port());
    asio::write(*socket, asio::buffer(sent));
    const auto start = Clock::now();
    bool closed = false;
    CHECK(read_all(*socket, closed).empty());
    const auto elapsed = Clock::now() - start;
    CHECK(closed);
    CHECK(elapsed >= 250ms);
    CHECK(elapsed < 3s);
  }
  CHECK(server.wait_for_connections(0));
}

TEST_CASE("a TLS client that does not finish its handshake within read_timeout is disconnected", "[integration]") {
  TempDir dir{"spe-web-handshake"};
  const TestPki pki(dir.path());
  spe::http::WebConfig web;
  web.tls = spe::http::TlsConfig{pki("server.crt"), pki("server.key"), "", {}, {}, {}};
  spe::http::ServerLimits limits;
  limits.read_timeout = 300ms;
  LocalServer server(answer_path, limits, web);
  asio::io_context io;
  // Half a ClientHello's record header, then nothing.
  for (const std::string& sent : {std::string(), std::string("\x16\x03\x01", 3)}) {
    auto socket = connect_raw(io, server.port());
    asio::write(*socket, asio::buffer(sent));
    const auto start = Clock::now();
    bool closed = false;
    read_all(*socket, closed);
    CHECK(closed);
    CHECK(Clock::now() - start >= 250ms);
    CHECK(Clock::now() - start < 3s);
  }
  // And the same server completes a real handshake.
  const auto ok = curl(dir, {"--cacert", pki("ca.crt")},
                       "https://127.0.0.1:" + std::to_string(server.port()) + "/tls");
  INFO(ok.output);
  CHECK(ok.status == 200);
  CHECK(ok.body == "path /tls\n");
  CHECK(server.wait_for_connections(0));
}

TEST_CASE("transport failures are logged at debug with the client's address, never the request", "[integration]") {
  TempDir dir{"spe-web-log"};
  const TestPki pki(dir.path());
  spe::http::WebConfig web;
  web.tls = spe::http::TlsConfig{pki("server.crt"), pki("server.key"), "", {}, {}, {}};
  LocalServer server(answer_path, {}, web);
  asio::io_context io;
  // Plain HTTP on the TLS port, carrying a password: the handshake fails on its first bytes.
  auto socket = connect_raw(io, server.port());
  const std::string local = "127.0.0.1:" + std::to_string(socket->local_endpoint().port());
  asio::write(*socket, asio::buffer(std::string("GET /probe?password=hunter2 HTTP/1.1\r\n"
                                                "Authorization: Basic aHVudGVyMjpodW50ZXIy\r\n\r\n")));
  bool closed = false;
  read_all(*socket, closed);
  CHECK(closed);
  CHECK(server.wait_for_connections(0));
  const std::string log = server.stopped_log();
  INFO(log);
  CHECK(log.find("level=debug msg=\"TLS handshake failed\" peer=" + local + " tls=true err=") != std::string::npos);
  CHECK(log.find("hunter2") == std::string::npos);
  CHECK(log.find("aHVudGVyMjpodW50ZXIy") == std::string::npos);
}

TEST_CASE("a connection serves keep_alive_requests requests, then closes", "[integration]") {
  spe::http::ServerLimits limits;
  limits.keep_alive_requests = 3;
  LocalServer server(answer_path, limits);
  asio::io_context io;
  auto socket = connect_raw(io, server.port());
  std::string requests;
  for (int i = 0; i < 5; ++i) requests += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(*socket, asio::buffer(requests));  // pipelined: all five at once
  bool closed = false;
  const std::string responses = read_all(*socket, closed);
  CHECK(closed);
  CHECK(count_of(responses, "HTTP/1.1 200 OK") == 3);
  CHECK(count_of(responses, "path /2\n") == 1);
  CHECK(count_of(responses, "path /3\n") == 0);
  CHECK(count_of(responses, "Connection: close") == 1);
}

TEST_CASE("connections beyond max_connections are closed at once when none is idle", "[integration]") {
  HeldResponses held_responses;
  spe::http::ServerLimits limits;
  limits.max_connections = 4;
  LocalServer server(held_responses.handler(), limits);
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> held;  // each busy with a request that waits for its answer
  for (int i = 0; i < 4; ++i) {
    held.push_back(connect_raw(io, server.port()));
    asio::write(*held.back(), asio::buffer(std::string("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")));
  }
  REQUIRE(held_responses.wait_for(4));
  REQUIRE(server.wait_for_connections(4));

  auto extra = connect_raw(io, server.port(), 3s);
  asio::write(*extra, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  const auto start = Clock::now();
  bool closed = false;
  CHECK(read_all(*extra, closed).empty());
  CHECK(closed);
  CHECK(Clock::now() - start < 1s);  // closed by the cap, not by the 10 s read timeout
  CHECK(server.open_connections() == 4);

  held.pop_back();  // one leaves: a new client is served again
  REQUIRE(server.wait_for_connections(3));
  auto again = connect_raw(io, server.port(), 3s);
  asio::write(*again, asio::buffer(std::string("GET /again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  REQUIRE(held_responses.wait_for(5));
  held_responses.answer_all("answered\n");
  CHECK(count_of(read_all(*again, closed), "answered\n") == 1);
}

TEST_CASE("at max_connections a new connection takes the slot of the one idle longest", "[integration][concurrency]") {
  spe::http::ServerLimits limits;
  limits.max_connections = 4;
  LocalServer server(answer_path, limits);
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> idle;  // connected, never a byte sent
  for (int i = 0; i < 4; ++i) {
    idle.push_back(connect_raw(io, server.port(), 3s));
    REQUIRE(server.wait_for_connections(static_cast<std::size_t>(i) + 1));
  }
  const auto start = Clock::now();
  const auto served = http_get(server.port(), "/newcomer", {}, 3s);
  CHECK(served.body == "path /newcomer\n");
  CHECK(Clock::now() - start < 3s);  // not after the 10 s read timeout of the idle ones
  // The oldest idle connection was closed for it, and only that one.
  bool closed = false;
  CHECK(read_all(*idle.front(), closed).empty());
  CHECK(closed);
  CHECK(server.wait_for_connections(3));
  asio::write(*idle.back(), asio::buffer(std::string("GET /still HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  CHECK(count_of(read_all(*idle.back(), closed), "path /still\n") == 1);
}

TEST_CASE("a client refilling every connection slot with idle connections locks no one out",
          "[integration][concurrency]") {
  spe::http::ServerLimits limits;
  limits.max_connections = 20;
  LocalServer server(answer_path, limits);
  const SlotHog hog(server.port(), 25);  // more than the cap, as the reported attack had
  REQUIRE(server.wait_for_connections(20));
  int answered = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string response = get_from("127.0.0.2", server.port(), "/-/healthy");
    INFO(i << ": " << response);
    if (status_of(response) == 200 && count_of(response, "path /-/healthy\n") == 1) ++answered;
  }
  CHECK(answered == 12);
  CHECK(server.open_connections() <= 20);
}

TEST_CASE("max_connections_per_source: one address cannot take every slot, even with busy connections",
          "[integration][concurrency]") {
  HeldResponses held_responses;
  const auto handler = [&](spe::http::Request request, spe::http::Respond respond) {
    if (request.path == "/held") return held_responses.handler()(std::move(request), std::move(respond));
    answer_path(std::move(request), std::move(respond));
  };
  spe::http::ServerLimits limits;
  limits.max_connections = 20;
  limits.max_connections_per_source = 5;
  LocalServer server(handler, limits);
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> hog;  // from 127.0.0.1, each busy with a request
  for (int i = 0; i < 8; ++i) {
    hog.push_back(connect_raw(io, server.port(), 3s));
    boost::system::error_code ec;
    asio::write(*hog.back(), asio::buffer(std::string("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")), ec);
  }
  CHECK(held_responses.wait_for(5));
  CHECK(server.open_connections() == 5);
  for (std::size_t i = 5; i < hog.size(); ++i) {  // closed at once, before a byte was read
    bool closed = false;
    const auto start = Clock::now();
    CHECK(read_all(*hog[i], closed).empty());
    CHECK(closed);
    CHECK(Clock::now() - start < 1s);
  }
  const std::string other = get_from("127.0.0.2", server.port(), "/-/healthy");
  CHECK(status_of(other) == 200);
  CHECK(count_of(other, "path /-/healthy\n") == 1);
  // Answered, the busy connections go idle and count no more once closed.
  held_responses.answer_all("done\n");
  hog.clear();
  REQUIRE(server.wait_for_connections(0));
  CHECK(http_get(server.port(), "/again", {}, 3s).body == "path /again\n");
}

TEST_CASE("a client that leaves while its response is pending frees its connection at once", "[integration]") {
  HeldResponses held_responses;
  LocalServer server(held_responses.handler(), {});
  asio::io_context io;
  {
    auto socket = connect_raw(io, server.port());
    asio::write(*socket, asio::buffer(std::string("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")));
    held_responses.wait_for(1);
    CHECK(server.open_connections() == 1);
  }  // the client closes its socket before any response
  CHECK(server.wait_for_connections(0, 2s));
  // The late response goes nowhere and harms nothing.
  REQUIRE(held_responses.count() == 1);
  held_responses.answer_all("late\n");
  CHECK(server.open_connections() == 0);
}

TEST_CASE("a pipelined request while a response is pending is not taken for a departure", "[integration]") {
  std::mutex mutex;
  std::vector<std::thread> answerers;
  const auto slow = [&](spe::http::Request request, spe::http::Respond respond) {
    const std::lock_guard lock(mutex);
    answerers.emplace_back([request = std::move(request), respond = std::move(respond)] {
      std::this_thread::sleep_for(200ms);
      respond(spe::http::text_response(200, "path " + request.path + "\n"));
    });
  };
  {
    LocalServer server(slow, {});
    asio::io_context io;
    auto socket = connect_raw(io, server.port());
    asio::write(*socket, asio::buffer(std::string("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                                                  "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
    bool closed = false;
    const std::string responses = read_all(*socket, closed);
    CHECK(count_of(responses, "path /one\n") == 1);
    CHECK(count_of(responses, "path /two\n") == 1);
    const std::lock_guard lock(mutex);
    for (auto& thread : answerers) thread.join();
  }
}

TEST_CASE("large bodies are gzipped for clients that accept it, with Vary", "[integration]") {
  const std::string big(5000, 'x');
  const auto handler = [&](spe::http::Request request, spe::http::Respond respond) {
    auto response = spe::http::text_response(200, request.path == "/small" ? "small\n" : big);
    if (request.path == "/negotiated") response.headers.emplace_back("Vary", "Accept");
    respond(std::move(response));
  };
  LocalServer server(handler, {});
  const spe::test::HttpHeaders gzip{{"Accept-Encoding", "gzip"}};

  const auto compressed = http_get(server.port(), "/big", gzip);
  CHECK(header_of(compressed, "content-encoding") == "gzip");
  CHECK(header_of(compressed, "vary") == "Accept-Encoding");
  CHECK(compressed.body.size() < 200);
  CHECK(spe::test::gunzip(compressed.body) == big);

  const auto plain = http_get(server.port(), "/big");
  CHECK(header_of(plain, "content-encoding").empty());
  CHECK(header_of(plain, "vary") == "Accept-Encoding");
  CHECK(plain.body == big);

  const auto refused = http_get(server.port(), "/big", {{"Accept-Encoding", "gzip;q=0, identity"}});
  CHECK(header_of(refused, "content-encoding").empty());

  const auto small = http_get(server.port(), "/small", gzip);
  CHECK(header_of(small, "content-encoding").empty());
  CHECK(header_of(small, "vary").empty());
  CHECK(small.body == "small\n");

  const auto negotiated = http_get(server.port(), "/negotiated", gzip);
  CHECK(header_of(negotiated, "vary") == "Accept, Accept-Encoding");
  CHECK(spe::test::gunzip(negotiated.body) == big);
}

// --- The real binary --------------------------------------------------------------------------------

TEST_CASE("an overlong request line to the exporter is 414", "[integration]") {
  const auto response = http_get(ProbeBed::shared().exporter().port(),
                                 "/probe?target=" + std::string(20000, 'a') + "&module=key");
  CHECK(response.status == 414);
}

TEST_CASE("/metrics and /probe answer OpenMetrics when Prometheus asks, text otherwise", "[integration]") {
  auto& bed = ProbeBed::shared();
  const unsigned short port = bed.exporter().port();
  const std::string probe = "/probe?target=" + bed.sshd().target() + "&module=key";
  const auto successes = [&] {
    return metric_value(http_get(port, "/metrics").body, "ssh_probe_exporter_probes_total",
                        {{"module", "key"}, {"result", "success"}})
        .value_or(0);
  };
  const double successes_before = successes();
  bed.probe("key");  // so /metrics has a histogram with observations

  for (const std::string& path : {std::string("/metrics"), probe}) {
    INFO(path);
    const auto om = http_get(port, path, {{"Accept", kPrometheusAccept}});
    REQUIRE(om.status == 200);
    CHECK(header_of(om, "content-type") == kOpenMetricsType);
    CHECK(header_of(om, "vary").starts_with("Accept"));
    CHECK(om.body.ends_with("\n# EOF\n"));
    const auto parsed = promtool_parse_openmetrics(om.body);
    INFO(parsed.output);
    CHECK(parsed.exit_code == 0);

    const auto text = http_get(port, path);
    CHECK(header_of(text, "content-type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(text.body.find("# EOF") == std::string::npos);
    CHECK(promtool_check_metrics(text.body).exit_code == 0);
  }
  const auto om_probe = http_get(port, probe, {{"Accept", kPrometheusAccept}});
  CHECK(metric_value(om_probe.body, "probe_success") == 1);
  const auto om_metrics = http_get(port, "/metrics", {{"Accept", kPrometheusAccept}}).body;
  CHECK(om_metrics.find("# TYPE ssh_probe_exporter_probes counter\n") != std::string::npos);
  // The shared exporter has counted other tests' probes too: this test made four, every one a success.
  CHECK(metric_value(om_metrics, "ssh_probe_exporter_probes_total", {{"module", "key"}, {"result", "success"}}) ==
        successes_before + 4);
  CHECK(om_metrics.find("ssh_probe_exporter_probe_duration_seconds_bucket{module=\"key\",le=\"1.0\"}") !=
        std::string::npos);
}

TEST_CASE("the exporter gzips /metrics and /probe for Prometheus", "[integration]") {
  auto& bed = ProbeBed::shared();
  const unsigned short port = bed.exporter().port();
  const spe::test::HttpHeaders prometheus{{"Accept", kPrometheusAccept}, {"Accept-Encoding", "gzip"}};
  for (const std::string& path : {std::string("/metrics"), "/probe?target=" + bed.sshd().target() + "&module=key"}) {
    INFO(path);
    const auto response = http_get(port, path, prometheus);
    REQUIRE(response.status == 200);
    CHECK(header_of(response, "content-encoding") == "gzip");
    CHECK(header_of(response, "vary") == "Accept, Accept-Encoding");
    const std::string body = spe::test::gunzip(response.body).value_or("<not a complete gzip stream>");
    CHECK(body.ends_with("# EOF\n"));
    CHECK(body.size() > response.body.size());
    CHECK(count_of(body, "\n") > 20);
  }
}

TEST_CASE("clients that leave mid-probe leak nothing: fds and in-flight return to baseline",
          "[integration][concurrency]") {
  constexpr int kClients = 50;
  AdversarialServer silent(Misbehaviour::silent);
  TempDir dir{"spe-web-leave"};
  write_file(dir.path() / "exporter.toml", minimal_config());
  ExporterProcess exporter((dir.path() / "exporter.toml").string());
  const auto metrics = [&] { return http_get(exporter.port(), "/metrics").body; };
  REQUIRE(metric_value(metrics(), "ssh_probe_exporter_probes_in_flight") == 0);
  // Measured with the /metrics connection possibly still closing: the baseline may count it.
  const std::size_t baseline = exporter.open_fds();

  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> clients;
  const std::string request = "GET /probe?target=127.0.0.1:" + std::to_string(silent.port()) +
                              "&module=default HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(connect_raw(io, exporter.port()));
    asio::write(*clients.back(), asio::buffer(request));
  }
  const auto started = Clock::now();
  // Every probe has reached the silent server and waits there (the module timeout is 2 s).
  while (silent.open_connections() < kClients && Clock::now() - started < 1500ms) std::this_thread::sleep_for(10ms);
  REQUIRE(silent.open_connections() == kClients);
  CHECK(metric_value(metrics(), "ssh_probe_exporter_probes_in_flight") == kClients);
  const std::size_t busy = exporter.open_fds();
  CHECK(busy >= baseline + kClients * 2);

  clients.clear();  // every client leaves before its probe's deadline
  // The HTTP connections are released at once, and their probes cancelled (fault_test.cpp checks how fast).
  std::size_t after_leaving = busy;
  while (Clock::now() - started < 1800ms && after_leaving > busy - kClients) {
    std::this_thread::sleep_for(20ms);
    after_leaving = exporter.open_fds();
  }
  CHECK(after_leaving <= busy - kClients);
  CHECK(Clock::now() - started < 2s);

  // Then: no probe in flight, every descriptor back, the silent server's sockets closed.
  const auto deadline = started + 6s;
  while (Clock::now() < deadline && (exporter.open_fds() > baseline || silent.open_connections() != 0)) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(exporter.open_fds() <= baseline);
  CHECK(silent.open_connections() == 0);
  const auto after = metrics();
  CHECK(metric_value(after, "ssh_probe_exporter_probes_in_flight") == 0);
  CHECK(metric_value(after, "ssh_probe_exporter_probes_total", {{"module", "default"}, {"result", "failure"}}) ==
        kClients);
  CHECK(exporter.running());
}

TEST_CASE("TLS with client certificates and basic auth, tested with curl", "[integration]") {
  TempDir dir{"spe-web-tls"};
  const TestPki pki(dir.path());
  write_file(dir.path() / "exporter.toml", minimal_config());
  write_file(dir.path() / "web.toml",
             "[tls]\ncert_file = \"server.crt\"\nkey_file = \"server.key\"\n"
             "client_ca_file = \"ca.crt\"\n\n[basic_auth_users]\nprometheus = \"" +
                 std::string(kPrometheusHash) + "\"\n");
  ExporterProcess exporter((dir.path() / "exporter.toml").string(),
                           {"--web.config.file", (dir.path() / "web.toml").string()});
  const std::string url = "https://127.0.0.1:" + std::to_string(exporter.port()) + "/metrics";
  const std::vector<std::string> trusted{"--cacert", pki("ca.crt")};
  const std::vector<std::string> client_cert{"--cert", pki("client.crt"), "--key", pki("client.key")};
  const auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::vector<std::string> good_user{"-u", "prometheus:correct horse"};

  SECTION("the right certificate and password get the metrics") {
    const auto ok = curl(dir, with(with(trusted, client_cert), good_user), url);
    INFO(ok.output);
    CHECK(ok.exit_code == 0);
    CHECK(ok.status == 200);
    CHECK(metric_value(ok.body, "ssh_probe_exporter_probes_in_flight") == 0);
    // Again, now from the cache of verified credentials; and with gzip through TLS.
    const auto again = curl(dir, with(with(with(trusted, client_cert), good_user), {"--compressed"}), url);
    CHECK(again.status == 200);
    CHECK(again.headers.find("content-encoding: gzip") != std::string::npos);
    CHECK(metric_value(again.body, "ssh_probe_exporter_probes_in_flight") == 0);
  }
  SECTION("a wrong or missing password is 401 with a Basic challenge") {
    for (const auto& user : {std::vector<std::string>{"-u", "prometheus:wrong"},
                             std::vector<std::string>{"-u", "nobody:correct horse"}, std::vector<std::string>{}}) {
      const auto denied = curl(dir, with(with(trusted, client_cert), user), url);
      INFO(denied.output);
      CHECK(denied.status == 401);
      CHECK(denied.headers.find("www-authenticate: basic realm=\"ssh_probe_exporter\"") != std::string::npos);
      CHECK(denied.body == "unauthorized\n");
    }
  }
  SECTION("no client certificate, or one from another CA, ends the handshake") {
    const auto none = curl(dir, with(trusted, good_user), url);
    INFO(none.output);
    CHECK(none.exit_code != 0);
    CHECK(none.status == 0);
    const auto rogue =
        curl(dir, with(with(trusted, {"--cert", pki("rogue.crt"), "--key", pki("rogue.key")}), good_user), url);
    INFO(rogue.output);
    CHECK(rogue.exit_code != 0);
    CHECK(rogue.status == 0);
  }
  SECTION("the server certificate is verified by the client; plain HTTP gets nothing") {
    const auto untrusted = curl(dir, with(client_cert, good_user), url);
    CHECK(untrusted.exit_code == 60);  // CURLE_PEER_FAILED_VERIFICATION
    const auto plain = curl(dir, good_user, "http://127.0.0.1:" + std::to_string(exporter.port()) + "/metrics");
    CHECK(plain.status == 0);
  }
  CHECK(exporter.running());
}

TEST_CASE("basic auth without TLS guards every path", "[integration]") {
  TempDir dir{"spe-web-auth"};
  ExporterProcess exporter((dir.path() / "exporter.toml").string(), basic_auth_files(dir));
  for (const char* path : {"/metrics", "/", "/-/healthy", "/probe?target=127.0.0.1:1"}) {
    INFO(path);
    const auto denied = http_get(exporter.port(), path);
    CHECK(denied.status == 401);
    CHECK(header_of(denied, "www-authenticate") == "Basic realm=\"ssh_probe_exporter\"");
  }
  // "prometheus:correct horse" in base64.
  const spe::test::HttpHeaders good{{"Authorization", "Basic cHJvbWV0aGV1czpjb3JyZWN0IGhvcnNl"}};
  CHECK(http_get(exporter.port(), "/-/healthy", good).status == 200);
  CHECK(http_get(exporter.port(), "/metrics", good).status == 200);
  // A client cannot learn which user names exist from how long a refusal takes: both cost bcrypt.
  const auto time_refusal = [&](const char* authorization) {
    const auto start = Clock::now();
    CHECK(http_get(exporter.port(), "/metrics", {{"Authorization", authorization}}).status == 401);
    return Clock::now() - start;
  };
  const auto unknown_user = time_refusal("Basic bm9ib2R5OmNvcnJlY3QgaG9yc2U=");  // nobody:correct horse
  const auto wrong_password = time_refusal("Basic cHJvbWV0aGV1czp3cm9uZw==");    // prometheus:wrong
  CHECK(unknown_user > 10ms);  // cost 10 bcrypt takes tens of milliseconds
  CHECK(wrong_password > 10ms);
}

// --- Password checks cannot be flooded ----------------------------------------------------------------

TEST_CASE("password checks of clients that left are dropped: a valid login after a flood is fast",
          "[integration][concurrency]") {
  spe::http::WebConfig web;
  web.basic_auth_users = {{"prometheus", kPrometheusHash}};
  spe::http::ServerLimits limits;
  limits.password_checks = 100'000;  // so that only the dropping of departed clients' checks helps
  LocalServer server(answer_path, limits, web);
  abandon_wrong_passwords(server.port(), 200);  // 200 bcrypt runs: over 10 s if each one ran
  const auto start = Clock::now();
  const spe::test::HttpHeaders good{{"Authorization", basic_authorization("prometheus:correct horse")}};
  const auto login = http_get(server.port(), "/valid", good, 10s);
  const auto elapsed = Clock::now() - start;
  INFO(login.error);
  CHECK(login.status == 200);
  CHECK(elapsed < 3s);  // a check or two (tens of milliseconds each), with room for a loaded machine
}

TEST_CASE("with every password check slot taken a request gets 503 with Retry-After at once",
          "[integration][concurrency]") {
  spe::http::WebConfig web;
  web.basic_auth_users = {{"prometheus", kPrometheusHash}};
  spe::http::ServerLimits limits;
  limits.password_checks = 2;
  std::mutex mutex;
  std::vector<std::string> rejections;
  LocalServer server(answer_path, limits, web, [&](spe::metrics::RejectReason reason) {
    const std::lock_guard lock(mutex);
    rejections.emplace_back(to_string(reason));
  });
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> clients;  // 10 distinct wrong passwords, all waiting
  for (int i = 0; i < 10; ++i) {
    clients.push_back(connect_raw(io, server.port()));
    asio::write(*clients.back(), asio::buffer("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: " +
                                              basic_authorization("prometheus:wrong " + std::to_string(i)) +
                                              "\r\nConnection: close\r\n\r\n"));
  }
  int unauthorized = 0;
  int busy = 0;
  for (auto& client : clients) {
    bool closed = false;
    const std::string response = read_all(*client, closed);
    INFO(response);
    CHECK(closed);
    if (status_of(response) == 401) ++unauthorized;
    if (status_of(response) != 503) continue;
    ++busy;
    CHECK(count_of(response, "Retry-After: 1\r\n") == 1);
    CHECK(response.ends_with("too many password checks waiting\n"));
  }
  CHECK(unauthorized + busy == 10);
  CHECK(unauthorized >= 2);  // the two that got a slot, and any that came after one freed
  CHECK(busy >= 5);          // a check takes tens of milliseconds; the ten came within a few
  const std::lock_guard lock(mutex);
  CHECK(rejections == std::vector<std::string>(static_cast<std::size_t>(busy), "auth_overload"));
}

TEST_CASE("a flood of wrong passwords: fresh logins still get in, cached ones do not wait", "[integration]") {
  TempDir dir{"spe-web-flood"};
  ExporterProcess exporter((dir.path() / "exporter.toml").string(), basic_auth_files(dir));
  const spe::test::HttpHeaders good{{"Authorization", basic_authorization("prometheus:correct horse")}};

  abandon_wrong_passwords(exporter.port(), 300);
  auto start = Clock::now();
  const auto fresh = http_get(exporter.port(), "/-/healthy", good, 10s);
  INFO(fresh.error);
  CHECK(fresh.status == 200);
  CHECK(Clock::now() - start < 3s);

  // Clients that wait for their wrong answers fill the queue: 16 checks, a second of bcrypt or
  // more, and the rest are refused. The verified header skips the queue.
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::socket>> waiting;
  for (int i = 0; i < 40; ++i) {
    const auto wrong = basic_authorization("prometheus:waiting " + std::to_string(i));
    waiting.push_back(connect_raw(io, exporter.port(), 10s));
    asio::write(*waiting.back(), asio::buffer("GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                              "Authorization: " +
                                              wrong + "\r\n\r\n"));
  }
  int fast = 0;
  for (int i = 0; i < 10; ++i) {
    start = Clock::now();
    CHECK(http_get(exporter.port(), "/-/healthy", good, 5s).status == 200);
    if (Clock::now() - start < 500ms) ++fast;
  }
  CHECK(fast >= 9);  // one may meet a scheduling hiccup on a loaded machine; a queued one waits every time
  int busy = 0;
  for (auto& client : waiting) {
    bool closed = false;
    const int status = status_of(read_all(*client, closed));
    CHECK((status == 401 || status == 503));
    if (status == 503) ++busy;
  }
  CHECK(busy > 0);
  const auto metrics = http_get(exporter.port(), "/metrics", good, 5s).body;
  CHECK(metric_value(metrics, "ssh_probe_exporter_requests_rejected_total", {{"reason", "auth_overload"}}) == busy);
  CHECK(exporter.running());
}

TEST_CASE("--web.max-connections: a client holding every slot with idle connections locks no one out",
          "[integration]") {
  TempDir dir{"spe-web-hog"};
  write_file(dir.path() / "exporter.toml", minimal_config());
  ExporterProcess exporter((dir.path() / "exporter.toml").string(), {"--web.max-connections", "20"});
  const std::size_t baseline = exporter.open_fds();
  const SlotHog hog(exporter.port(), 25);  // from 127.0.0.1, reopening each one closed within 5 ms
  const auto filled = Clock::now() + 3s;
  while (Clock::now() < filled && exporter.open_fds() < baseline + 20) std::this_thread::sleep_for(10ms);
  REQUIRE(exporter.open_fds() >= baseline + 20);
  int answered = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string response = get_from("127.0.0.2", exporter.port(), "/-/healthy");
    INFO(i << ": " << response);
    if (status_of(response) == 200) ++answered;
  }
  CHECK(answered == 12);
  // Each answer cost the hog a connection, which it took back.
  const auto reopened = Clock::now() + 2s;
  while (Clock::now() < reopened && hog.reopened() < 12) std::this_thread::sleep_for(10ms);
  CHECK(hog.reopened() >= 12);
  // The cap holds, give or take the few sockets being closed while the hog churns.
  CHECK(exporter.open_fds() <= baseline + 20 + 10);
  CHECK(exporter.running());
}

TEST_CASE("--web.max-connections-per-source closes one more connection from the same address", "[integration]") {
  TempDir dir{"spe-web-per-source"};
  write_file(dir.path() / "exporter.toml", minimal_config());
  ExporterProcess exporter((dir.path() / "exporter.toml").string(), {"--web.max-connections-per-source", "2"});
  asio::io_context io;
  auto first = connect_raw(io, exporter.port(), 3s);
  auto second = connect_raw(io, exporter.port(), 3s);
  auto third = connect_raw(io, exporter.port(), 3s);
  bool closed = false;
  const auto start = Clock::now();
  CHECK(read_all(*third, closed).empty());
  CHECK(closed);
  CHECK(Clock::now() - start < 1s);
  CHECK(status_of(get_from("127.0.0.2", exporter.port(), "/-/healthy")) == 200);
  asio::write(*second, asio::buffer(std::string("GET /-/healthy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
  CHECK(status_of(read_all(*second, closed)) == 200);
}

TEST_CASE("a bad web config stops startup with the key and file:line:column", "[integration]") {
  TempDir dir{"spe-web-bad"};
  const TestPki pki(dir.path());
  write_file(dir.path() / "exporter.toml", minimal_config());
  const auto config = (dir.path() / "exporter.toml").string();
  const auto web = (dir.path() / "web.toml").string();
  const auto [text, expected] = GENERATE(table<std::string, std::string>({
      {"[tls]\ncert_file = \"server.crt\"\nkey_file = \"server.key\"\nca_file = \"ca.crt\"\n",
       "tls.ca_file: unknown key at WEB:4:1"},
      // A key that exists but belongs to another certificate.
      {"[tls]\ncert_file = \"server.crt\"\nkey_file = \"client.key\"\n", "tls.key_file: cannot use private key"},
      {"[tls]\ncert_file = \"server.key\"\nkey_file = \"server.key\"\n",
       "tls.cert_file: cannot load certificate chain"},
      {"[basic_auth_users]\nprometheus = \"correct horse\"\n", "basic_auth_users.prometheus: must be a bcrypt hash"},
  }));
  write_file(web, text);
  const auto result = ExporterProcess::run_binary(
      {"--config.file", config, "--web.config.file", web, "--web.listen-address", "127.0.0.1:0"});
  INFO(result.output);
  CHECK(result.exit_code == 1);
  std::string wanted = expected;
  if (const auto at = wanted.find("WEB"); at != std::string::npos) wanted.replace(at, 3, web);
  CHECK(result.output.find(wanted) != std::string::npos);
  CHECK(result.output.find("correct horse") == std::string::npos);
  if (text.find("key_file = \"client.key\"") != std::string::npos) {
    CHECK(result.output.find(web + ":3:12") != std::string::npos);
  }
}
