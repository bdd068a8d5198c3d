// The queue of basic-auth passwords waiting for bcrypt, shared by every HTTP session. bcrypt takes
// tens of milliseconds by design, so checks run one at a time on a thread of their own, never on an
// io thread; the queue is bounded so that a flood of wrong passwords cannot make a valid login wait
// for minutes; requests with the same Authorization header share one check (a scraper's first
// scrape of many targets, or the same wrong password sent a thousand times, costs one bcrypt); and
// a check whose clients have all left is dropped without running.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/basic_auth.hpp"
#include "util/cancel_signal.hpp"

namespace spe::http {

class PasswordChecks {
 public:
  // Called with the verdict on the checks' thread.
  using Done = std::function<void(bool verified)>;

  // `capacity`: distinct headers waiting or being checked at once (at least 1). Starts the thread.
  PasswordChecks(std::shared_ptr<BasicAuth> auth, std::size_t capacity);
  // As stop().
  ~PasswordChecks();
  PasswordChecks(const PasswordChecks&) = delete;
  PasswordChecks& operator=(const PasswordChecks&) = delete;

  // Queues a check of `authorization`, or joins the queued or running check of the same header.
  // `done` runs once with the verdict, on the checks' thread, unless `cancel` (its client left)
  // has fired by then; a check none of whose requests is still wanted when its turn comes does not
  // run at all.
  // False, and nothing queued, when `capacity` other headers are already waiting or being checked
  // (checks whose clients have all left make room first).
  // Thread-safe.
  bool submit(std::string authorization, std::shared_ptr<CancelSignal> cancel, Done done);

  // Checks waiting or running now (distinct headers). Thread-safe.
  std::size_t pending() const;

  // Finishes the check running now, drops the queued ones (their `done` never runs) and joins the
  // thread; later submissions are refused. Idempotent; not from a `done` callback.
  void stop();

 private:
  struct Waiter {
    std::shared_ptr<CancelSignal> cancel;
    Done done;
  };
  struct Check {
    std::vector<Waiter> waiters;  // the requests that came with this header
  };

  void run();
  // Takes the queued checks none of whose clients is still there off the queue, into `dropped`.
  void drop_abandoned(std::vector<Check>& dropped);

  const std::shared_ptr<BasicAuth> auth_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Check, std::less<>> checks_;  // by header: queued and running
  std::deque<std::string> queue_;                     // headers in the order they came, not yet running
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace spe::http
