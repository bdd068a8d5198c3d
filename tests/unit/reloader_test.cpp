// The Reloader's coalescing, ordering and bound, with a fake load function: no file is read.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/reloader.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A load function the test controls: each load records the event number at which it began and the
// trigger it got, returns a snapshot whose `file` is its load index, and waits at the gate while the
// gate is closed (at most 20 s, so that a broken test cannot hang).
class FakeLoad {
 public:
  spe::Reloader::Outcome operator()(const std::string& trigger) {
    std::unique_lock lock(mutex_);
    const std::size_t index = starts_.size();
    starts_.push_back(++events_);
    triggers_.push_back(trigger);
    started_.notify_all();
    opened_.wait_for(lock, 20s, [this] { return open_; });
    auto config = std::make_shared<spe::ExporterConfig>();
    config->file = std::to_string(index);
    return std::shared_ptr<const spe::ExporterConfig>(std::move(config));
  }

  // A number later than every event so far: taken just before a request.
  std::uint64_t ticket() {
    const std::lock_guard lock(mutex_);
    return ++events_;
  }
  void close() {
    const std::lock_guard lock(mutex_);
    open_ = false;
  }
  void open() {
    {
      const std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  bool wait_started(std::size_t loads, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return started_.wait_for(lock, timeout, [&] { return starts_.size() >= loads; });
  }
  std::size_t loads() {
    const std::lock_guard lock(mutex_);
    return starts_.size();
  }
  std::uint64_t start_of(std::size_t index) {
    const std::lock_guard lock(mutex_);
    return starts_.at(index);
  }
  std::string trigger_of(std::size_t index) {
    const std::lock_guard lock(mutex_);
    return triggers_.at(index);
  }

 private:
  std::mutex mutex_;
  std::condition_variable started_;
  std::condition_variable opened_;
  bool open_ = true;
  std::uint64_t events_ = 0;
  std::vector<std::uint64_t> starts_;
  std::vector<std::string> triggers_;
};

// What one requester got: how many answers, the load index of the last (-1: timed out), and when.
struct Answers {
  std::mutex mutex;
  std::condition_variable arrived;
  struct One {
    std::uint64_t ticket = 0;
    int calls = 0;
    long load = -2;  // -2: none yet, -1: the bound passed, else the load's index
    Clock::time_point at;
  };
  std::vector<One> of;

  explicit Answers(std::size_t requesters) : of(requesters) {}

  spe::Reloader::Answer for_requester(std::size_t i) {
    return [this, i](const std::optional<spe::Reloader::Outcome>& outcome) {
      {
        const std::lock_guard lock(mutex);
        ++of[i].calls;
        of[i].at = Clock::now();
        of[i].load = !outcome ? -1 : std::stol((**outcome)->file);
      }
      arrived.notify_all();
    };
  }
  bool wait_all(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, timeout, [this] {
      for (const auto& one : of) {
        if (one.calls == 0) return false;
      }
      return true;
    });
  }
};

}  // namespace

TEST_CASE("reloader: concurrent requests share at most two loads, none answered by an older load",
          "[unit][reloader][concurrency]") {
  constexpr std::size_t kRequesters = 64;
  FakeLoad fake;
  // Declared before the reloader, whose threads may call them until it is destroyed.
  Answers answers(kRequesters + 1);
  spe::Reloader reloader([&](const std::string& trigger) { return fake(trigger); }, [] { return false; }, 10s);

  // Load 0 starts for the first request and is held at the gate while the others arrive.
  fake.close();
  answers.of[0].ticket = fake.ticket();
  reloader.request("http", answers.for_requester(0));
  REQUIRE(fake.wait_started(1, 5s));

  std::promise<void> go;
  std::shared_future<void> start = go.get_future().share();
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i <= kRequesters; ++i) {
    threads.emplace_back([&, i] {
      start.wait();
      answers.of[i].ticket = fake.ticket();
      reloader.request(i % 2 == 0 ? "http" : "signal", answers.for_requester(i));
    });
  }
  go.set_value();
  for (auto& thread : threads) thread.join();
  // Every request was made while load 0 ran: none may be answered by it.
  fake.open();
  REQUIRE(answers.wait_all(10s));
  std::this_thread::sleep_for(100ms);  // a second answer, or a third load, would show by now

  CHECK(fake.loads() == 2);
  CHECK(fake.trigger_of(0) == "http");
  const std::string shared = fake.trigger_of(1);
  CHECK((shared == "http,signal" || shared == "signal,http"));
  const std::lock_guard lock(answers.mutex);
  CHECK(answers.of[0].load == 0);
  for (std::size_t i = 0; i <= kRequesters; ++i) {
    INFO("requester " << i);
    CHECK(answers.of[i].calls == 1);
    REQUIRE(answers.of[i].load >= 0);
    CHECK(fake.start_of(static_cast<std::size_t>(answers.of[i].load)) > answers.of[i].ticket);
    if (i > 0) CHECK(answers.of[i].load == 1);
  }
}

TEST_CASE("reloader: requests racing with loads are each answered by a load that began after them",
          "[unit][reloader][concurrency]") {
  constexpr std::size_t kThreads = 8;
  constexpr std::size_t kRounds = 25;
  FakeLoad fake;
  Answers answers(kThreads * kRounds);
  spe::Reloader reloader([&](const std::string& trigger) { return fake(trigger); }, [] { return false; }, 10s);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t r = 0; r < kRounds; ++r) {
        const std::size_t i = t * kRounds + r;
        answers.of[i].ticket = fake.ticket();
        reloader.request("http", answers.for_requester(i));
        std::this_thread::sleep_for(std::chrono::microseconds(100 * (t + 1)));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(answers.wait_all(10s));
  std::this_thread::sleep_for(100ms);

  const std::lock_guard lock(answers.mutex);
  for (std::size_t i = 0; i < answers.of.size(); ++i) {
    INFO("requester " << i);
    CHECK(answers.of[i].calls == 1);
    REQUIRE(answers.of[i].load >= 0);
    CHECK(fake.start_of(static_cast<std::size_t>(answers.of[i].load)) > answers.of[i].ticket);
  }
}

TEST_CASE("reloader: a requester waiting past the bound is answered without an outcome; the load goes on",
          "[unit][reloader][concurrency]") {
  FakeLoad fake;
  Answers answers(2);
  spe::Reloader reloader([&](const std::string& trigger) { return fake(trigger); }, [] { return false; }, 200ms);
  fake.close();
  const auto asked = Clock::now();
  reloader.request("http", answers.for_requester(0));
  REQUIRE(fake.wait_started(1, 5s));
  reloader.request("http", answers.for_requester(1));  // waits behind the held load
  REQUIRE(answers.wait_all(5s));
  {
    const std::lock_guard lock(answers.mutex);
    for (const auto& one : answers.of) {
      CHECK(one.calls == 1);
      CHECK(one.load == -1);
      CHECK(one.at - asked >= 200ms);
      CHECK(one.at - asked < 3s);
    }
  }
  // The held load still ends, and the request behind it still gets its load, unanswered now.
  fake.open();
  REQUIRE(fake.wait_started(2, 5s));
  std::this_thread::sleep_for(100ms);
  const std::lock_guard lock(answers.mutex);
  CHECK(answers.of[0].calls == 1);
  CHECK(answers.of[1].calls == 1);
}

TEST_CASE("reloader: the change check runs on the loader and loads only on a change; checks do not pile up",
          "[unit][reloader][concurrency]") {
  FakeLoad fake;
  std::atomic<int> checks{0};
  std::atomic<bool> changed{false};
  std::atomic<bool> on_caller{false};
  const auto caller = std::this_thread::get_id();
  spe::Reloader reloader([&](const std::string& trigger) { return fake(trigger); },
                         [&] {
                           ++checks;
                           if (std::this_thread::get_id() == caller) on_caller = true;
                           return changed.load();
                         },
                         10s);
  reloader.check("file");
  const auto deadline = Clock::now() + 5s;
  while (checks == 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(50ms);
  CHECK(checks == 1);
  CHECK(fake.loads() == 0);
  CHECK_FALSE(on_caller);

  // While a load is held, many checks and a request: the request's load makes them moot.
  fake.close();
  changed = true;
  reloader.check("file");
  REQUIRE(fake.wait_started(1, 5s));
  CHECK(fake.trigger_of(0) == "file");
  for (int i = 0; i < 100; ++i) reloader.check("file");
  reloader.request("signal");
  for (int i = 0; i < 100; ++i) reloader.check("file");
  fake.open();
  REQUIRE(fake.wait_started(2, 5s));
  std::this_thread::sleep_for(100ms);
  CHECK(checks == 2);  // the first and the one that loaded: the request made the waiting check moot
  CHECK(fake.loads() == 2);
  CHECK(fake.trigger_of(1) == "signal");
}
