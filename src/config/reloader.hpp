// Reloader: runs config loads on one thread of its own, so that reading files, decrypting keys and
// parsing known_hosts never hold up an event loop. SIGHUP, POST /-/reload and the auto-reload tick only
// ask for a load; none of them waits for it.
//
// Coalescing: requests that arrive while a load runs share the next load, which starts once the
// running one has ended. However many arrive together, there are at most two loads: the running one
// and the next. A requester is never answered by a load that began before its request, so a POST made
// after an edit always sees that edit.
//
// Bound: a requester that gives an answer function is answered exactly once, with the outcome of its
// load, or with nothing (std::nullopt) if `bound` passes first, measured from its request. The load
// itself goes on, and its outcome reaches the load function's own logging and metrics as usual.
//
// Answers are called on the Reloader's threads, never under its lock: they must be short and must
// not call back into the Reloader's destructor (posting the answer to an event loop is the use).
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/load.hpp"
#include "config/model.hpp"

namespace spe {

class Reloader {
 public:
  using Clock = std::chrono::steady_clock;
  using Outcome = ConfigResult<ConfigSnapshot>;
  // Loads the config; `trigger` names what asked for it, "signal" or "http", or "http,signal" when
  // requests of several kinds share the load (in order of first arrival). Logs and counts its outcome.
  using Load = std::function<Outcome(const std::string& trigger)>;
  // Whether the files of the config changed since the last load (the auto-reload check). It reads
  // files, so it runs on the Reloader's thread too.
  using Changed = std::function<bool()>;
  // The outcome of the requester's load, or std::nullopt when the bound passed first.
  using Answer = std::function<void(const std::optional<Outcome>&)>;

  // Starts the threads. `load` and `changed` are only ever called from the loading thread, one call
  // at a time. `bound` is the longest a requester with an answer function waits.
  Reloader(Load load, Changed changed, Clock::duration bound);
  // Waits for the load in progress, if any, to end; requests still waiting are dropped unanswered.
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Asks for a load that starts after this call. Never blocks on a load. `answer`, when given, is
  // called once (see the bound above).
  void request(std::string trigger, Answer answer = {});

  // Asks for the change check: when the loading thread is free it calls `changed` and, if that says
  // so, loads with `trigger` ("file"). Checks asked for while one waits, or while a load waits, are
  // one check: they never pile up behind a slow load.
  void check(std::string trigger);

  Clock::duration bound() const { return bound_; }

 private:
  struct Waiter {
    Answer answer;
    Clock::time_point deadline;
  };

  void run_loads();
  void run_deadlines();
  // The answers of `waiters` whose deadline is at or before `now`, taken out of it.
  static std::vector<Answer> take_expired(std::vector<Waiter>& waiters, Clock::time_point now);

  const Load load_;
  const Changed changed_;
  const Clock::duration bound_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable loads_wake_;
  std::condition_variable deadlines_wake_;
  std::vector<std::string> next_triggers_;  // non-empty: a load is wanted
  std::vector<Waiter> next_;                // answered by the next load
  std::vector<Waiter> running_;             // answered by the load in progress
  std::optional<std::string> check_;        // a change check is wanted, with this trigger
  bool stopping_ = false;

  std::thread loader_;     // runs load_ and changed_
  std::thread deadlines_;  // answers the requesters whose bound passed
};

}  // namespace spe
