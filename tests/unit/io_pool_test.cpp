#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include <boost/asio/post.hpp>

#include "util/io_pool.hpp"

namespace asio = boost::asio;

namespace {

// Runs `pool` on a thread of its own until the returned guard is destroyed.
struct Running {
  explicit Running(spe::IoPool& pool) : pool(pool), runner([&pool] { pool.run(); }) {}
  ~Running() {
    pool.stop();
    runner.join();
  }
  spe::IoPool& pool;
  std::thread runner;
};

}  // namespace

TEST_CASE("each loop of the pool runs on one thread of its own", "[unit][io_pool]") {
  spe::IoPool pool(3);
  REQUIRE(pool.size() == 3);
  const Running running(pool);
  std::set<std::thread::id> threads;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    std::promise<std::thread::id> seen;
    asio::post(pool.loop(i), [&seen] { seen.set_value(std::this_thread::get_id()); });
    auto answer = seen.get_future();
    REQUIRE(answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    threads.insert(answer.get());
  }
  CHECK(threads.size() == 3);
}

TEST_CASE("local() keeps work on the caller's loop; next() goes round the loops", "[unit][io_pool]") {
  spe::IoPool pool(2);
  const Running running(pool);
  // From a handler on loop 1, local() is loop 1: work it starts runs on the same thread.
  std::promise<bool> same;
  asio::post(pool.loop(1), [&] {
    const auto here = std::this_thread::get_id();
    asio::post(pool.local(), [&same, here] { same.set_value(std::this_thread::get_id() == here); });
  });
  auto answer = same.get_future();
  REQUIRE(answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(answer.get());

  // next() hands out every loop in turn; local() off the pool's threads does the same.
  std::set<const void*> contexts;
  for (int i = 0; i < 4; ++i) contexts.insert(&asio::query(pool.next(), asio::execution::context));
  CHECK(contexts.size() == 2);
  CHECK(contexts.count(&asio::query(pool.local(), asio::execution::context)) == 1);  // one of the pool's loops
}

TEST_CASE("an idle pool keeps running until stop()", "[unit][io_pool]") {
  spe::IoPool pool(2);
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    pool.run();
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(returned);  // no work queued, yet run() has not returned
  pool.stop();
  runner.join();
  CHECK(returned);
}
