#include "probe/cleanup_queue.hpp"

#include <utility>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>

namespace spe {

namespace asio = boost::asio;

CleanupQueue::CleanupQueue(asio::execution_context& context) : asio::execution_context::service(context) {}

void CleanupQueue::defer(const asio::any_io_executor& executor, std::function<void()> work) {
  asio::execution_context& context = asio::query(executor, asio::execution::context);
  asio::use_service<CleanupQueue>(context).push(executor, std::move(work));
}

void CleanupQueue::push(const asio::any_io_executor& executor, std::function<void()> work) {
  {
    const std::lock_guard lock(mutex_);
    if (stopped_) return;
    items_.push_back(std::move(work));
    if (scheduled_) return;
    scheduled_ = true;
    if (!executor_) executor_ = executor;
  }
  asio::post(executor_, [this] { run_one(); });
}

void CleanupQueue::run_one() {
  std::function<void()> work;
  {
    const std::lock_guard lock(mutex_);
    if (items_.empty()) {
      scheduled_ = false;
      return;
    }
    work = std::move(items_.front());
    items_.pop_front();
  }
  work();
  {
    const std::lock_guard lock(mutex_);
    if (items_.empty() || stopped_) {
      scheduled_ = false;
      return;
    }
  }
  // The next item after what became ready meanwhile (a deadline's handler among them).
  asio::post(executor_, [this] { run_one(); });
}

void CleanupQueue::shutdown() {
  std::deque<std::function<void()>> dropped;
  {
    const std::lock_guard lock(mutex_);
    stopped_ = true;
    dropped.swap(items_);
    executor_ = {};
  }
}

}  // namespace spe
