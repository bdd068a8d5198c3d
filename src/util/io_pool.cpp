#include "util/io_pool.hpp"

#include <algorithm>
#include <thread>

namespace spe {

namespace asio = boost::asio;

namespace {

// Which pool and loop the current thread runs, for local().
thread_local const IoPool* current_pool = nullptr;
thread_local asio::io_context* current_loop = nullptr;

}  // namespace

IoPool::IoPool(std::size_t loops) {
  loops = std::max<std::size_t>(loops, 1);
  loops_.reserve(loops);
  work_.reserve(loops);
  for (std::size_t i = 0; i < loops; ++i) {
    // Hint 1: each loop is run by one thread only, which lets Asio skip waking other threads.
    loops_.push_back(std::make_unique<asio::io_context>(1));
    work_.push_back(asio::make_work_guard(*loops_.back()));
  }
}

IoPool::~IoPool() { stop(); }

asio::any_io_executor IoPool::next() {
  return loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]->get_executor();
}

asio::any_io_executor IoPool::local() {
  if (current_pool == this && current_loop != nullptr) return current_loop->get_executor();
  return next();
}

void IoPool::run_loop(std::size_t index) {
  current_pool = this;
  current_loop = loops_[index].get();
  loops_[index]->run();
  current_pool = nullptr;
  current_loop = nullptr;
}

void IoPool::run() {
  std::vector<std::thread> threads;
  threads.reserve(loops_.size() - 1);
  for (std::size_t i = 1; i < loops_.size(); ++i) threads.emplace_back([this, i] { run_loop(i); });
  run_loop(0);
  for (auto& thread : threads) thread.join();
}

void IoPool::stop() {
  for (auto& loop : loops_) loop->stop();
}

}  // namespace spe
