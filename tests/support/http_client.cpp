#include "support/http_client.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <memory>

#include "support/temp_dir.hpp"

namespace spe::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kBodyLimit = 512ULL * 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 1024 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bhttp::request<bhttp::string_body> make_request(unsigned short port, std::string_view method, std::string_view target,
                                                const HttpHeaders& headers, std::string_view body) {
  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(bhttp::field::user_agent, "spe-system-tests");
  request.set(bhttp::field::connection, "close");
  request.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT") request.prepare_payload();
  for (const auto& [name, value] : headers) request.set(name, value);
  return request;
}

// One request on one connection, driven by the caller's io_context; all steps share one absolute deadline.
class Exchange : public std::enable_shared_from_this<Exchange> {
 public:
  Exchange(asio::io_context& io, unsigned short port, bhttp::request<bhttp::string_body> request,
           Clock::time_point start, Clock::time_point deadline, TimedResponse& out)
      : stream_(io), port_(port), request_(std::move(request)), start_(start), out_(out) {
    stream_.expires_at(deadline);
    parser_.body_limit(kBodyLimit);
    parser_.header_limit(kHeaderLimit);
  }

  void start() {
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port_);
    stream_.async_connect(endpoint,
                          [self = shared_from_this()](const beast::error_code& ec) { self->on_connect(ec); });
  }

 private:
  void on_connect(const beast::error_code& ec) {
    if (ec) return fail("connect", ec);
    bhttp::async_write(stream_, request_, [self = shared_from_this()](const beast::error_code& write_ec, std::size_t) {
      self->on_write(write_ec);
    });
  }

  void on_write(const beast::error_code& ec) {
    if (ec) return fail("write", ec);
    bhttp::async_read(stream_, buffer_, parser_,
                      [self = shared_from_this()](const beast::error_code& read_ec, std::size_t) {
                        self->on_read(read_ec);
                      });
  }

  void on_read(const beast::error_code& ec) {
    if (ec) return fail("read", ec);
    auto& message = parser_.get();
    out_.response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      auto [it, inserted] = out_.response.headers.emplace(lower(field.name_string()), std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    out_.response.body = std::move(message.body());
    finish();
  }

  void fail(std::string_view stage, const beast::error_code& ec) {
    out_.response.error = std::string(stage) + ": " + (ec == beast::error::timeout ? "timeout" : ec.message());
    finish();
  }

  void finish() {
    out_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  unsigned short port_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response_parser<bhttp::string_body> parser_;
  beast::flat_buffer buffer_;
  Clock::time_point start_;
  TimedResponse& out_;
};

}  // namespace

HttpResponse http_request(unsigned short port, std::string_view method, std::string_view target,
                          const HttpHeaders& headers, std::string_view body, std::chrono::milliseconds timeout) {
  asio::io_context io;
  TimedResponse result;
  const auto start = Clock::now();
  std::make_shared<Exchange>(io, port, make_request(port, method, target, headers, body), start, start + timeout,
                             result)
      ->start();
  io.run();
  return std::move(result.response);
}

HttpResponse http_get(unsigned short port, std::string_view target, const HttpHeaders& headers,
                      std::chrono::milliseconds timeout) {
  return http_request(port, "GET", target, headers, "", timeout);
}

std::vector<TimedResponse> http_get_concurrent(unsigned short port, const std::vector<std::string>& targets,
                                               std::chrono::milliseconds timeout, const HttpHeaders& headers) {
  raise_fd_limit();
  asio::io_context io;
  std::vector<TimedResponse> results(targets.size());
  const auto start = Clock::now();
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::make_shared<Exchange>(io, port, make_request(port, "GET", targets[i], headers, ""), start, start + timeout,
                               results[i])
        ->start();
  }
  io.run();
  return results;
}

}  // namespace spe::test
