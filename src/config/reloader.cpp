#include "config/reloader.hpp"

#include <algorithm>
#include <exception>
#include <utility>

namespace spe {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : ",") + word;
  return text;
}

// A load that throws (out of memory, say) fails like a bad file: the config in force stays.
Reloader::Outcome guarded_load(const Reloader::Load& load, const std::string& trigger) {
  try {
    return load(trigger);
  } catch (const std::exception& e) {
    return std::unexpected(ConfigErrors{{Error{ErrorCode::internal, std::string("reload failed: ") + e.what(), {}}}});
  }
}

bool guarded_changed(const Reloader::Changed& changed) {
  try {
    return changed();
  } catch (const std::exception&) {
    return true;  // the load that follows says what is wrong
  }
}

}  // namespace

Reloader::Reloader(Load load, Changed changed, Clock::duration bound)
    : load_(std::move(load)), changed_(std::move(changed)), bound_(bound) {
  loader_ = std::thread([this] { run_loads(); });
  deadlines_ = std::thread([this] { run_deadlines(); });
}

Reloader::~Reloader() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  loads_wake_.notify_all();
  deadlines_wake_.notify_all();
  loader_.join();
  deadlines_.join();
}

void Reloader::request(std::string trigger, Answer answer) {
  {
    const std::lock_guard lock(mutex_);
    if (std::find(next_triggers_.begin(), next_triggers_.end(), trigger) == next_triggers_.end()) {
      next_triggers_.push_back(std::move(trigger));
    }
    if (answer) next_.push_back(Waiter{std::move(answer), Clock::now() + bound_});
  }
  loads_wake_.notify_one();
  deadlines_wake_.notify_one();
}

void Reloader::check(std::string trigger) {
  {
    const std::lock_guard lock(mutex_);
    if (!next_triggers_.empty() || check_) return;  // a load or a check is waiting already
    check_ = std::move(trigger);
  }
  loads_wake_.notify_one();
}

void Reloader::run_loads() {
  std::unique_lock lock(mutex_);
  while (true) {
    loads_wake_.wait(lock, [this] { return stopping_ || !next_triggers_.empty() || check_; });
    if (stopping_) return;
    const std::optional<std::string> check = std::exchange(check_, std::nullopt);
    std::string trigger = join(std::exchange(next_triggers_, {}));
    running_ = std::exchange(next_, {});
    lock.unlock();
    // A wanted load makes the check moot: it reads every file anyway.
    const bool load = !trigger.empty() || guarded_changed(changed_);
    if (trigger.empty()) trigger = check.value_or("file");
    std::optional<Outcome> outcome;
    if (load) outcome = guarded_load(load_, trigger);
    lock.lock();
    std::vector<Waiter> answered = std::exchange(running_, {});
    lock.unlock();
    for (Waiter& waiter : answered) waiter.answer(outcome);
    answered.clear();  // the answers' captures go before the lock is taken again
    lock.lock();
  }
}

std::vector<Reloader::Answer> Reloader::take_expired(std::vector<Waiter>& waiters, Clock::time_point now) {
  std::vector<Answer> expired;
  const auto late = std::stable_partition(waiters.begin(), waiters.end(),
                                          [now](const Waiter& waiter) { return waiter.deadline > now; });
  for (auto it = late; it != waiters.end(); ++it) expired.push_back(std::move(it->answer));
  waiters.erase(late, waiters.end());
  return expired;
}

void Reloader::run_deadlines() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    std::optional<Clock::time_point> earliest;
    for (const auto* waiters : {&next_, &running_}) {
      for (const Waiter& waiter : *waiters) {
        if (!earliest || waiter.deadline < *earliest) earliest = waiter.deadline;
      }
    }
    if (!earliest) {
      deadlines_wake_.wait(lock);
      continue;
    }
    const auto now = Clock::now();
    if (*earliest > now) {
      deadlines_wake_.wait_until(lock, *earliest);
      continue;
    }
    std::vector<Answer> expired = take_expired(next_, now);
    for (Answer& answer : take_expired(running_, now)) expired.push_back(std::move(answer));
    lock.unlock();
    for (const Answer& answer : expired) answer(std::nullopt);
    expired.clear();
    lock.lock();
  }
}

}  // namespace spe
