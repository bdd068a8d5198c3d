#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "probe/cleanup_queue.hpp"
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

TEST_CASE("a loop's cleanup queue runs one item per turn, after what was queued before it", "[unit][io_pool]") {
  asio::io_context io;
  std::vector<std::string> order;
  const auto executor = io.get_executor();
  spe::CleanupQueue::defer(executor, [&] {
    order.emplace_back("cleanup 1");
    asio::post(io, [&] { order.emplace_back("ready during cleanup 1"); });
  });
  asio::post(io, [&] { order.emplace_back("queued before"); });
  spe::CleanupQueue::defer(executor, [&] { order.emplace_back("cleanup 2"); });
  spe::CleanupQueue::defer(executor, [&] { order.emplace_back("cleanup 3"); });
  io.run();
  // A handler that became ready while an item ran (a deadline's) waits for that one item, not for the rest.
  CHECK(order ==
        std::vector<std::string>{"cleanup 1", "queued before", "ready during cleanup 1", "cleanup 2", "cleanup 3"});
}

TEST_CASE("cleanup still queued when its loop goes away is dropped, not run", "[unit][io_pool]") {
  auto owned = std::make_shared<int>(0);
  bool ran = false;
  {
    asio::io_context io;
    spe::CleanupQueue::defer(io.get_executor(), [&ran, owned] { ran = true; });
    CHECK(owned.use_count() == 2);
  }
  CHECK_FALSE(ran);
  CHECK(owned.use_count() == 1);
}
