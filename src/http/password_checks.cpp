#include "http/password_checks.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace spe::http {
namespace {

template <typename Waiter>
bool wanted(const Waiter& waiter) {
  return !waiter.cancel || !waiter.cancel->cancelled();
}

}  // namespace

PasswordChecks::PasswordChecks(std::shared_ptr<BasicAuth> auth, std::size_t capacity)
    : auth_(std::move(auth)), capacity_(std::max<std::size_t>(capacity, 1)), thread_([this] { run(); }) {}

PasswordChecks::~PasswordChecks() { stop(); }

bool PasswordChecks::submit(std::string authorization, std::shared_ptr<CancelSignal> cancel, Done done) {
  std::vector<Check> abandoned;  // destroyed after the lock is released: the callbacks own sessions
  const std::lock_guard lock(mutex_);
  if (stopping_) return false;
  auto check = checks_.find(authorization);
  if (check == checks_.end()) {
    if (checks_.size() >= capacity_) drop_abandoned(abandoned);
    if (checks_.size() >= capacity_) return false;
    check = checks_.emplace(authorization, Check{}).first;
    queue_.push_back(std::move(authorization));
    wake_.notify_one();
  }
  check->second.waiters.push_back(Waiter{std::move(cancel), std::move(done)});
  return true;
}

void PasswordChecks::drop_abandoned(std::vector<Check>& dropped) {
  std::erase_if(queue_, [&](const std::string& authorization) {
    const auto check = checks_.find(authorization);
    const auto& waiters = check->second.waiters;
    if (std::any_of(waiters.begin(), waiters.end(), wanted<Waiter>)) return false;
    dropped.push_back(std::move(check->second));
    checks_.erase(check);
    return true;
  });
}

std::size_t PasswordChecks::pending() const {
  const std::lock_guard lock(mutex_);
  return checks_.size();
}

void PasswordChecks::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::map<std::string, Check, std::less<>> dropped;  // destroyed unlocked: callbacks own sessions
  const std::lock_guard lock(mutex_);
  dropped.swap(checks_);
  queue_.clear();
}

void PasswordChecks::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const std::string authorization = std::move(queue_.front());
    queue_.pop_front();
    const auto& waiters = checks_.at(authorization).waiters;
    std::optional<bool> verdict;
    // Every client of this header may have left while it waited: then the check costs nothing.
    // Otherwise requests that come with the same header while bcrypt runs join it.
    if (std::any_of(waiters.begin(), waiters.end(), wanted<Waiter>)) {
      lock.unlock();
      verdict = auth_->verify(authorization);
      lock.lock();
    }
    Check check = std::move(checks_.extract(authorization).mapped());
    lock.unlock();
    for (auto& waiter : check.waiters) {
      if (verdict && wanted(waiter)) waiter.done(*verdict);
    }
    check = Check{};  // the callbacks hold their sessions: released here, unlocked
    lock.lock();
  }
}

}  // namespace spe::http
