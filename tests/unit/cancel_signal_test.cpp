#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "util/cancel_signal.hpp"

using spe::CancelSignal;

TEST_CASE("cancel runs the registered handler once, however often it is called", "[unit][cancel]") {
  CancelSignal signal;
  int runs = 0;
  signal.on_cancel([&] { ++runs; });
  CHECK_FALSE(signal.cancelled());
  CHECK(runs == 0);
  signal.cancel();
  signal.cancel();
  CHECK(signal.cancelled());
  CHECK(runs == 1);
}

TEST_CASE("a handler registered after cancel runs at once", "[unit][cancel]") {
  CancelSignal signal;
  signal.cancel();
  int runs = 0;
  signal.on_cancel([&] { ++runs; });
  CHECK(runs == 1);
  signal.cancel();
  CHECK(runs == 1);
}

TEST_CASE("a later handler replaces an earlier one; an empty one clears it", "[unit][cancel]") {
  CancelSignal signal;
  int first = 0;
  int second = 0;
  signal.on_cancel([&] { ++first; });
  signal.on_cancel([&] { ++second; });
  signal.cancel();
  CHECK(first == 0);
  CHECK(second == 1);

  CancelSignal cleared;
  cleared.on_cancel([&] { ++first; });
  cleared.on_cancel({});
  cleared.cancel();
  CHECK(first == 0);
  CHECK(cleared.cancelled());
}

TEST_CASE("cancel from many threads at once runs the handler exactly once", "[unit][cancel]") {
  CancelSignal signal;
  std::atomic<int> runs{0};
  signal.on_cancel([&] { ++runs; });
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { signal.cancel(); });
  for (auto& thread : threads) thread.join();
  CHECK(runs == 1);
}
