// The process's event loops: one io_context per thread, each run by exactly one thread. A
// connection, and every probe it asks for, stays on the loop that accepted it, so a probe's many
// socket waits never hand work from one thread to another. (With one io_context shared by all
// threads, the thread that polled epoll woke another to run the handler at almost every wait:
// about 50 context switches per login probe instead of about 5.)
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace spe {

class IoPool {
 public:
  // `loops` event loops (at least one).
  explicit IoPool(std::size_t loops);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Loop 0: where the acceptors, signals and timers of main live.
  boost::asio::io_context& main() { return *loops_.front(); }
  boost::asio::io_context& loop(std::size_t index) { return *loops_.at(index); }
  std::size_t size() const { return loops_.size(); }

  // The loops in turn: where a new connection goes. Thread-safe.
  boost::asio::any_io_executor next();
  // The loop that runs the calling thread, so work started from a handler stays on its thread;
  // next() when called from a thread of no loop of this pool. Thread-safe.
  boost::asio::any_io_executor local();

  // Runs loops 1..n-1 on threads of their own and loop 0 on the caller; returns once every loop
  // has stopped and its thread is joined.
  void run();
  // Makes run() return: every loop stops, pending handlers are abandoned. Thread-safe.
  void stop();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  void run_loop(std::size_t index);

  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<WorkGuard> work_;  // keeps an idle loop running until stop()
  std::atomic<std::size_t> next_{0};
};

}  // namespace spe
