// Running a step that may block opening a FIFO, with a time limit, for the tests of special files
// (unit and system tests alike).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <future>

namespace spe::test {

// Runs `step` on another thread and says whether it finished within `limit`. A step still blocked
// on `fifo` then is released by opening the FIFO for writing (and closing it: the reader sees end of
// file), so a failing test ends instead of hanging; it is given 5 s more to return.
inline bool finishes_within(std::chrono::milliseconds limit, const std::function<void()>& step,
                            const std::filesystem::path& fifo) {
  auto done = std::async(std::launch::async, step);
  if (done.wait_for(limit) == std::future_status::ready) {
    done.get();
    return true;
  }
  const int writer = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (writer >= 0) ::close(writer);
  done.wait_for(std::chrono::seconds(5));
  return false;
}

}  // namespace spe::test
