// Work that may wait: the goodbyes a finished probe still owes (a jump host's channel close and
// disconnect), done after its answer and one at a time. Each is a send to another process, which on a
// loaded machine may take the io thread off the CPU for milliseconds; done inline, one after another,
// they delayed the deadline handlers of every probe behind them (200 probes through one co-located
// bastion, expiring together, were answered up to seconds late). Run one item per turn of the event
// loop instead, a deadline handler that became ready meanwhile waits for one item at most.
//
// One queue per execution context (an Asio service): items run on the loop that queued them.
// Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

namespace spe {

class CleanupQueue : public boost::asio::execution_context::service {
 public:
  using key_type = CleanupQueue;
  static inline boost::asio::execution_context::id id;

  explicit CleanupQueue(boost::asio::execution_context& context);

  // Runs `work` on `executor`'s loop after the handlers already queued there and after the items
  // queued before it, each in a turn of its own. Work still queued when the loop is destroyed is
  // dropped (its captures are destroyed, not run).
  static void defer(const boost::asio::any_io_executor& executor, std::function<void()> work);

 private:
  void shutdown() override;
  void push(const boost::asio::any_io_executor& executor, std::function<void()> work);
  void run_one();

  std::mutex mutex_;
  std::deque<std::function<void()>> items_;
  boost::asio::any_io_executor executor_;  // where run_one goes: the loop that queued the first item
  bool scheduled_ = false;                 // a run_one is posted
  bool stopped_ = false;
};

}  // namespace spe
