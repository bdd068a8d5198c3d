#include "bench/load_client.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>

namespace spe::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint64_t kBodyLimit = 64ULL * 1024 * 1024;

// Hands out request numbers to the connections, in order, until the plan is used up.
struct Dispatcher {
  const LoadPlan& plan;
  const TargetOf& target_of;
  const OnAnswer& on_answer;
  std::size_t next = 0;

  std::optional<std::size_t> take() {
    if (next >= plan.requests) return std::nullopt;
    if (plan.stop_starting_at && Clock::now() >= *plan.stop_starting_at) return std::nullopt;
    return next++;
  }
};

// One keep-alive connection: connect, then write / read / write ... until the dispatcher runs dry.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, unsigned short port, Dispatcher& dispatcher)
      : stream_(io), endpoint_(asio::ip::make_address_v4("127.0.0.1"), port), dispatcher_(dispatcher) {}

  void start_next() {
    const auto index = dispatcher_.take();
    if (!index) return close();
    index_ = *index;
    answer_ = Answer{};
    request_ = http::request<http::empty_body>(http::verb::get, dispatcher_.target_of(index_), 11);
    request_.set(http::field::host, "127.0.0.1:" + std::to_string(endpoint_.port()));
    request_.set(http::field::user_agent, "spe-bench");
    stream_.expires_after(dispatcher_.plan.request_timeout);
    if (connected_) return start_write();
    stream_.async_connect(endpoint_,
                          [self = shared_from_this()](const beast::error_code& ec) { self->on_connect(ec); });
  }

 private:
  void on_connect(const beast::error_code& ec) {
    if (ec) return fail("connect", ec);
    connected_ = true;
    start_write();
  }

  void start_write() {
    http::async_write(stream_, request_,
                      [self = shared_from_this()](const beast::error_code& ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(const beast::error_code& ec) {
    if (ec) return fail("write", ec);
    answer_.sent = Clock::now();
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](const beast::error_code& read_ec, std::size_t) {
                       self->on_read(read_ec);
                     });
  }

  void on_read(const beast::error_code& ec) {
    if (ec) return fail("read", ec);
    answer_.done = Clock::now();
    auto message = parser_->release();
    answer_.status = static_cast<int>(message.result_int());
    answer_.body = std::move(message.body());
    dispatcher_.on_answer(index_, std::move(answer_));
    if (!message.keep_alive()) close();
    start_next();
  }

  void fail(std::string_view stage, const beast::error_code& ec) {
    answer_.done = Clock::now();
    if (answer_.sent == Clock::time_point{}) answer_.sent = answer_.done;
    answer_.error = std::string(stage) + ": " + (ec == beast::error::timeout ? "timeout" : ec.message());
    dispatcher_.on_answer(index_, std::move(answer_));
    close();
    start_next();
  }

  void close() {
    if (!connected_ && !stream_.socket().is_open()) return;
    connected_ = false;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
  }

  beast::tcp_stream stream_;
  tcp::endpoint endpoint_;
  Dispatcher& dispatcher_;
  bool connected_ = false;
  std::size_t index_ = 0;
  http::request<http::empty_body> request_;
  std::optional<http::response_parser<http::string_body>> parser_;
  beast::flat_buffer buffer_;
  Answer answer_;
};

}  // namespace

std::size_t run_load(unsigned short port, const LoadPlan& plan, const TargetOf& target_of, const OnAnswer& on_answer) {
  asio::io_context io;
  Dispatcher dispatcher{plan, target_of, on_answer};
  const std::size_t connections = std::min(plan.connections, plan.requests);
  for (std::size_t i = 0; i < connections; ++i) {
    std::make_shared<Connection>(io, port, dispatcher)->start_next();
  }
  io.run();
  return dispatcher.next;
}

}  // namespace spe::bench
